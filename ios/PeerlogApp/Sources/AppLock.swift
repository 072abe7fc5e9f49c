import LocalAuthentication
import SwiftUI

/// The optional app lock: when on, the app hides behind a lock screen each time it comes back
/// from the background, until the owner authenticates with Face ID / Touch ID or the device
/// passcode (`deviceOwnerAuthentication`).
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

    private var showsLock: Bool {
        enabled && locked
    }

    func body(content: Content) -> some View {
        content
            .accessibilityHidden(showsLock)
            .overlay {
                if showsLock {
                    LockScreen(failure: failure) {
                        Task {
                            await unlock()
                        }
                    }
                }
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
