import LocalAuthentication
import SwiftUI
import UIKit

/// The optional app lock: when on, the app hides behind a lock screen each time it comes back
/// from the background, until the owner authenticates with Face ID / Touch ID or the device
/// passcode (`deviceOwnerAuthentication`). The lock screen has a window of its own, so it also
/// covers sheets that were open.
enum AppLock {
    static let enabledKey = "appLockEnabled"
}

struct AppLockModifier: ViewModifier {
    @AppStorage(AppLock.enabledKey) private var enabled = false
    @Environment(\.scenePhase) private var scenePhase
    @State private var locked = true
    /// Whether the lock screen has already asked once since the app was locked. Face ID and the
    /// passcode sheet make the scene inactive and then active again; without this, cancelling
    /// the prompt would bring it straight back, over and over.
    @State private var asked = false
    @State private var failure: String?
    @Environment(\.locale) private var locale

    private var showsLock: Bool {
        enabled && locked
    }

    /// The lock screen, in the app's language.
    @MainActor
    private var lockScreen: some View {
        LockScreen(failure: failure) {
            Task {
                await unlock()
            }
        }
        .environment(\.locale, locale)
    }

    /// Shows or hides the lock screen's own window (above sheets and covers the app has open).
    @MainActor
    private func updateLockWindow() {
        if showsLock {
            LockWindow.shared.show(lockScreen)
        } else {
            LockWindow.shared.hide()
        }
    }

    func body(content: Content) -> some View {
        content
            .accessibilityHidden(showsLock)
            .overlay {
                // Under the lock window; it still covers the app if no window could be made.
                if showsLock {
                    lockScreen
                } else if enabled && scenePhase != .active {
                    // The app-switcher snapshot is taken on the way to the background, while
                    // the scene is `.inactive`: cover the contacts then already (Android's
                    // FLAG_SECURE, also only while the lock is on). A cover, not a lock: the
                    // app's own sheets and Face ID leave it at once.
                    PrivacyCover()
                }
            }
            .onChange(of: showsLock, initial: true) { _, _ in
                updateLockWindow()
            }
            .onChange(of: failure) { _, _ in
                updateLockWindow()
            }
            .onChange(of: scenePhase) { _, phase in
                // Only leaving for the background locks. The app's own sheets (camera, photo
                // and file pickers, share sheet) and system prompts (Face ID, passcode) make the
                // scene `.inactive` at most, so they never lock the user out mid-task.
                if phase == .background {
                    locked = true
                    asked = false
                }
            }
            .onChange(of: enabled) { _, isOn in
                // Switching the lock on in Settings must not lock the user out there and then.
                if isOn {
                    locked = false
                }
            }
            .task(id: showsLock && scenePhase == .active) {
                // Ask by itself once per lock; after a cancel the button asks again.
                if showsLock && scenePhase == .active && !asked {
                    asked = true
                    await unlock()
                }
            }
    }

    @MainActor
    private func unlock() async {
        let context = LAContext()
        do {
            let reason = String(localized: "lock.reason")
            let unlocked = try await context.evaluatePolicy(.deviceOwnerAuthentication, localizedReason: reason)
            if unlocked {
                locked = false
                failure = nil
            }
        } catch let error as LAError where error.code == .userCancel || error.code == .appCancel || error.code == .systemCancel {
            failure = nil
        } catch {
            failure = error.localizedDescription
        }
    }
}

/// A window of its own for the lock screen, above the app's window. An overlay in the app's view
/// tree would sit under any sheet or full-screen cover that was open when the app went to the
/// background (an unsaved contact with its private note, say), and leave it readable.
@MainActor
final class LockWindow {
    static let shared = LockWindow()

    private var window: UIWindow?
    private weak var previousKeyWindow: UIWindow?

    func show<Content: View>(_ content: Content) {
        if let host = window?.rootViewController as? UIHostingController<AnyView> {
            host.rootView = AnyView(content)
            return
        }
        guard let scene = UIApplication.shared.connectedScenes
            .compactMap({ $0 as? UIWindowScene })
            .first(where: { $0.activationState != .unattached }) else {
            return
        }
        // Nothing typed goes on under the lock, and the keyboard does not float above it.
        _ = UIApplication.shared.sendAction(#selector(UIResponder.resignFirstResponder), to: nil, from: nil, for: nil)
        previousKeyWindow = scene.keyWindow
        let window = UIWindow(windowScene: scene)
        window.windowLevel = .alert + 1
        window.rootViewController = UIHostingController(rootView: AnyView(content))
        window.makeKeyAndVisible()
        self.window = window
    }

    func hide() {
        guard let window else { return }
        window.isHidden = true
        self.window = nil
        previousKeyWindow?.makeKey()
        previousKeyWindow = nil
    }
}

private struct LockScreen: View {
    let failure: String?
    let unlock: () -> Void

    var body: some View {
        VStack(spacing: 20) {
            Image(systemName: "lock.fill")
                .font(.system(size: 44))
                .foregroundStyle(.secondary)
            Text("lock.title")
                .font(.title2.bold())
            if let failure {
                Text(failure)
                    .font(.footnote)
                    .foregroundStyle(.red)
                    .multilineTextAlignment(.center)
            }
            Button(action: unlock) {
                Text("lock.unlock")
            }
            .buttonStyle(.borderedProminent)
        }
        .padding(32)
        .frame(maxWidth: .infinity, maxHeight: .infinity)
        .background(.regularMaterial)
    }
}

/// What the app switcher and the system's prompts see of Peerlog while it is not active.
private struct PrivacyCover: View {
    var body: some View {
        ZStack {
            Rectangle().fill(.background)
            Image(systemName: "lock.fill")
                .font(.largeTitle)
                .foregroundStyle(.secondary)
        }
        .ignoresSafeArea()
        .accessibilityHidden(true)
    }
}
