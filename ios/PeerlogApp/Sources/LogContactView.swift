import PeerlogKit
import SwiftUI

/// Logs a contact in a few taps, offline: kind chips (the core's kinds and labels), today by
/// default, minutes, participants only for group kinds, and a live line from the core's
/// `evaluateContact` ("counts as outreach" / "does not count: fewer than 3 participants").
/// Also edits an existing contact (a new version; the core keeps the history).
/// The recovery-themes question (the core's names and one-line explanations) shows only when
/// the core says the chapter asks it; the private follow-up date is checked by the core before
/// the contact is saved, and the first one asks for permission to notify.
struct LogContactView: View {
    enum Start: Identifiable {
        case blank
        case prefilled(ContactInput)
        case edit(Contact)

        var id: String {
            switch self {
            case .blank: return "blank"
            case let .prefilled(input): return "prefilled-\(input.hashValue)"
            case let .edit(contact): return "edit-\(contact.id)"
            }
        }
    }

    let start: Start

    @Environment(PeerlogClient.self) private var client
    @Environment(\.dismiss) private var dismiss
    @State private var draft = Draft()
    @State private var evaluation: ContactEvaluation?
    @State private var evaluationError: String?
    @State private var saving = false
    @State private var error: String?
    @State private var fieldErrors: [FieldError] = []
    @State private var loaded = false
    @State private var question: ThemesQuestion?

    /// The form's state. Everything not on the form (start time, municipality, topics, travel)
    /// is carried over unchanged from the input it started from.
    struct Draft: Equatable {
        var kind: ContactKind = .visit
        var date = Date()
        var minutes = 60
        var participants = 1
        var who: Who = .targetGroup
        var isNew = true
        var abroad = false
        var ledByPeer = true
        var place: Place?
        var privateRef = ""
        var privateNote = ""
        var sharedNote = ""
        var themes: [String] = []
        var hasFollowUp = false
        var followUp = Date()
        var base: ContactInput?
    }

    private var kinds: [ContactKindInfo] {
        client.vocabulary.contactKinds
    }

    private var kindInfo: ContactKindInfo? {
        kinds.first { $0.kind == draft.kind }
    }

    /// Which fields show for the kind: the core's form model (as on Android).
    private var form: ContactForm {
        contactForm(kind: draft.kind)
    }

    private var isGroup: Bool {
        form.showsParticipants
    }

    /// The core records a place only for some kinds (and refuses one for the others).
    private var hasPlace: Bool {
        form.showsPlace
    }

    private var editing: Contact? {
        if case let .edit(contact) = start {
            return contact
        }
        return nil
    }

    /// The form as filled in. The core turns it into the input (`contactFormInput`): numbers
    /// checked, texts trimmed, and what the form does not show kept from `base` — start time,
    /// municipality, topics, travel, and the participants of a one-to-one contact (an edit no
    /// longer rewrites a visit to two people as one).
    private var entry: ContactFormEntry {
        ContactFormEntry(
            base: draft.base ?? newContactInput(),
            kind: draft.kind,
            date: CoreDates.day(draft.date),
            minutes: String(draft.minutes),
            participants: String(draft.participants),
            who: draft.who,
            isNew: draft.isNew,
            abroad: draft.abroad,
            place: draft.place,
            ledByPeer: form.showsLedByPeer ? draft.ledByPeer : nil,
            privateRef: draft.privateRef,
            privateNote: draft.privateNote,
            sharedNote: draft.sharedNote,
            // Not shown: the base's themes are kept (an edit does not drop them).
            themes: question?.shown == true ? draft.themes : nil
        )
    }

    private func themeBinding(_ id: String) -> Binding<Bool> {
        Binding(
            get: { draft.themes.contains(id) },
            set: { on in
                if on, !draft.themes.contains(id) {
                    draft.themes.append(id)
                } else if !on {
                    draft.themes.removeAll { $0 == id }
                }
            }
        )
    }

