import PeerlogKit
import SwiftUI

/// This year at a glance: the peer's certification with its reminder, activity-days per category (counted by the core), sync state, and the
/// two fastest ways to log: a new contact, or the last one again.
struct HomeView: View {
    @Environment(PeerlogClient.self) private var client
    @State private var summary: PeriodSummary?
    @State private var training: TrainingStatus?
    @State private var error: String?
    @State private var logInput: LogContactView.Start?

    var body: some View {
        List {
            if let declaration = client.declaration, !declaration.signed {
                Section {
                    NavigationLink {
                        DeclarationView(isResign: true)
                    } label: {
                        Label("home.declarationNeeded", systemImage: "signature")
                            .foregroundStyle(.orange)
                    }
                }
            }

            Section {
                Button {
                    logInput = .blank
                } label: {
                    Label("home.logContact", systemImage: "plus.circle.fill")
                        .font(.title3.weight(.semibold))
                        .frame(maxWidth: .infinity, minHeight: 44)
                }
                .buttonStyle(.borderedProminent)
                .listRowInsets(EdgeInsets(top: 8, leading: 16, bottom: 8, trailing: 16))
                Button {
                    Task {
                        await repeatLast()
                    }
                } label: {
                    Label("home.repeatLast", systemImage: "arrow.uturn.backward.circle")
                        .frame(maxWidth: .infinity)
                }
            }

            // "I need to talk", titled by the core in the peer's language; the follow-ups.
            Section {
                NavigationLink {
                    FollowUpsView()
                } label: {
                    Label("home.followUps", systemImage: "calendar.badge.clock")
                }
                NavigationLink {
                    DebriefView()
                } label: {
                    Label {
                        Text(verbatim: client.debriefScreenTexts().title)
                    } icon: {
                        Image(systemName: "bubble.left.and.bubble.right")
                    }
                }
            }

            // The core decides certified, the reminder and the sentence (in the peer's language).
            if let training {
                Section {
                    Text(training.message)
                        .foregroundStyle(training.certified && !training.reminderDue ? Color.primary : Color.red)
                    ForEach(training.records, id: \.id) { record in
                        Text("\(record.date) · \(record.course)").font(.footnote)
                    }
                }
            }

            Section {
                if let summary {
                    LabeledContent {
                        Text(Int(summary.activityDays), format: .number)
                            .font(.title2.bold())
                    } label: {
                        Text("home.activityDays")
                    }
                    ForEach(client.vocabulary.categories, id: \.code) { info in
                        LabeledContent {
                            Text(Int(summary.byCategory.count(info.category)), format: .number)
                        } label: {
                            Text(info.label)
                        }
                    }
                    LabeledContent {
                        Text(Int(summary.notCountedTotal), format: .number)
                    } label: {
                        Text("home.notCounted")
                    }
                } else if let error {
                    Text(error)
                        .foregroundStyle(.red)
                } else {
                    ProgressView()
                }
            } header: {
                Text("home.thisYear \(String(CoreDates.year()))")
            }

            SyncSection()
        }
        .navigationTitle("home.title")
        .refreshable {
            await client.sync()
        }
        .task(id: client.dataVersion) {
            await load()
        }
        .sheet(item: $logInput) { start in
            NavigationStack {
                LogContactView(start: start)
            }
        }
    }

    private func load() async {
        do {
            summary = try await client.yearSummary(CoreDates.year())
            training = try await client.training()
            error = nil
        } catch let failure {
            error = userMessage(for: failure)
        }
    }

    private func repeatLast() async {
        do {
            let input = try await client.repeatLastContact()
            logInput = input.map { LogContactView.Start.prefilled($0) } ?? .blank
        } catch let failure {
            error = userMessage(for: failure)
        }
    }
}

/// Sync state, shown quietly: last success, unsynced records, the core's last error.
struct SyncSection: View {
    @Environment(PeerlogClient.self) private var client

    var body: some View {
        Section {
            if let status = client.syncStatus {
                if status.enrolment == nil {
                    Text("sync.offlineOnly")
                        .foregroundStyle(.secondary)
                } else {
                    LabeledContent {
                        if let last = status.lastSuccess.flatMap(CoreDates.timestamp) {
                            Text(last, style: .relative)
                        } else {
                            Text("sync.never")
                        }
                    } label: {
                        Text("sync.lastSync")
                    }
                    if client.isSyncing {
                        HStack {
                            ProgressView()
                            if let progress = client.syncProgress {
                                Text(Labels.syncPhase(progress.phase))
                                    .foregroundStyle(.secondary)
                            }
                        }
                    } else {
                        Button("sync.now") {
                            Task {
                                await client.sync()
                            }
                        }
                    }
                    if let lastError = status.lastError {
                        Label(lastError.message, systemImage: "wifi.exclamationmark")
                            .font(.footnote)
                            .foregroundStyle(.secondary)
                    }
                }
                LabeledContent {
                    Text(Int(status.pending), format: .number)
                } label: {
                    Text("sync.pending")
                }
            }
        } header: {
            Text("sync.header")
        }
    }
}
