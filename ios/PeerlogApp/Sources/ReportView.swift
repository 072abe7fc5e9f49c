import PeerlogKit
import SwiftUI

/// The year's summary as the core counts and lays it out (per category in the rules' order, the
/// months and kinds with contacts, what did not count and why, warnings — `reportDisplay`, the
/// same as on Android), for a year the core offers (`reportYears`), signing the yearly report
/// and sharing the signed file.
struct ReportView: View {
    @Environment(PeerlogClient.self) private var client
    @State private var year = CoreDates.year()
    @State private var years: [Int32] = [CoreDates.year()]
    @State private var summary: PeriodSummary?
    @State private var error: String?
    @State private var confirmSign = false
    @State private var signing = false
    @State private var signedFile: URL?
    @State private var printableFile: URL?

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
                let display = reportDisplay(summary: summary, locale: client.locale)
                Section {
                    LabeledContent {
                        Text(Int(display.activityDays), format: .number)
                            .bold()
                    } label: {
                        Text("home.activityDays")
                    }
                    ForEach(display.categories, id: \.label) { line in
                        LabeledContent {
                            Text(Int(line.days), format: .number)
                        } label: {
                            Text(line.label)
                        }
                    }
                } header: {
                    Text("report.counted")
                } footer: {
                    Text(summary.ruleSet)
                }

                if !display.months.isEmpty {
                    Section {
                        ForEach(display.months, id: \.month) { month in
                            LabeledContent {
                                // Per category, in the order of the summary above.
                                Text(verbatim: month.days.map { String($0) }.joined(separator: " · "))
                                    .monospacedDigit()
                            } label: {
                                Text(month.label)
                            }
                        }
                    } header: {
                        Text("report.byMonth")
                    } footer: {
                        Text("report.byMonth.footer")
                    }
                }

                if !display.kinds.isEmpty {
                    Section {
                        ForEach(display.kinds, id: \.label) { kind in
                            LabeledContent {
                                Text(kind.text)
                            } label: {
                                Text(kind.label)
                            }
                        }
                    } header: {
                        Text("report.byKind")
                    }
                }

                if !display.notCounted.isEmpty {
                    Section {
                        ForEach(display.notCounted, id: \.self) { line in
                            Text(line)
                        }
                    } header: {
                        Text("report.notCounted")
                    }
                }

                if !display.warnings.isEmpty {
                    Section {
                        ForEach(display.warnings, id: \.self) { warning in
                            Label(warning, systemImage: "exclamationmark.triangle")
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
                years = try await client.reportYears()
                if !years.contains(year), let newest = years.first {
                    year = newest
                }
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
