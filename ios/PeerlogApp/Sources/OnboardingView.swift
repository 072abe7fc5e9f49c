import PeerlogKit
import SwiftUI
import UniformTypeIdentifiers

/// First start: join the chapter with the coordinator's invitation (scanned or pasted), start
/// offline without a chapter, or move from another phone with the recovery code.
struct OnboardingView: View {
    /// Called with the recovery code the core hands out, to show it once.
    let onRecoveryCode: (String) -> Void

    @Environment(PeerlogClient.self) private var client
    @State private var invitation = ""
    @State private var name = ""
    @State private var ruleSets: [RuleSetInfo] = []
    @State private var ruleSet = ""
    @State private var recoverServer = ""
    @State private var recoverCode = ""
    @State private var importingBackup = false
    /// The picked backup, copied into the app's temporary directory for the core.
    @State private var backupCopy: URL?
    @State private var backupName: String?
    @State private var working = false
    @State private var error: String?
    @State private var fieldErrors: [FieldError] = []

    var body: some View {
        NavigationStack {
            Form {
                Section {
                    Text("onboarding.intro")
                        .foregroundStyle(.secondary)
                }

                Section {
                    TextField("onboarding.name", text: $name)
                        .textContentType(.name)
                        .autocorrectionDisabled()
                } header: {
                    Text("onboarding.name.header")
                } footer: {
                    FieldErrorsView(errors: fieldErrors)
                }

                AdvancedCertificateSection()

                Section {
                    InvitationRows(invitation: $invitation)
                    Button {
                        Task {
                            await enrol()
                        }
                    } label: {
                        Text("onboarding.join")
                            .frame(maxWidth: .infinity)
                    }
                    .buttonStyle(.borderedProminent)
                    .disabled(working || invitation.nilIfBlank == nil)
                } header: {
                    Text("onboarding.join.header")
                } footer: {
                    Text("onboarding.join.footer")
                }

                Section {
                    if ruleSets.count > 1 {
                        Picker("onboarding.ruleSet", selection: $ruleSet) {
                            ForEach(ruleSets, id: \.id) { info in
                                Text(info.name).tag(info.id)
                            }
                        }
                    }
                    if let info = ruleSets.first(where: { $0.id == ruleSet }) {
                        Text(info.description)
                            .font(.footnote)
                            .foregroundStyle(.secondary)
                    }
                    Button("onboarding.offline") {
                        Task {
                            await startOffline()
                        }
                    }
                    .disabled(working || ruleSet.isEmpty)
                } header: {
                    Text("onboarding.offline.header")
                } footer: {
                    Text("onboarding.offline.footer")
                }

                Section {
                    DisclosureGroup("onboarding.recover.header") {
                        TextField("onboarding.recover.server", text: $recoverServer)
                            .textContentType(.URL)
                            .keyboardType(.URL)
                            .textInputAutocapitalization(.never)
                            .autocorrectionDisabled()
                        TextField("onboarding.recover.code", text: $recoverCode)
                            .textInputAutocapitalization(.never)
                            .autocorrectionDisabled()
                            .font(.body.monospaced())
                        Button("onboarding.recover") {
                            Task {
                                await recover()
                            }
                        }
                        .disabled(working || recoverServer.nilIfBlank == nil || recoverCode.nilIfBlank == nil)
                    }
                } footer: {
                    Text("onboarding.recover.footer")
                }

                Section {
                    DisclosureGroup("onboarding.restore.header") {
                        Button {
                            importingBackup = true
                        } label: {
                            Label(backupName == nil ? LocalizedStringKey("onboarding.restore.choose")
                                                    : LocalizedStringKey("onboarding.restore.chooseAnother"),
                                  systemImage: "doc")
                        }
                        .disabled(working)
                        // On the button: one presentation modifier per view.
                        .fileImporter(isPresented: $importingBackup, allowedContentTypes: [.json, .data]) { result in
                            Task {
                                await pickBackup(result)
                            }
                        }
                        if let backupName {
                            Label(backupName, systemImage: "lock.doc")
                                .font(.footnote)
                                .foregroundStyle(.secondary)
                        }
                        TextField("onboarding.recover.code", text: $recoverCode)
                            .textInputAutocapitalization(.never)
                            .autocorrectionDisabled()
                            .font(.body.monospaced())
                        Button("onboarding.restore") {
                            Task {
                                await restoreBackup()
                            }
                        }
                        .disabled(working || backupCopy == nil || recoverCode.nilIfBlank == nil)
                    }
                } footer: {
                    Text("onboarding.restore.footer")
                }

                if let error {
                    Section {
                        Label(error, systemImage: "exclamationmark.triangle")
                            .foregroundStyle(.red)
                    }
                }
            }
            .navigationTitle("onboarding.title")
            .overlay {
                if working {
                    ProgressView()
                        .controlSize(.large)
                }
            }
            .task {
                ruleSets = client.availableRuleSets()
                if ruleSet.isEmpty {
                    ruleSet = ruleSets.first?.id ?? ""
                }
            }
            .onDisappear {
                TemporaryFiles.removeDirectory(Self.importDirectory)
            }
        }
    }

