import PeerlogKit
import SwiftUI

/// The year's summary as the core counts it (per category, per month, what did not count and
/// why, warnings), signing the yearly report and sharing the signed file.
struct ReportView: View {
    @Environment(PeerlogClient.self) private var client
    @State private var year = CoreDates.year()
    @State private var summary: PeriodSummary?
    @State private var error: String?
    @State private var confirmSign = false
    @State private var signing = false
    @State private var signedFile: URL?
    @State private var printableFile: URL?

    private var years: [Int32] {
        let now = CoreDates.year()
        return [now, now - 1, now - 2]
    }

    var body: some View {
        List {
            Section {
                Picker("report.year", selection: $year) {
                    ForEach(years, id: \.self) { year in
                        Text(String(year)).tag(year)
                    }
                }
            }

            if let summary {
                Section {
                    LabeledContent {
                        Text(Int(summary.activityDays), format: .number)
                            .bold()
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
                } header: {
                    Text("report.counted")
                } footer: {
                    Text(summary.ruleSet)
                }

                if !summary.byMonth.isEmpty {
                    Section {
                        ForEach(summary.byMonth, id: \.self) { month in
                            LabeledContent {
                                // Per category, in the order of the summary above.
                                Text(verbatim: client.vocabulary.categories
                                    .map { String(month.count($0.category)) }
                                    .joined(separator: " · "))
                                    .monospacedDigit()
                            } label: {
                                Text(HistoryView.monthTitle(String(format: "%04d-%02d", Int(month.year), Int(month.month))))
                            }
                        }
                    } header: {
                        Text("report.byMonth")
                    } footer: {
                        Text("report.byMonth.footer")
                    }
                }

                if !summary.notCounted.isEmpty {
                    Section {
                        ForEach(summary.notCounted, id: \.code) { reason in
                            LabeledContent {
                                Text(Int(reason.count), format: .number)
                            } label: {
                                Text(reason.message)
                            }
                        }
                    } header: {
                        Text("report.notCounted")
                    }
                }

                if !summary.warnings.isEmpty {
                    Section {
                        ForEach(summary.warnings, id: \.self) { warning in
                            Label(warning.message, systemImage: "exclamationmark.triangle")
                                .foregroundStyle(.orange)
                        }
                    } header: {
                        Text("report.warnings")
                    }
                }

                Section {
                    Button {
                        confirmSign = true
                    } label: {
                        Label("report.sign", systemImage: "signature")
                    }
                    .disabled(signing)
                    if let printableFile {
                        ShareLink(item: printableFile) {
                            Label("report.sharePrintable", systemImage: "printer")
                        }
                    }
                    if let signedFile {
                        ShareLink(item: signedFile) {
                            Label("report.share", systemImage: "square.and.arrow.up")
                        }
                    }
                } footer: {
                    Text("report.sign.footer")
                }
            } else if let error {
                Text(error)
                    .foregroundStyle(.red)
            } else {
                ProgressView()
            }
        }
        .navigationTitle("report.title")
        .task(id: ReloadKey(year: year, version: client.dataVersion)) {
            do {
                summary = try await client.yearSummary(year)
                error = nil
            } catch let failure {
                summary = nil
                error = userMessage(for: failure)
            }
        }
        .onChange(of: year) { _, _ in
            signedFile = nil
            printableFile = nil
        }
        .confirmationDialog("report.sign.confirm \(String(year))", isPresented: $confirmSign, titleVisibility: .visible) {
            Button("report.sign") {
                Task {
                    await sign()
                }
            }
        }
    }

    private struct ReloadKey: Equatable {
        let year: Int32
        let version: Int
    }

    private func sign() async {
        signing = true
        defer { signing = false }
        do {
            let file = try await client.signYearReport(year)
            // The file name is the core's; iOS empties the app's temporary directory.
            signedFile = try TemporaryFiles.write(file.contents, named: file.fileName, in: "reports")
            printableFile = try TemporaryFiles.write(file.html, named: file.htmlFileName, in: "reports")
        } catch let failure {
            error = userMessage(for: failure)
        }
    }
}
