// Uniform access to the core's errors. Every variant of `PeerlogException` carries a
// machine-readable `code` and a `userMessage` already in the peer's language; the UI shows
// the message as is and never builds its own text from the code.
package org.peerlog.core

import uniffi.peerlog_core.PeerlogException

/** The machine-readable code of any core error (`bad_invitation`, `not_enrolled`, ...). */
val PeerlogException.code: String
    get() = when (this) {
        is PeerlogException.Invalid -> code
        is PeerlogException.DeclarationRequired -> code
        is PeerlogException.NotInitialised -> code
        is PeerlogException.NotFound -> code
        is PeerlogException.Refused -> code
        is PeerlogException.Verification -> code
        is PeerlogException.Storage -> code
        is PeerlogException.SecretStore -> code
        is PeerlogException.Network -> code
        is PeerlogException.Server -> code
        is PeerlogException.DeviceRevoked -> code
    }

/** The core's message for the peer, in the language set with `setLocale`. */
val PeerlogException.userMessage: String
    get() = when (this) {
        is PeerlogException.Invalid -> userMessage
        is PeerlogException.DeclarationRequired -> userMessage
        is PeerlogException.NotInitialised -> userMessage
        is PeerlogException.NotFound -> userMessage
        is PeerlogException.Refused -> userMessage
        is PeerlogException.Verification -> userMessage
        is PeerlogException.Storage -> userMessage
        is PeerlogException.SecretStore -> userMessage
        is PeerlogException.Network -> userMessage
        is PeerlogException.Server -> userMessage
        is PeerlogException.DeviceRevoked -> userMessage
    }

// Whether to retry later is the core's rule too: `PeerlogException.isTransient()`.
