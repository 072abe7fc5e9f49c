import PeerlogKit
import SwiftUI
import UniformTypeIdentifiers

/// Language, the chapter this device belongs to (or joining one), the server certificate of a
/// self-hosted server, an encrypted backup, the app lock, the recovery code (after the owner
/// re-authenticates) and wiping this device.
struct SettingsView: View {
    @Environment(PeerlogClient.self) private var client
    @State private var error: String?
    @State private var recoveryCode: String?
    @State private var recoveryAdvice: String?
    @State private var confirmWipe = false
    @State private var joining = false
    @State private var preparingBackup = false
    @State private var exportingBackup = false
    @State private var backupFile: ExportedFile?
    @State private var backupSaved = false
    @State private var declarationFile: URL?
    @AppStorage(AppLock.enabledKey) private var appLock = false

    var body: some View {
        List {
            if let profile = client.profile {
                Section {
                    LabeledContent {
                        Text(profile.name)
                    } label: {
                        Text("settings.name")
                    }
                    Picker("settings.language", selection: Binding(
                        get: { profile.locale },
                        set: { locale in
                            Task {
                                await setLocale(locale)
                            }
                        }
                    )) {
                        ForEach(Labels.locales, id: \.self) { locale in
                            Text(Labels.language(locale)).tag(locale)
                        }
                    }
                } header: {
                    Text("settings.profile")
                }
            }

            Section {
                if let enrolment = client.syncStatus?.enrolment {
                    LabeledContent {
                        Text(enrolment.organisation)
                    } label: {
                        Text("settings.organisation")
                    }
                    LabeledContent {
                        Text(enrolment.chapter)
                    } label: {
                        Text("settings.chapter")
                    }
                    LabeledContent {
                        Text(enrolment.server)
                            .lineLimit(1)
                            .truncationMode(.middle)
                    } label: {
                        Text("settings.server")
                    }
                } else {
                    Text("sync.offlineOnly")
                        .foregroundStyle(.secondary)
                    Button {
                        joining = true
                    } label: {
                        Label("join.title", systemImage: "person.3")
                    }
                    // On the button: one presentation modifier per view (the recovery code has
                    // the list's sheet).
                    .sheet(isPresented: $joining) {
                        NavigationStack {
                            JoinChapterView()
                        }
                    }
                }
            } header: {
                Text("settings.chapter.header")
            }

            SyncSection()

            Section {
                if let declaration = client.declaration, declaration.signed {
                    LabeledContent {
                        if let signedAt = declaration.signature.flatMap({ CoreDates.timestamp($0.signedAt) }) {
                            Text(signedAt.formatted(date: .abbreviated, time: .omitted))
                        }
                    } label: {
                        Text("settings.declaration.signed \(Int(declaration.version))")
                    }
                    if let declarationFile {
                        ShareLink(item: declarationFile) {
                            Label("settings.declaration.share", systemImage: "square.and.arrow.up")
                        }
                    } else {
                        Button {
                            Task {
                                await prepareDeclaration()
                            }
                        } label: {
                            Label("settings.declaration.export", systemImage: "doc.text")
                        }
                    }
                } else {
                    Text("home.declarationNeeded")
                        .foregroundStyle(.orange)
                }
            } header: {
                Text("declaration.title")
            } footer: {
                Text("settings.declaration.footer")
            }

            Section {
                Button {
                    Task {
                        await prepareBackup()
                    }
                } label: {
                    Label("backup.export", systemImage: "externaldrive.badge.plus")
                }
                .disabled(preparingBackup)
                .fileExporter(isPresented: $exportingBackup, item: backupFile, contentTypes: [.json],
                              defaultFilename: backupFile?.url.deletingPathExtension().lastPathComponent) { result in
                    switch result {
                    case .success:
                        backupSaved = true
                    case let .failure(failure):
                        error = failure.localizedDescription
                    }
                    finishBackup()
                } onCancellation: {
                    finishBackup()
                }
                if preparingBackup {
                    ProgressView()
                }
                if backupSaved {
                    Label("backup.saved", systemImage: "checkmark.circle")
                        .foregroundStyle(.green)
                }
            } header: {
                Text("backup.header")
            } footer: {
                Text("backup.footer")
            }

            Section {
                Toggle("settings.appLock", isOn: $appLock)
            } footer: {
                Text("settings.appLock.footer")
            }

            Section {
                Button {
                    Task {
                        await showRecoveryCode()
                    }
                } label: {
                    Label("settings.recoveryCode", systemImage: "key.horizontal")
                }
            } footer: {
                Text("settings.recoveryCode.footer")
            }

            Section {
                NavigationLink {
                    DevicesView()
                } label: {
                    Label("devices.title", systemImage: "iphone.gen3")
                }
            } footer: {
                Text("devices.settings.footer")
            }

            Section {
                ServerCertificateRows()
            } header: {
                Text("certificate.header")
            } footer: {
                Text("certificate.settings.footer")
            }

            Section {
                Button(role: .destructive) {
                    confirmWipe = true
                } label: {
                    Label("settings.wipe", systemImage: "trash")
                }
            } footer: {
                Text("settings.wipe.footer")
            }

            if let error {
                Section {
                    Text(error)
                        .foregroundStyle(.red)
                }
            }

            Section {
                LabeledContent {
                    Text(coreVersion())
                } label: {
                    Text("settings.coreVersion")
                }
            }
        }
        .navigationTitle("settings.title")
        .sheet(isPresented: Binding(
            get: { recoveryCode != nil },
            set: { if !$0 { recoveryCode = nil } }
        )) {
            if let code = recoveryCode {
                RecoveryCodeView(code: code, advice: recoveryAdvice, isFirstTime: false) {
                    recoveryCode = nil
                }
            }
        }
        .onDisappear {
            if !exportingBackup {
                finishBackup()
            }
            declarationFile = nil
            TemporaryFiles.removeDirectory(Self.declarationDirectory)
        }
        .onChange(of: client.declaration) { _, _ in
            declarationFile = nil
        }
        .confirmationDialog("settings.wipe.confirm", isPresented: $confirmWipe, titleVisibility: .visible) {
            Button("settings.wipe", role: .destructive) {
                Task {
                    await wipe()
                }
            }
        } message: {
            Text("settings.wipe.message \(Int(client.syncStatus?.pending ?? 0))")
        }
    }

