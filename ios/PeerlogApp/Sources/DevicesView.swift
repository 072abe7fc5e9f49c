import LocalAuthentication
import PeerlogKit
import SwiftUI

/// Settings → "My phones": the peer's devices as this phone knows them (the core's
/// `myDevices`, this one first), revoking a lost one (signed with the account key; it erases
/// itself at its next contact with the server), and replacing the recovery code afterwards in
/// case the thief saw it (ADR 0012). Both ask for Face ID / Touch ID / the passcode first.
struct DevicesView: View {
    @Environment(PeerlogClient.self) private var client
    @State private var devices: [MyDevice] = []
    @State private var toRevoke: MyDevice?
    @State private var confirmRotate = false
    @State private var newCode: String?
    @State private var advice: String?
    @State private var busy = false
    @State private var error: String?

    var body: some View {
        List {
            Section {
                ForEach(devices, id: \.deviceId) { device in
                    HStack {
                        VStack(alignment: .leading) {
                            Text(device.shortId).font(.body.monospaced())
                            if device.thisDevice {
                                Text("devices.thisPhone").font(.caption).foregroundStyle(.secondary)
                            } else if device.revoked {
                                Text("devices.revoked").font(.caption).foregroundStyle(.secondary)
                            } else {
                                Text("devices.added \(String(device.addedAt.prefix(10)))")
                                    .font(.caption).foregroundStyle(.secondary)
                            }
                        }
                        Spacer()
                        if !device.thisDevice && !device.revoked {
                            Button("devices.revoke", role: .destructive) { toRevoke = device }
                                .disabled(busy)
                        }
                    }
                }
            } footer: {
                Text("devices.footer")
            }
            Section {
                Button("devices.rotate") { confirmRotate = true }
                    .disabled(busy)
            }
            if let error {
                Section { Text(error).foregroundStyle(.red) }
            }
        }
        .navigationTitle("devices.title")
        .task { await reload() }
        .confirmationDialog("devices.revoke.confirm", isPresented: Binding(
            get: { toRevoke != nil },
            set: { if !$0 { toRevoke = nil } }
        ), titleVisibility: .visible) {
            Button("devices.revoke", role: .destructive) {
                if let device = toRevoke {
                    Task { await authenticated { _ = try await client.revokeMyDevice(id: device.deviceId) } }
                }
            }
        }
        .confirmationDialog("devices.rotate.confirm", isPresented: $confirmRotate, titleVisibility: .visible) {
            Button("devices.rotate") {
                Task {
                    await authenticated {
                        let code = try await client.rotateRecoveryCode()
                        advice = try await client.recoveryCodeAdvice()
                        newCode = code
                    }
                }
            }
        }
        .sheet(isPresented: Binding(
            get: { newCode != nil },
            set: { if !$0 { newCode = nil } }
        )) {
            if let code = newCode {
                VStack(spacing: 16) {
                    RecoveryCodeView(code: code, advice: advice, isFirstTime: false) { newCode = nil }
                    Text(recoveryCodeReplacedNote(locale: client.locale))
                        .font(.footnote)
                        .padding(.horizontal)
                }
            }
        }
    }

    private func reload() async {
        do {
            devices = try await client.myDevices()
        } catch let failure {
            error = userMessage(for: failure)
        }
    }

    /// Face ID / Touch ID or the passcode, then [work] (a network call), then the list again.
    private func authenticated(_ work: () async throws -> Void) async {
        let context = LAContext()
        do {
            guard try await context.evaluatePolicy(
                .deviceOwnerAuthentication, localizedReason: String(localized: "devices.reason")
            ) else { return }
            busy = true
            defer { busy = false }
            try await work()
            error = nil
        } catch let failure as LAError where failure.code == .userCancel || failure.code == .appCancel || failure.code == .systemCancel {
            return
        } catch let failure {
            error = userMessage(for: failure)
        }
        await reload()
    }
}
