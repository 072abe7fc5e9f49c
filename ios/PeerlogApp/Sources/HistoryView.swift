import PeerlogKit
import SwiftUI

/// The peer's contacts by month, newest first, each with the core's judgement. Detail, edit
/// and delete (the core keeps every version).
struct HistoryView: View {
    @Environment(PeerlogClient.self) private var client
    @State private var contacts: [Contact] = []
    @State private var error: String?
    @State private var loaded = false
    @State private var toDelete: Contact?

    /// Months (`YYYY-MM`) newest first, each with its contacts newest first.
    private var months: [(month: String, contacts: [Contact])] {
        let grouped = Dictionary(grouping: contacts) { String($0.date.prefix(7)) }
        return grouped.keys.sorted(by: >).map { month in
            (month, (grouped[month] ?? []).sorted { $0.date > $1.date })
        }
    }

    var body: some View {
        List {
            if let error {
                Text(error)
                    .foregroundStyle(.red)
            }
            if loaded && contacts.isEmpty && error == nil {
                ContentUnavailableView("history.empty", systemImage: "tray",
                                       description: Text("history.empty.description"))
            }
            ForEach(months, id: \.month) { group in
                Section {
                    ForEach(group.contacts, id: \.id) { contact in
                        NavigationLink {
                            ContactDetailView(contactId: contact.id)
                        } label: {
                            ContactRow(contact: contact)
                        }
                        .swipeActions {
                            Button("common.delete", role: .destructive) {
                                toDelete = contact
                            }
                        }
                    }
                } header: {
                    Text(Self.monthTitle(group.month))
                }
            }
        }
        .navigationTitle("history.title")
        .task(id: client.dataVersion) {
            do {
                contacts = try await client.contacts()
                error = nil
            } catch let failure {
                error = userMessage(for: failure)
            }
            loaded = true
        }
        .confirmationDialog("history.delete.confirm", isPresented: Binding(
            get: { toDelete != nil },
            set: { if !$0 { toDelete = nil } }
        ), titleVisibility: .visible) {
            Button("common.delete", role: .destructive) {
                if let contact = toDelete {
                    Task {
                        do {
                            try await client.deleteContact(id: contact.id)
                        } catch let failure {
                            error = userMessage(for: failure)
                        }
                    }
                }
                toDelete = nil
            }
        }
    }

    /// "March 2026" in the user's language, from `YYYY-MM`.
    static func monthTitle(_ month: String) -> String {
        guard let date = CoreDates.date(fromDay: month + "-01") else { return month }
        return date.formatted(.dateTime.month(.wide).year())
    }
}

struct ContactRow: View {
    let contact: Contact

    @Environment(PeerlogClient.self) private var client

    var body: some View {
        VStack(alignment: .leading, spacing: 4) {
            HStack {
                Text(client.vocabulary.label(contact.kind))
                    .font(.headline)
                Spacer()
                Text(Labels.day(contact.date))
                    .font(.subheadline)
                    .foregroundStyle(.secondary)
            }
            HStack(spacing: 6) {
                Image(systemName: contact.evaluation.counts ? "checkmark.seal.fill" : "minus.circle")
                    .foregroundStyle(contact.evaluation.counts ? Color.green : Color.secondary)
                Text(contact.evaluation.reason)
                    .font(.footnote)
                    .foregroundStyle(.secondary)
                    .lineLimit(2)
                Spacer()
                if contact.pendingSync {
                    Image(systemName: "icloud.slash")
                        .foregroundStyle(.secondary)
                        .accessibilityLabel(Text("history.notSynced"))
                }
            }
        }
    }
}

/// One contact: what was logged, how the core judges it, edit and delete.
struct ContactDetailView: View {
    let contactId: String

    @Environment(PeerlogClient.self) private var client
    @Environment(\.dismiss) private var dismiss
    @State private var contact: Contact?
    @State private var error: String?
    @State private var editing: LogContactView.Start?
    @State private var confirmDelete = false

    var body: some View {
        List {
            if let contact {
                ContactFieldsSections(contact: contact)
                Section {
                    NavigationLink {
                        ContactVersionsView(contactId: contactId)
                    } label: {
                        Label("history.versions", systemImage: "clock.arrow.circlepath")
                    }
                } footer: {
                    Text("history.versions.footer")
                }
                Section {
                    Button("common.delete", role: .destructive) {
                        confirmDelete = true
                    }
                }
            } else if let error {
                Text(error)
                    .foregroundStyle(.red)
            } else {
                ProgressView()
            }
        }
        .navigationTitle("history.detail.title")
        .navigationBarTitleDisplayMode(.inline)
        .toolbar {
            if let contact {
                Button("common.edit") {
                    editing = .edit(contact)
                }
            }
        }
        .sheet(item: $editing) { start in
            NavigationStack {
                LogContactView(start: start)
            }
        }
        .confirmationDialog("history.delete.confirm", isPresented: $confirmDelete, titleVisibility: .visible) {
            Button("common.delete", role: .destructive) {
                Task {
                    await delete()
                }
            }
        }
        .task(id: client.dataVersion) {
            do {
                contact = try await client.contact(id: contactId)
                error = nil
            } catch let failure {
                contact = nil
                error = userMessage(for: failure)
            }
        }
    }

    private func delete() async {
        do {
            try await client.deleteContact(id: contactId)
            dismiss()
        } catch let failure {
            error = userMessage(for: failure)
        }
    }
}

/// What was logged and how the core judges it: the sections of a contact's detail, shared by
/// the current contact and each of its past versions.
struct ContactFieldsSections: View {
    let contact: Contact

