// The core's names for the domain's values, looked up in one `Vocabulary` (from the core's
// `vocabulary(locale)`): the apps never name a who, place, category or expense themselves.
package org.peerlog.core

import uniffi.peerlog_core.Category
import uniffi.peerlog_core.ContactKind
import uniffi.peerlog_core.ExpenseKind
import uniffi.peerlog_core.ExpenseStatus
import uniffi.peerlog_core.Place
import uniffi.peerlog_core.Vocabulary
import uniffi.peerlog_core.Who

// A value the core does not list cannot happen (the lists are the enums' values); the
// enum's own name is only a last resort, never a translation of ours.
fun Vocabulary.label(kind: ContactKind): String =
    contactKinds.firstOrNull { it.kind == kind }?.label ?: kind.name

fun Vocabulary.label(who: Who): String =
    this.who.firstOrNull { it.who == who }?.label ?: who.name

fun Vocabulary.label(place: Place): String =
    places.firstOrNull { it.place == place }?.label ?: place.name

fun Vocabulary.label(category: Category): String =
    categories.firstOrNull { it.category == category }?.label ?: category.name

fun Vocabulary.label(kind: ExpenseKind): String =
    expenseKinds.firstOrNull { it.kind == kind }?.label ?: kind.name

fun Vocabulary.label(status: ExpenseStatus): String =
    expenseStatuses.firstOrNull { it.status == status }?.label ?: status.name

/** Whether the core records a place for contacts of [kind] (it refuses one otherwise). */
fun Vocabulary.hasPlace(kind: ContactKind): Boolean =
    contactKinds.firstOrNull { it.kind == kind }?.hasPlace == true

/** Whether the core pays [kind] per km (the form asks for km, not an amount). */
fun Vocabulary.usesKm(kind: ExpenseKind): Boolean =
    expenseKinds.firstOrNull { it.kind == kind }?.usesKm == true