    var body: some View {
        Form {
            Section {
                KindChips(kinds: kinds, selection: $draft.kind)
                    .listRowInsets(EdgeInsets(top: 8, leading: 8, bottom: 8, trailing: 8))
            } header: {
                Text("log.kind")
            }

            Section {
                EvaluationLine(evaluation: evaluation, error: evaluationError)
            }

            Section {
                DatePicker("log.date", selection: $draft.date, displayedComponents: .date)
                Stepper(value: $draft.minutes, in: 0...10_000, step: 5) {
                    LabeledContent {
                        Text("log.minutes.value \(draft.minutes)")
                    } label: {
                        Text("log.minutes")
                    }
                }
                if isGroup {
                    Stepper(value: $draft.participants, in: 0...10_000) {
                        LabeledContent {
                            Text(draft.participants, format: .number)
                        } label: {
                            Text("log.participants")
                        }
                    }
                    Toggle("log.ledByPeer", isOn: $draft.ledByPeer)
                }
                Picker("log.who", selection: $draft.who) {
                    ForEach(client.vocabulary.who, id: \.code) { info in
                        Text(info.label).tag(info.who)
                    }
                }
                if hasPlace {
                    Picker("log.place", selection: $draft.place) {
                        Text("log.place.none").tag(Place?.none)
                        ForEach(client.vocabulary.places, id: \.code) { info in
                            Text(info.label).tag(Place?.some(info.place))
                        }
                    }
                }
                Toggle("log.isNew", isOn: $draft.isNew)
                Toggle("log.abroad", isOn: $draft.abroad)
            }

            Section {
                TextField("log.privateRef", text: $draft.privateRef)
                    .autocorrectionDisabled()
                TextField("log.privateNote", text: $draft.privateNote, axis: .vertical)
                    .lineLimit(1...5)
                TextField("log.sharedNote", text: $draft.sharedNote, axis: .vertical)
                    .lineLimit(1...5)
            } header: {
                Text("log.private.header")
            } footer: {
                Text("log.private.footer")
            }

            if let question, question.shown {
                Section {
                    ForEach(question.themes, id: \.id) { theme in
                        Toggle(isOn: themeBinding(theme.id)) {
                            VStack(alignment: .leading) {
                                Text(verbatim: theme.name)
                                Text(verbatim: theme.explanation)
                                    .font(.footnote)
                                    .foregroundStyle(.secondary)
                            }
                        }
                    }
                } header: {
                    Text(verbatim: question.title)
                } footer: {
                    Text(verbatim: question.hint)
                }
            }

            Section {
                Toggle("log.followUp.toggle", isOn: $draft.hasFollowUp)
                if draft.hasFollowUp {
                    DatePicker("log.followUp.date", selection: $draft.followUp, displayedComponents: .date)
                }
            } footer: {
                Text("log.followUp.footer")
            }

            if error != nil || !fieldErrors.isEmpty {
                Section {
                    if let error {
                        Text(error)
                            .foregroundStyle(.red)
                    }
                    FieldErrorsView(errors: fieldErrors)
                }
            }
        }
        .navigationTitle(editing == nil ? LocalizedStringKey("log.title") : LocalizedStringKey("log.editTitle"))
        .navigationBarTitleDisplayMode(.inline)
        .toolbar {
            ToolbarItem(placement: .cancellationAction) {
                Button("common.cancel") {
                    dismiss()
                }
            }
            ToolbarItem(placement: .confirmationAction) {
                Button("common.save") {
                    Task {
                        await save()
                    }
                }
                .disabled(saving || !loaded)
            }
        }
        .task {
            guard !loaded else { return }
            switch start {
            case .blank:
                // The core's defaults: today in this zone, its kind and minutes.
                apply(newContactInput())
            case let .prefilled(input):
                apply(input)
            case let .edit(contact):
                apply(Self.contactInput(of: contact))
                // The contact's open follow-up date, if it has one.
                if let open = try? await client.followUps().first(where: { $0.contactId == contact.id }),
                   let due = CoreDates.date(fromDay: open.due) {
                    draft.hasFollowUp = true
                    draft.followUp = due
                }
            }
            question = try? await client.themesQuestion()
            loaded = true
        }
        .task(id: draft) {
            // The live line: ask the core again shortly after each change (it writes nothing).
            guard loaded else { return }
            try? await Task.sleep(for: .milliseconds(120))
            guard !Task.isCancelled else { return }
            do {
                evaluation = try await client.evaluate(try await client.contactFormInput(entry))
                evaluationError = nil
            } catch let failure {
                evaluation = nil
                evaluationError = userMessage(for: failure)
            }
        }
    }

