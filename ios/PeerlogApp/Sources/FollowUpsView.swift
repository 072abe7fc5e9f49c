import PeerlogKit
import SwiftUI

/// Follow-ups: the peer's open follow-up dates as the core lists them — due (today or
/// before) first, then upcoming — each with the contact's date and kind to recognise it, and
/// "done". The core decides what is due; the notifications follow every change (as on
/// Android).
struct FollowUpsView: View {
    @Environment(PeerlogClient.self) private var client
    @State private var list: [FollowUp] = []
    @State private var error: String?

    private var due: [FollowUp] {
        list.filter { $0.status == .due }
    }

    private var upcoming: [FollowUp] {
        list.filter { $0.status == .upcoming }
    }

    var body: some View {
        List {
            if list.isEmpty {
                Text("followUps.none")
                    .foregroundStyle(.secondary)
            }
            if !due.isEmpty {
                Section("followUps.due") {
                    ForEach(due, id: \.contactId) { row($0) }
                }
            }
            if !upcoming.isEmpty {
                Section("followUps.upcoming") {
                    ForEach(upcoming, id: \.contactId) { row($0) }
                }
            }
            if let error {
                Text(error).foregroundStyle(.red)
            }
        }
        .navigationTitle("followUps.title")
        .task { await reload() }
        .refreshable { await reload() }
    }

    private func row(_ followUp: FollowUp) -> some View {
        HStack {
            VStack(alignment: .leading) {
                Text(verbatim: followUp.due).font(.headline)
                Text("followUps.contact \(followUp.contactDate) \(client.vocabulary.label(followUp.contactKind))")
                    .font(.footnote)
                    .foregroundStyle(.secondary)
            }
            Spacer()
            Button("followUps.done") {
                Task { await done(followUp) }
            }
            .buttonStyle(.bordered)
        }
    }

    private func reload() async {
        do {
            list = try await client.followUps()
            error = nil
        } catch let failure {
            error = userMessage(for: failure)
        }
    }

    private func done(_ followUp: FollowUp) async {
        do {
            try await client.followUpDone(contactId: followUp.contactId)
            await reload()
        } catch let failure {
            error = userMessage(for: failure)
        }
    }
}