    private static let importDirectory = "backup-import"

    private func pickBackup(_ result: Result<URL, Error>) async {
        await run {
            let url = try result.get()
            let directory = Self.importDirectory
            let copy = try await Task.detached(priority: .userInitiated) {
                try ImportedFile.temporaryCopy(of: url, in: directory)
            }.value
            TemporaryFiles.remove(backupCopy?.deletingLastPathComponent())
            backupCopy = copy
            backupName = url.lastPathComponent
        }
    }

    private func restoreBackup() async {
        guard let backupCopy else { return }
        await run {
            try await client.restore(backup: backupCopy,
                                     recoveryCode: recoverCode.trimmingCharacters(in: .whitespacesAndNewlines))
            TemporaryFiles.removeDirectory(Self.importDirectory)
        }
    }

    private func enrol() async {
        await run {
            let result = try await client.enrol(invitation: invitation.trimmingCharacters(in: .whitespacesAndNewlines),
                                                name: name.nilIfBlank)
            if let code = result.recoveryCode {
                onRecoveryCode(code)
            }
        }
    }

    private func startOffline() async {
        await run {
            let code = try await client.setUpOffline(name: name, ruleSet: ruleSet)
            onRecoveryCode(code)
        }
    }

    private func recover() async {
        await run {
            try await client.recover(server: recoverServer.trimmingCharacters(in: .whitespacesAndNewlines),
                                     recoveryCode: recoverCode.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }

    private func run(_ work: () async throws -> Void) async {
        working = true
        error = nil
        fieldErrors = []
        defer { working = false }
        do {
            try await work()
        } catch let failure {
            error = userMessage(for: failure)
            fieldErrors = (failure as? PeerlogError)?.fieldErrors ?? []
        }
    }
}

/// The invitation field with paste and (where the camera allows) scan: onboarding and joining a
/// chapter later.
struct InvitationRows: View {
    @Binding var invitation: String
    @State private var showScanner = false
    /// The camera was refused: say where to allow it.
    @State private var cameraRefused = false

    var body: some View {
        TextField("onboarding.invitation", text: $invitation, axis: .vertical)
            .lineLimit(1...4)
            .textInputAutocapitalization(.never)
            .autocorrectionDisabled()
            .font(.callout.monospaced())
        HStack {
            PasteButton(payloadType: String.self) { strings in
                if let text = strings.first {
                    invitation = text.trimmingCharacters(in: .whitespacesAndNewlines)
                }
            }
            .labelStyle(.titleAndIcon)
            Spacer()
            if QRScannerView.canOffer {
                Button {
                    Task {
                        if await QRScannerView.requestAccess() {
                            cameraRefused = false
                            showScanner = true
                        } else {
                            cameraRefused = true
                        }
                    }
                } label: {
                    Label("onboarding.scan", systemImage: "qrcode.viewfinder")
                }
                .sheet(isPresented: $showScanner) {
                    QRScannerView { text in
                        invitation = text
                        showScanner = false
                    }
                    .ignoresSafeArea()
                }
            }
        }
        if cameraRefused {
            Text("onboarding.scan.denied")
                .font(.footnote)
                .foregroundStyle(.secondary)
        }
    }
}

/// Joins a chapter from Settings, on a device that so far worked offline (or was restored from
/// a backup): the records already logged go to the chapter with the next sync.
struct JoinChapterView: View {
    @Environment(PeerlogClient.self) private var client
    @Environment(\.dismiss) private var dismiss
    @State private var invitation = ""
    @State private var working = false
    @State private var error: String?

    var body: some View {
        Form {
            Section {
                InvitationRows(invitation: $invitation)
            } footer: {
                Text("onboarding.join.footer")
            }
            Section {
                Button {
                    Task {
                        await join()
                    }
                } label: {
                    Text("onboarding.join")
                        .frame(maxWidth: .infinity)
                }
                .buttonStyle(.borderedProminent)
                .disabled(working || invitation.nilIfBlank == nil)
            } footer: {
                Text("join.footer")
            }
            AdvancedCertificateSection()
            if let error {
                Section {
                    Label(error, systemImage: "exclamationmark.triangle")
                        .foregroundStyle(.red)
                }
            }
        }
        .navigationTitle("join.title")
        .navigationBarTitleDisplayMode(.inline)
        .toolbar {
            ToolbarItem(placement: .cancellationAction) {
                Button("common.cancel") {
                    dismiss()
                }
            }
        }
        .overlay {
            if working {
                ProgressView()
                    .controlSize(.large)
            }
        }
    }

    private func join() async {
        working = true
        error = nil
        defer { working = false }
        do {
            _ = try await client.enrol(invitation: invitation.trimmingCharacters(in: .whitespacesAndNewlines), name: nil)
            dismiss()
        } catch let failure {
            error = userMessage(for: failure)
        }
    }
}

/// The core's per-field messages for an invalid input.
struct FieldErrorsView: View {
    let errors: [FieldError]

    var body: some View {
        if !errors.isEmpty {
            VStack(alignment: .leading, spacing: 2) {
                ForEach(errors, id: \.self) { error in
                    Text(error.message)
                        .foregroundStyle(.red)
                }
            }
        }
    }
}

/// Shows the recovery code: once after setup, and from Settings after re-authentication.
struct RecoveryCodeView: View {
    let code: String
    /// The core's advice when the phone has no passcode (the code is not behind one).
    var advice: String? = nil
    let isFirstTime: Bool
    let onDone: () -> Void

    var body: some View {
        VStack(spacing: 24) {
            Image(systemName: "key.horizontal")
                .font(.system(size: 44))
                .foregroundStyle(.tint)
            Text("recovery.title")
                .font(.title2.bold())
            Text("recovery.explanation")
                .multilineTextAlignment(.center)
                .foregroundStyle(.secondary)
            Text(code)
                .font(.title3.monospaced())
                .textSelection(.enabled)
                .multilineTextAlignment(.center)
                .padding()
                .frame(maxWidth: .infinity)
                .background(.quaternary, in: RoundedRectangle(cornerRadius: 12))
            if let advice {
                Label(advice, systemImage: "exclamationmark.lock")
                    .foregroundStyle(.red)
            }
            Button(action: onDone) {
                Text(isFirstTime ? LocalizedStringKey("recovery.written") : LocalizedStringKey("common.done"))
                    .frame(maxWidth: .infinity)
            }
            .buttonStyle(.borderedProminent)
        }
        .padding(24)
        .privacySensitive()
    }
}