    @Environment(PeerlogClient.self) private var client

    private var isGroup: Bool {
        client.vocabulary.contactKinds.first { $0.kind == contact.kind }?.isGroup == true
    }

    var body: some View {
        Section {
            EvaluationLine(evaluation: contact.evaluation, error: nil)
        }
        Section {
            LabeledContent("log.kind", value: client.vocabulary.label(contact.kind))
            LabeledContent("log.date", value: Labels.day(contact.date))
            LabeledContent {
                Text("log.minutes.value \(Int(contact.minutes))")
            } label: {
                Text("log.minutes")
            }
            if isGroup {
                LabeledContent {
                    Text(Int(contact.participants), format: .number)
                } label: {
                    Text("log.participants")
                }
            }
            LabeledContent("log.who", value: client.vocabulary.label(contact.who))
            if let place = contact.place {
                LabeledContent("log.place", value: client.vocabulary.label(place))
            }
            if isGroup {
                LabeledContent {
                    Text(Labels.yesNo(contact.ledByPeer))
                } label: {
                    Text("log.ledByPeer")
                }
            }
            LabeledContent {
                Text(Labels.yesNo(contact.isNew))
            } label: {
                Text("log.isNew")
            }
            LabeledContent {
                Text(Labels.yesNo(contact.abroad))
            } label: {
                Text("log.abroad")
            }
        }
        if contact.privateRef != nil || contact.privateNote != nil || contact.sharedNote != nil {
            Section {
                if let value = contact.privateRef {
                    LabeledContent("log.privateRef", value: value)
                }
                if let value = contact.privateNote {
                    VStack(alignment: .leading) {
                        Text("log.privateNote").font(.caption).foregroundStyle(.secondary)
                        Text(value)
                    }
                }
                if let value = contact.sharedNote {
                    VStack(alignment: .leading) {
                        Text("log.sharedNote").font(.caption).foregroundStyle(.secondary)
                        Text(value)
                    }
                }
            } header: {
                Text("log.private.header")
            }
        }
    }
}

/// Every version of one contact, newest first, as the core keeps them: when and on which of
/// the peer's devices it was written, and the contact as it was then.
struct ContactVersionsView: View {
    let contactId: String

    @Environment(PeerlogClient.self) private var client
    @State private var versions: [ContactVersion] = []
    @State private var error: String?
    @State private var loaded = false

    /// Newest first, each with its place in the history (1 = created).
    private var rows: [(number: Int, version: ContactVersion)] {
        Array(versions.enumerated().map { (number: $0.offset + 1, version: $0.element) }.reversed())
    }

    var body: some View {
        List {
            if let error {
                Text(error)
                    .foregroundStyle(.red)
            } else if !loaded {
                ProgressView()
            }
            ForEach(rows, id: \.version.version) { row in
                if let contact = row.version.contact {
                    NavigationLink {
                        ContactVersionDetailView(number: row.number, contact: contact)
                    } label: {
                        ContactVersionRow(number: row.number, version: row.version,
                                          thisDevice: client.profile?.deviceId)
                    }
                } else {
                    ContactVersionRow(number: row.number, version: row.version,
                                      thisDevice: client.profile?.deviceId)
                }
            }
        }
        .navigationTitle("history.versions")
        .navigationBarTitleDisplayMode(.inline)
        .task(id: client.dataVersion) {
            do {
                versions = try await client.contactHistory(id: contactId)
                error = nil
            } catch let failure {
                error = userMessage(for: failure)
            }
            loaded = true
        }
    }
}

/// One line of a contact's history: what happened, when, on which device.
struct ContactVersionRow: View {
    let number: Int
    let version: ContactVersion
    let thisDevice: String?

    var body: some View {
        VStack(alignment: .leading, spacing: 4) {
            HStack {
                if version.deleted {
                    Label("history.version.deleted", systemImage: "trash")
                        .foregroundStyle(.red)
                } else if number == 1 {
                    Label("history.version.created", systemImage: "plus.circle")
                } else {
                    Label("history.version.edited", systemImage: "pencil.circle")
                }
                Spacer()
                if let written = version.contact.flatMap({ CoreDates.timestamp($0.updatedAt) }) {
                    Text(written.formatted(date: .abbreviated, time: .shortened))
                        .foregroundStyle(.secondary)
                }
            }
            .font(.subheadline)
            HStack(spacing: 6) {
                if version.authorDevice == thisDevice {
                    Text("history.version.thisDevice")
                } else {
                    Text("history.version.otherDevice \(String(version.authorDevice.prefix(8)))")
                }
                Text(verbatim: "·")
                Text("history.version.number \(String(version.version))")
                    .monospacedDigit()
            }
            .font(.caption)
            .foregroundStyle(.secondary)
            if let contact = version.contact {
                Text(contact.evaluation.reason)
                    .font(.footnote)
                    .foregroundStyle(.secondary)
                    .lineLimit(2)
            }
        }
        .accessibilityElement(children: .combine)
    }
}

/// A past version of a contact, read-only.
struct ContactVersionDetailView: View {
    let number: Int
    let contact: Contact

    var body: some View {
        List {
            Section {
                Label("history.version.readOnly", systemImage: "clock.arrow.circlepath")
                    .foregroundStyle(.secondary)
            }
            ContactFieldsSections(contact: contact)
        }
        .navigationTitle(Text("history.version.title \(number)"))
        .navigationBarTitleDisplayMode(.inline)
    }
}
