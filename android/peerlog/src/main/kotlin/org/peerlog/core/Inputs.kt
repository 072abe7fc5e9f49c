// Inputs prefilled from what the core returned, for the "edit" forms.
package org.peerlog.core

import uniffi.peerlog_core.Contact
import uniffi.peerlog_core.ContactInput

/**
 * The input that recreates this contact, field for field. An edit replaces every field, so
 * an edit form starts from this and changes only what it shows: notes, place, who, topics,
 * … written on another device (or by the CLI) are kept.
 */
fun Contact.toInput(): ContactInput = ContactInput(
    date = date,
    startTime = startTime,
    minutes = minutes,
    kind = kind,
    participants = participants,
    who = who,
    isNew = isNew,
    abroad = abroad,
    ledByPeer = ledByPeer,
    place = place,
    municipality = municipality,
    topics = topics,
    travelKm = travelKm,
    privateRef = privateRef,
    privateNote = privateNote,
    sharedNote = sharedNote,
    themes = themes,
)
