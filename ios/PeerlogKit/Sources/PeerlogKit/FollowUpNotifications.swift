import Foundation
import UserNotifications

/// Local notifications for due follow-ups with `UNUserNotificationCenter`: one request per
/// due date at 09:00, replaced whenever the list changes. The title and body come from the
/// core and are the same for every follow-up: no person, reference or kind of contact
/// (ADR 0021). iOS keeps calendar triggers across restarts.
@MainActor
public enum FollowUpNotifications {
    static let prefix = "peerlog.follow-up."

    /// Asks once for permission to show alerts and sounds.
    public static func requestPermission() async -> Bool {
        (try? await UNUserNotificationCenter.current().requestAuthorization(options: [.alert, .sound])) ?? false
    }

    /// Asks for the permission at the moment a peer first sets a follow-up date (the reminder
    /// is why), and never again once the peer answered.
    public static func requestPermissionIfUndecided() async {
        let settings = await UNUserNotificationCenter.current().notificationSettings()
        guard settings.authorizationStatus == .notDetermined else { return }
        _ = await requestPermission()
    }

    /// Replaces the scheduled follow-up notifications with the core's current list.
    public static func reschedule(client: PeerlogClient) async {
        guard let list = try? await client.followUps() else { return }
        let text = client.followUpNotificationText()
        let center = UNUserNotificationCenter.current()
        let pending = await center.pendingNotificationRequests()
        center.removePendingNotificationRequests(
            withIdentifiers: pending.map(\.identifier).filter { $0.hasPrefix(prefix) })
        let dates = Set(list.map(\.due))
        for due in dates.sorted() {
            let parts = due.split(separator: "-").compactMap { Int($0) }
            guard parts.count == 3 else { continue }
            var when = DateComponents()
            when.year = parts[0]
            when.month = parts[1]
            when.day = parts[2]
            when.hour = 9
            let content = UNMutableNotificationContent()
            content.title = text.title
            content.body = text.body
            content.sound = .default
            let trigger = UNCalendarNotificationTrigger(dateMatching: when, repeats: false)
            let request = UNNotificationRequest(identifier: prefix + due, content: content, trigger: trigger)
            try? await center.add(request)
        }
    }
}
