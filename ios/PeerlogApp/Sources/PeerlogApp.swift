import PeerlogKit
import SwiftUI
import UIKit

/// The app's long-lived services: one `PeerlogClient` and its background sync. Created on
/// first use, on the main actor (the app delegate needs them before the first scene exists).
@MainActor
enum AppServices {
    static let client = PeerlogClient(
        secrets: KeychainSecretStore(presenceReason: String(localized: "settings.recoveryCode.reason"))
    )
    static let backgroundSync = BackgroundSync(client: client)

    /// After a save: try to sync soon (never blocking the UI; skipped while the core backs
    /// off), and keep the background requests up to date.
    static func localChanged() {
        backgroundSync.schedule()
        Task {
            _ = await client.syncIfDue()
            // Follow-up reminders follow every change (the dates and the text are the core's).
            await FollowUpNotifications.reschedule(client: client)
        }
    }
}

/// Registers background sync before launch finishes, as BGTaskScheduler requires.
@MainActor
final class AppDelegate: NSObject, UIApplicationDelegate {
    func application(_ application: UIApplication,
                     didFinishLaunchingWithOptions launchOptions: [UIApplication.LaunchOptionsKey: Any]? = nil) -> Bool {
        AppServices.backgroundSync.register()
        AppServices.client.onLocalChange = {
            AppServices.localChanged()
        }
        return true
    }
}

@main
struct PeerlogApp: App {
    @UIApplicationDelegateAdaptor(AppDelegate.self) private var appDelegate
    @Environment(\.scenePhase) private var scenePhase

    var body: some Scene {
        WindowGroup {
            RootView {
                // Enrolled: keep runs scheduled; wiped or not enrolled: cancel them.
                AppServices.backgroundSync.schedule()
            }
            .environment(AppServices.client)
            .task {
                await AppServices.client.start()
            }
        }
        .onChange(of: scenePhase) { _, phase in
            switch phase {
            case .active:
                Task {
                    _ = await AppServices.client.syncIfDue()
                }
            case .background:
                AppServices.backgroundSync.schedule()
            default:
                break
            }
        }
    }
}

/// Chooses the screen from the client's state.
struct RootView: View {
    /// Called whenever the client's state changes (set up, wiped, …).
    let onStateChange: () -> Void

    @Environment(PeerlogClient.self) private var client
    /// A recovery code just handed out by setup or enrolment, shown once before anything else.
    @State private var recoveryCodeToShow: String?
    @State private var recoveryAdvice: String?

    var body: some View {
        Group {
            if let code = recoveryCodeToShow {
                RecoveryCodeView(code: code, advice: recoveryAdvice, isFirstTime: true) {
                    recoveryCodeToShow = nil
                }
                .task { recoveryAdvice = try? await client.recoveryCodeAdvice() }
            } else {
                switch client.state {
                case .starting:
                    ProgressView("app.starting")
                case .needsSetup:
                    OnboardingView { code in
                        recoveryCodeToShow = code
                    }
                case .ready:
                    // A first signature comes before anything else; a new version of a declaration
                    // signed before (`signedBefore`, the core's answer) is asked for over the app
                    // in `MainTabs`.
                    if let declaration = client.declaration, !declaration.signed, !declaration.signedBefore {
                        NavigationStack {
                            DeclarationView(isResign: false)
                        }
                    } else {
                        MainTabs()
                    }
                case let .wiped(message):
                    MessageView(title: "wiped.title", message: message, action: "wiped.startAgain") {
                        Task {
                            await client.restart()
                        }
                    }
                case let .failed(message):
                    MessageView(title: "failed.title", message: message, action: "failed.retry") {
                        Task {
                            await client.restart()
                        }
                    }
                }
            }
        }
        .modifier(AppLockModifier())
        .environment(\.locale, Foundation.Locale(identifier: Labels.identifier(client.locale)))
        .onChange(of: client.state) { _, _ in
            onStateChange()
        }
    }
}

/// The app once it is set up and the declaration is signed (or a new version awaits).
struct MainTabs: View {
    @Environment(PeerlogClient.self) private var client
    @State private var showResign = false

    var body: some View {
        TabView {
            NavigationStack {
                HomeView()
            }
            .tabItem {
                Label("tab.home", systemImage: "house")
            }
            NavigationStack {
                HistoryView()
            }
            .tabItem {
                Label("tab.history", systemImage: "list.bullet.rectangle")
            }
            NavigationStack {
                ReportView()
            }
            .tabItem {
                Label("tab.report", systemImage: "doc.text")
            }
            NavigationStack {
                ExpensesView()
            }
            .tabItem {
                Label("tab.expenses", systemImage: "creditcard")
            }
            NavigationStack {
                SettingsView()
            }
            .tabItem {
                Label("tab.settings", systemImage: "gearshape")
            }
        }
        .onChange(of: client.declaration, initial: true) { _, declaration in
            // A new declaration (a new version, or the chapter's own after joining) arrived:
            // ask for a signature. "Later" closes it; Home keeps a reminder, and the core
            // refuses logging until it is signed.
            if let declaration, !declaration.signed {
                showResign = true
            }
        }
        .sheet(isPresented: $showResign) {
            NavigationStack {
                DeclarationView(isResign: true)
            }
        }
    }
}

/// A full-screen message with one action (revoked device, failed start).
struct MessageView: View {
    let title: LocalizedStringKey
    let message: String
    let action: LocalizedStringKey
    let perform: () -> Void

    var body: some View {
        VStack(spacing: 20) {
            Image(systemName: "exclamationmark.shield")
                .font(.system(size: 48))
                .foregroundStyle(.secondary)
            Text(title)
                .font(.title2.bold())
            Text(message)
                .multilineTextAlignment(.center)
                .foregroundStyle(.secondary)
            Button(action: perform) {
                Text(action)
            }
            .buttonStyle(.borderedProminent)
        }
        .padding(32)
    }
}