    private static let backupDirectory = "backup-export"

    /// The core writes the encrypted backup into the app's temporary directory; the system's
    /// exporter then saves a copy where the peer chooses, and the temporary file goes.
    private func prepareBackup() async {
        preparingBackup = true
        backupSaved = false
        error = nil
        defer { preparingBackup = false }
        TemporaryFiles.removeDirectory(Self.backupDirectory)
        do {
            let url = try TemporaryFiles.directory(Self.backupDirectory)
                .appendingPathComponent("peerlog-backup-\(CoreDates.today()).json")
            try await client.exportBackup(to: url)
            backupFile = ExportedFile(url: url)
            exportingBackup = true
        } catch let failure {
            error = userMessage(for: failure)
            finishBackup()
        }
    }

    private static let declarationDirectory = "declaration-export"

    /// The core's signed copy of the declaration (HTML, verifiable by anyone), written where
    /// the share sheet can read it; removed when Settings closes.
    private func prepareDeclaration() async {
        do {
            let html = try await client.exportSignedDeclaration()
            declarationFile = try TemporaryFiles.write(html, named: "peerlog-declaration.html",
                                                       in: Self.declarationDirectory)
            error = nil
        } catch let failure {
            error = userMessage(for: failure)
        }
    }

    private func finishBackup() {
        backupFile = nil
        TemporaryFiles.removeDirectory(Self.backupDirectory)
    }

    private func setLocale(_ locale: CoreLocale) async {
        do {
            try await client.setLocale(locale)
            error = nil
        } catch let failure {
            error = userMessage(for: failure)
        }
    }

    /// The Keychain item asks for Face ID / Touch ID or the passcode itself (a cancelled
    /// prompt comes back as the core's `user_presence_required`, shown as its message); on a
    /// phone with no passcode the core's advice is shown with the code.
    private func showRecoveryCode() async {
        do {
            let code = try await client.recoveryCode()
            recoveryAdvice = try await client.recoveryCodeAdvice()
            recoveryCode = code
            error = nil
        } catch let failure {
            error = userMessage(for: failure)
        }
    }

    private func wipe() async {
        do {
            try await client.wipe()
        } catch let failure {
            error = userMessage(for: failure)
        }
    }
}
