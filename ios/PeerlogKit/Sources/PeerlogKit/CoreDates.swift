import Foundation

/// Conversions between the core's date strings and `Date`.
///
/// The core speaks calendar days as `YYYY-MM-DD` (the peer's local day) and instants as
/// RFC 3339. These helpers only convert formats; which dates are allowed is the core's
/// business (it rejects a future date, for example).
public enum CoreDates {
    /// The Gregorian calendar in the device's time zone: a day string is always Gregorian,
    /// whatever calendar the user chose for display.
    public static var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone.current
        return calendar
    }

    /// `YYYY-MM-DD` of `date` in the device's time zone.
    public static func day(_ date: Date) -> String {
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
    }

    /// Today as `YYYY-MM-DD`.
    public static func today() -> String {
        day(Date())
    }

    /// The year of `date` (for the yearly summary and report).
    public static func year(_ date: Date = Date()) -> Int32 {
        Int32(calendar.component(.year, from: date))
    }

    /// Midnight at the start of a `YYYY-MM-DD` day, or nil if the string is not one.
    public static func date(fromDay text: String) -> Date? {
        let parts = text.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3 else { return nil }
        return calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2]))
    }

    /// An RFC 3339 timestamp (with or without fractional seconds), or nil.
    public static func timestamp(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) {
            return date
        }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }
}
