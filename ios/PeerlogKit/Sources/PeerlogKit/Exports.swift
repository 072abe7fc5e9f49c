@_exported import PeerlogCore

/// The core's language enum. `Locale` alone is ambiguous next to `Foundation.Locale` in any file
/// that imports both, so the app code uses this name.
public typealias CoreLocale = PeerlogCore.Locale
