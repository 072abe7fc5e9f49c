@_exported import PeerlogCore

/// The core's language enum. `Locale` alone is ambiguous next to `Foundation.Locale` in any file
/// that imports both, so the app code uses this name.
public typealias CoreLocale = PeerlogCore.Locale

/// The core's report category. `Category` alone can clash with the Objective-C runtime's
/// `Category` typedef in files that import UIKit.
public typealias CoreCategory = PeerlogCore.Category
