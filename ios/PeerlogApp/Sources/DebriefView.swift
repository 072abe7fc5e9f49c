import PeerlogKit
import SwiftUI

/// "I need to talk": ask the coordinator for a talk without saying who it is about. The
/// choices, the reminder not to name anyone, the message's limit and every check come from
/// the core (`debriefTexts`, `requestDebrief`), as on Android.
struct DebriefView: View {
    @Environment(PeerlogClient.self) private var client
    @State private var when: DebriefWhen = .week
    @State private var message = ""
    @State private var sent: [Debrief] = []
    @State private var status: String?

    var body: some View {
        let texts = client.debriefScreenTexts()
        Form {
            Section {
                Text(verbatim: texts.intro)
                Picker(selection: $when) {
                    Text(verbatim: texts.whenToday).tag(DebriefWhen.today)
                    Text(verbatim: texts.whenWeek).tag(DebriefWhen.week)
                } label: {
                    Text(verbatim: texts.whenLabel)
                }
                .pickerStyle(.segmented)
            }
            Section {
                TextField(text: $message, axis: .vertical) {
                    Text(verbatim: texts.messageLabel)
                }
                .lineLimit(3...6)
                .onChange(of: message) { _, new in
                    if new.count > Int(texts.maxMessageChars) {
                        message = String(new.prefix(Int(texts.maxMessageChars)))
                    }
                }
                Text(verbatim: "\(message.count)/\(texts.maxMessageChars)")
                    .font(.caption)
                    .foregroundStyle(.secondary)
            } footer: {
                Text(verbatim: texts.reminder)
            }
            Section {
                Button {
                    Task { await send() }
                } label: {
                    Text(verbatim: texts.send)
                }
                if let status {
                    Text(verbatim: status)
                }
            }
            Section {
                ForEach(sent, id: \.id) { d in
                    HStack {
                        Text(verbatim: String(d.createdAt.prefix(10)))
                        Spacer()
                        Text(verbatim: d.followedUpAt == nil ? texts.open : texts.followedUp)
                            .foregroundStyle(.secondary)
                    }
                }
            }
        }
        .navigationTitle(Text(verbatim: texts.title))
        .task { sent = (try? await client.debriefs()) ?? [] }
    }

    private func send() async {
        do {
            _ = try await client.requestDebrief(when: when, message: message.isEmpty ? nil : message)
            message = ""
            status = client.debriefScreenTexts().sent
            sent = (try? await client.debriefs()) ?? []
        } catch {
            status = userMessage(for: error)
        }
    }
}