    private func apply(_ input: ContactInput) {
        draft.base = input
        draft.kind = input.kind
        draft.date = CoreDates.date(fromDay: input.date) ?? Date()
        draft.minutes = Int(input.minutes)
        draft.participants = Int(input.participants)
        draft.who = input.who
        draft.isNew = input.isNew
        draft.abroad = input.abroad
        draft.ledByPeer = input.ledByPeer
        draft.place = input.place
        draft.privateRef = input.privateRef ?? ""
        draft.privateNote = input.privateNote ?? ""
        draft.sharedNote = input.sharedNote ?? ""
        draft.themes = input.themes
    }

    /// The input that reproduces a stored contact (for editing).
    static func contactInput(of contact: Contact) -> ContactInput {
        ContactInput(date: contact.date, startTime: contact.startTime, minutes: contact.minutes,
                     kind: contact.kind, participants: contact.participants, who: contact.who,
                     isNew: contact.isNew, abroad: contact.abroad, ledByPeer: contact.ledByPeer,
                     place: contact.place, municipality: contact.municipality, topics: contact.topics,
                     travelKm: contact.travelKm, privateRef: contact.privateRef,
                     privateNote: contact.privateNote, sharedNote: contact.sharedNote,
                     themes: contact.themes)
    }

    private func save() async {
        saving = true
        error = nil
        fieldErrors = []
        defer { saving = false }
        do {
            let input = try await client.contactFormInput(entry)
            let due = draft.hasFollowUp ? CoreDates.day(draft.followUp) : nil
            // Checked first, so a bad date leaves nothing half-saved.
            if let due {
                try await client.validateFollowUp(due: due, contactDate: input.date)
            }
            let saved: Contact
            if let editing {
                saved = try await client.editContact(id: editing.id, input: input)
            } else {
                saved = try await client.addContact(input)
            }
            if let due {
                _ = try await client.setFollowUp(contactId: saved.id, due: due)
                await FollowUpNotifications.requestPermissionIfUndecided()
            }
            dismiss()
        } catch let failure {
            error = userMessage(for: failure)
            fieldErrors = (failure as? PeerlogError)?.fieldErrors ?? []
        }
    }
}

/// The core's contact kinds as chips, in one horizontally scrolling row.
struct KindChips: View {
    let kinds: [ContactKindInfo]
    @Binding var selection: ContactKind

    var body: some View {
        ScrollView(.horizontal, showsIndicators: false) {
            HStack(spacing: 8) {
                ForEach(kinds, id: \.code) { info in
                    let selected = info.kind == selection
                    Button {
                        selection = info.kind
                    } label: {
                        Text(info.label)
                            .font(.callout.weight(selected ? .semibold : .regular))
                            .padding(.horizontal, 12)
                            .padding(.vertical, 8)
                            .background(selected ? Color.accentColor : Color.secondary.opacity(0.15),
                                        in: Capsule())
                            .foregroundStyle(selected ? Color.white : Color.primary)
                    }
                    .buttonStyle(.plain)
                    .accessibilityAddTraits(selected ? .isSelected : [])
                }
            }
        }
    }
}

/// "Counts as …" / "Does not count: …", exactly as the core words it.
struct EvaluationLine: View {
    let evaluation: ContactEvaluation?
    let error: String?

    var body: some View {
        if let evaluation {
            Label {
                Text(evaluation.reason)
            } icon: {
                Image(systemName: evaluation.counts ? "checkmark.seal.fill" : "minus.circle")
                    .foregroundStyle(evaluation.counts ? Color.green : Color.secondary)
            }
            .accessibilityElement(children: .combine)
        } else if let error {
            Label(error, systemImage: "info.circle")
                .foregroundStyle(.secondary)
        } else {
            ProgressView()
        }
    }
}
