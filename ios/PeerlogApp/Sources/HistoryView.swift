import PeerlogKit
import SwiftUI

/// The peer's contacts by month, newest first, each with the core's judgement: grouped, sorted
/// and the months named by the core (`contactsByMonth`, as on Android). Detail, edit and delete
/// (the core keeps every version).
struct HistoryView: View {
    @Environment(PeerlogClient.self) private var client
    @State private var months: [ContactMonth] = []
    @State private var error: String?
    @State private var loaded = false
    @State private var toDelete: Contact?

    var body: some View {
        List {
            if let error {
                Text(error)
                    .foregroundStyle(.red)
            }
            if loaded && months.isEmpty && error == nil {
                ContentUnavailableView("history.empty", systemImage: "tray",
                                       description: Text("history.empty.description"))
            }
            ForEach(months, id: \.label) { group in
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
                    Text(group.label)
                }
            }
        }
        .navigationTitle("history.title")
        .task(id: client.dataVersion) {
            do {
                months = try await client.contactsByMonth()
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
        contactForm(kind: contact.kind).showsParticipants
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
            // A group's count, or a one-to-one contact logged with more than one person.
            if isGroup || contact.participants > 1 {
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

    /// Newest first; the core numbers them (1 = created).
    private var rows: [ContactVersion] {
        Array(versions.reversed())
    }

    var body: some View {
        List {
            if let error {
                Text(error)
                    .foregroundStyle(.red)
            } else if !loaded {
                ProgressView()
            }
            ForEach(rows, id: \.version) { version in
                if let contact = version.contact {
                    NavigationLink {
                        ContactVersionDetailView(number: Int(version.number), contact: contact)
                    } label: {
                        ContactVersionRow(version: version)
                    }
                } else {
                    ContactVersionRow(version: version)
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

/// One line of a contact's history: what happened on which device (the core's words), when.
struct ContactVersionRow: View {
    let version: ContactVersion

    private var icon: String {
        switch version.change {
        case .created: return "plus.circle"
        case .edited: return "pencil.circle"
        case .deleted: return "trash"
        }
    }

    var body: some View {
        VStack(alignment: .leading, spacing: 4) {
            HStack {
                Label(version.label, systemImage: icon)
                    .foregroundStyle(version.deleted ? Color.red : Color.primary)
                Spacer()
                if let written = CoreDates.timestamp(version.at) {
                    Text(written.formatted(date: .abbreviated, time: .shortened))
                        .foregroundStyle(.secondary)
                }
            }
            .font(.subheadline)
            HStack(spacing: 6) {
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
