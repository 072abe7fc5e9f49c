import BackgroundTasks
import Foundation
import os

/// Background sync with BGTaskScheduler: a `BGAppRefreshTask` (short, frequent) and a
/// `BGProcessingTask` (longer, needs network; catches up after a long time offline).
///
/// Both run the core's one `sync` entry point through `PeerlogClient.syncIfDue`, which respects
/// the core's backoff (`syncStatus().retryAfter`); requests are never scheduled earlier than
/// that either. Sync is safe to interrupt: when iOS expires a task, it is reported as not
/// completed and the next run resumes where this one stopped.
///
/// The app must list both identifiers under `BGTaskSchedulerPermittedIdentifiers` in its
/// Info.plist, enable the `fetch` and `processing` background modes, and call `register()`
/// before its launch finishes (from `application(_:didFinishLaunchingWithOptions:)`).
@MainActor
public final class BackgroundSync {
    public static let refreshIdentifier = "no.peerlog.app.sync.refresh"
    public static let processingIdentifier = "no.peerlog.app.sync.processing"

    /// The shortest wait iOS is asked for between two refreshes (it decides the real one).
    public var refreshInterval: TimeInterval = 30 * 60
    /// The shortest wait between two processing runs: the core's periodic interval, the same
    /// as Android's.
    public var processingInterval = TimeInterval(PeerlogCore.syncSchedule(retryAfter: nil).periodicMinutes) * 60

    private let client: PeerlogClient
    private let logger = Logger(subsystem: Bundle.main.bundleIdentifier ?? "no.peerlog.app", category: "background-sync")
    private var registered = false

    public init(client: PeerlogClient) {
        self.client = client
    }

    /// Registers the launch handlers. Call once, before the app finishes launching.
    public func register() {
        guard !registered else { return }
        registered = true
        let scheduler = BGTaskScheduler.shared
        for identifier in [Self.refreshIdentifier, Self.processingIdentifier] {
            let ok = scheduler.register(forTaskWithIdentifier: identifier, using: nil) { [weak self] task in
                guard let sync = self else {
                    task.setTaskCompleted(success: false)
                    return
                }
                // Called on a background queue: hop to the main actor, where the client lives.
                Task { @MainActor in
                    sync.run(task)
                }
            }
            if !ok {
                logger.error("could not register \(identifier, privacy: .public): missing from BGTaskSchedulerPermittedIdentifiers?")
            }
        }
    }

    /// Asks iOS for the next refresh and processing runs, not before the core's backoff ends.
    /// Call when the app goes to the background and after local changes.
    public func schedule() {
        guard client.isEnrolled else {
            BGTaskScheduler.shared.cancelAllTaskRequests()
            return
        }
        let now = Date()
        // The core's wait after failures (from `retryAfter`), as the Android worker uses it.
        let notBefore = now.addingTimeInterval(TimeInterval(client.syncSchedule.retryDelaySeconds))

        let refresh = BGAppRefreshTaskRequest(identifier: Self.refreshIdentifier)
        refresh.earliestBeginDate = max(now.addingTimeInterval(refreshInterval), notBefore)
        submit(refresh)

        let processing = BGProcessingTaskRequest(identifier: Self.processingIdentifier)
        processing.requiresNetworkConnectivity = true
        processing.requiresExternalPower = false
        processing.earliestBeginDate = max(now.addingTimeInterval(processingInterval), notBefore)
        submit(processing)
    }

    /// Stops all scheduled runs (after a wipe).
    public func cancel() {
        BGTaskScheduler.shared.cancelAllTaskRequests()
    }

    private func submit(_ request: BGTaskRequest) {
        do {
            try BGTaskScheduler.shared.submit(request)
        } catch {
            // Simulator, Background App Refresh switched off, or too many pending requests.
            logger.notice("could not schedule \(request.identifier, privacy: .public): \(error.localizedDescription, privacy: .public)")
        }
    }

    private func run(_ task: BGTask) {
        let completion = Completion(task)
        let work = Task { @MainActor in
            let ok = await self.client.syncIfDue()
            self.schedule()
            completion.finish(success: ok)
        }
        task.expirationHandler = {
            // The core has no cancellation point mid-request; the sync stops with the app and
            // resumes next time. Tell iOS now, as it asks.
            work.cancel()
            completion.finish(success: false)
        }
    }
}

/// Completes a BGTask exactly once, from whichever of the handlers gets there first.
private final class Completion: @unchecked Sendable {
    private let task: BGTask
    private let lock = NSLock()
    private var done = false

    init(_ task: BGTask) {
        self.task = task
    }

    func finish(success: Bool) {
        lock.lock()
        let first = !done
        done = true
        lock.unlock()
        if first {
            task.setTaskCompleted(success: success)
        }
    }
}
