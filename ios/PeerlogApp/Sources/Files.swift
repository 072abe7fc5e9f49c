import CoreTransferable
import Foundation
import PeerlogKit
import SwiftUI
import UniformTypeIdentifiers

/// Files the app hands to the core or out to the user. Everything goes through this app's own
/// temporary directory: a picked file is copied in (the core reads plain paths), a file the
/// core writes is handed to the system's exporter from there, and both copies are deleted
/// as soon as they are no longer needed.
enum TemporaryFiles {
    /// `tmp/<name>/`, created if needed.
    static func directory(_ name: String) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(name, isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    /// Writes `text` (UTF-8) to `tmp/<directory>/<fileName>`, protected on disk, for a share
    /// sheet to read.
    static func write(_ text: String, named fileName: String, in name: String) throws -> URL {
        let url = try directory(name).appendingPathComponent(fileName)
        try Data(text.utf8).write(to: url, options: [.atomic, .completeFileProtection])
        return url
    }

    static func remove(_ url: URL?) {
        guard let url else { return }
        try? FileManager.default.removeItem(at: url)
    }

    /// Removes `tmp/<name>/` and everything in it (left-overs of an interrupted export).
    static func removeDirectory(_ name: String) {
        remove(FileManager.default.temporaryDirectory.appendingPathComponent(name, isDirectory: true))
    }
}

/// Reading a file the user picked with `.fileImporter`: inside its security scope and through a
/// file coordinator (so a file still in iCloud Drive is downloaded first).
enum ImportedFile {
    static func read<T>(_ url: URL, _ body: (URL) throws -> T) throws -> T {
        let scoped = url.startAccessingSecurityScopedResource()
        defer {
            if scoped {
                url.stopAccessingSecurityScopedResource()
            }
        }
        var coordinationError: NSError?
        var result: Result<T, Error> = .failure(CocoaError(.fileReadUnknown))
        NSFileCoordinator().coordinate(readingItemAt: url, options: [], error: &coordinationError) { readable in
            result = Result { try body(readable) }
        }
        if let coordinationError {
            throw coordinationError
        }
        return try result.get()
    }

    /// The file's bytes.
    static func data(at url: URL) throws -> Data {
        try read(url) { try Data(contentsOf: $0) }
    }

    /// A copy in `tmp/<directory>/`, for the core to read by path. The caller deletes it.
    static func temporaryCopy(of url: URL, in directory: String) throws -> URL {
        let target = try TemporaryFiles.directory(directory)
            .appendingPathComponent(UUID().uuidString, isDirectory: true)
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
        let copy = target.appendingPathComponent(url.lastPathComponent)
        try read(url) { try FileManager.default.copyItem(at: $0, to: copy) }
        return copy
    }
}

/// A file the core wrote (an encrypted backup: JSON), for `.fileExporter`.
struct ExportedFile: Transferable, Sendable {
    let url: URL

    static var transferRepresentation: some TransferRepresentation {
        FileRepresentation(exportedContentType: .json) { file in
            SentTransferredFile(file.url)
        }
    }
}

/// The extra certificate authority of a self-hosted server: whether one is set, importing a
/// PEM/CRT file, removing it. The core checks the file, keeps the certificate across restarts
/// and says in its own words what is wrong with a file it cannot use.
struct ServerCertificateRows: View {
    @Environment(PeerlogClient.self) private var client
    @State private var isSet: Bool?
    @State private var importing = false
    @State private var confirmRemove = false
    @State private var working = false
    @State private var imported = false
    @State private var error: String?

    /// `.crt`/`.cer`/`.der` are X.509 certificates; a `.pem` has no system type of its own.
    private static let contentTypes: [UTType] = [.x509Certificate, .plainText, .data]

    var body: some View {
        LabeledContent {
            if let isSet {
                Text(isSet ? LocalizedStringKey("certificate.set") : LocalizedStringKey("certificate.none"))
                    .foregroundStyle(isSet ? Color.primary : Color.secondary)
            } else {
                ProgressView()
            }
        } label: {
            Text("certificate.status")
        }
        .task {
            await load()
        }
        Button {
            importing = true
        } label: {
            Label(isSet == true ? LocalizedStringKey("certificate.replace") : LocalizedStringKey("certificate.import"),
                  systemImage: "doc.badge.plus")
        }
        .disabled(working)
        .fileImporter(isPresented: $importing, allowedContentTypes: Self.contentTypes) { result in
            Task {
                await importFile(result)
            }
        }
        if isSet == true {
            Button(role: .destructive) {
                confirmRemove = true
            } label: {
                Label("certificate.remove", systemImage: "xmark.seal")
            }
            .disabled(working)
            .confirmationDialog("certificate.remove.confirm", isPresented: $confirmRemove, titleVisibility: .visible) {
                Button("certificate.remove", role: .destructive) {
                    Task {
                        await remove()
                    }
                }
            }
        }
        if imported {
            Label("certificate.imported", systemImage: "checkmark.seal")
                .foregroundStyle(.green)
        }
        if let error {
            Text(error)
                .foregroundStyle(.red)
        }
    }

    private func load() async {
        do {
            isSet = try await client.extraRootCertificate() != nil
        } catch let failure {
            error = userMessage(for: failure)
        }
    }

    private func importFile(_ result: Result<URL, Error>) async {
        working = true
        imported = false
        error = nil
        defer { working = false }
        do {
            let url = try result.get()
            let data = try await Task.detached(priority: .userInitiated) {
                try ImportedFile.data(at: url)
            }.value
            // The core decides what a usable certificate is: a file that is not PEM text
            // (a binary DER file, say) reaches it as it is and gets the core's message.
            try await client.setExtraRootCertificate(pem: String(decoding: data, as: UTF8.self))
            imported = true
        } catch let failure {
            error = userMessage(for: failure)
        }
        await load()
    }

    private func remove() async {
        working = true
        imported = false
        error = nil
        defer { working = false }
        do {
            try await client.clearExtraRootCertificate()
        } catch let failure {
            error = userMessage(for: failure)
        }
        await load()
    }
}

/// The self-hosted server's certificate, collapsed under "Advanced": before enrolling, in
/// onboarding and when joining a chapter later.
struct AdvancedCertificateSection: View {
    var body: some View {
        Section {
            DisclosureGroup("certificate.advanced") {
                ServerCertificateRows()
            }
        } footer: {
            Text("certificate.onboarding.footer")
        }
    }
}
