import PeerlogKit
import SwiftUI
import UIKit

/// Reads and signs the confidentiality declaration: the core's text, the peer's typed full
/// name, an explicit acceptance and a signature drawn with a finger. Also the re-sign prompt
/// when the chapter publishes a new version.
struct DeclarationView: View {
    /// A new version of a declaration the peer signed before.
    let isResign: Bool

    @Environment(PeerlogClient.self) private var client
    @Environment(\.dismiss) private var dismiss
    @State private var declaration: DeclarationText?
    @State private var signerName = ""
    @State private var accepted = false
    @State private var strokes: [[CGPoint]] = []
    @State private var canvasSize: CGSize = .zero
    @State private var signing = false
    @State private var error: String?
    @State private var fieldErrors: [FieldError] = []

    var body: some View {
        Form {
            if isResign {
                Section {
                    Label("declaration.resign.banner", systemImage: "arrow.triangle.2.circlepath")
                }
            }
            if let declaration {
                Section {
                    FormattedDeclaration(markdown: declaration.text)
                        .textSelection(.enabled)
                } footer: {
                    Text("declaration.version \(Int(declaration.version))")
                }
            } else if error == nil {
                Section {
                    ProgressView()
                }
            }

            Section {
                TextField("declaration.name", text: $signerName)
                    .textContentType(.name)
                    .autocorrectionDisabled()
                Toggle("declaration.accept", isOn: $accepted)
            }

            Section {
                SignaturePad(strokes: $strokes, size: $canvasSize)
                    .frame(height: 180)
                    .listRowInsets(EdgeInsets())
                Button("declaration.clearSignature", role: .destructive) {
                    strokes = []
                }
                .disabled(strokes.isEmpty)
            } header: {
                Text("declaration.signature.header")
            } footer: {
                Text("declaration.signature.footer")
            }

            Section {
                Button {
                    Task {
                        await sign()
                    }
                } label: {
                    Text("declaration.sign")
                        .frame(maxWidth: .infinity)
                }
                .buttonStyle(.borderedProminent)
                .disabled(signing || declaration == nil)
            } footer: {
                VStack(alignment: .leading) {
                    if let error {
                        Text(error)
                            .foregroundStyle(.red)
                    }
                    FieldErrorsView(errors: fieldErrors)
                }
            }
        }
        .navigationTitle("declaration.title")
        .toolbar {
            if isResign {
                ToolbarItem(placement: .cancellationAction) {
                    Button("declaration.later") {
                        dismiss()
                    }
                }
            }
        }
        .task {
            if signerName.isEmpty {
                signerName = client.profile?.name ?? ""
            }
            do {
                declaration = try await client.currentDeclaration()
            } catch let failure {
                error = userMessage(for: failure)
            }
        }
    }

    private func sign() async {
        signing = true
        error = nil
        fieldErrors = []
        defer { signing = false }
        do {
            _ = try await client.signDeclaration(signerName: signerName,
                                                 accepted: accepted,
                                                 drawn: SignaturePad.drawnSignature(strokes, size: canvasSize))
            if isResign {
                dismiss()
            }
        } catch let failure {
            error = userMessage(for: failure)
            fieldErrors = (failure as? PeerlogError)?.fieldErrors ?? []
        }
    }
}

/// A finger-drawn signature. Points are in the pad's own units (points), as the core's
/// `DrawnSignature` expects: strokes on a canvas of `width` × `height`.
struct SignaturePad: View {
    @Binding var strokes: [[CGPoint]]
    @Binding var size: CGSize
    @State private var current: [CGPoint] = []

    var body: some View {
        GeometryReader { proxy in
            Canvas { context, _ in
                for stroke in strokes + [current] where !stroke.isEmpty {
                    var path = Path()
                    path.addLines(stroke)
                    if stroke.count == 1, let dot = stroke.first {
                        path.addEllipse(in: CGRect(x: dot.x - 1.5, y: dot.y - 1.5, width: 3, height: 3))
                    }
                    context.stroke(path, with: .color(.primary),
                                   style: StrokeStyle(lineWidth: 2.5, lineCap: .round, lineJoin: .round))
                }
            }
            .background(Color(uiColor: .secondarySystemBackground))
            .overlay(alignment: .bottomLeading) {
                if strokes.isEmpty && current.isEmpty {
                    Text("declaration.signature.placeholder")
                        .font(.footnote)
                        .foregroundStyle(.secondary)
                        .padding(12)
                }
            }
            .contentShape(Rectangle())
            .gesture(
                DragGesture(minimumDistance: 0, coordinateSpace: .local)
                    .onChanged { value in
                        current.append(clamped(value.location, in: proxy.size))
                    }
                    .onEnded { _ in
                        if !current.isEmpty {
                            strokes.append(current)
                        }
                        current = []
                    }
            )
            .onAppear {
                size = proxy.size
            }
            .onChange(of: proxy.size) { _, newSize in
                size = newSize
            }
            .accessibilityLabel(Text("declaration.signature.header"))
        }
    }

    private func clamped(_ point: CGPoint, in size: CGSize) -> CGPoint {
        CGPoint(x: min(max(point.x, 0), size.width), y: min(max(point.y, 0), size.height))
    }

    /// The strokes as the core's `DrawnSignature` (nil when nothing was drawn). Limits on the
    /// number of strokes and points are the core's to check.
    static func drawnSignature(_ strokes: [[CGPoint]], size: CGSize) -> DrawnSignature? {
        let width = UInt32(max(size.width.rounded(), 1))
        let height = UInt32(max(size.height.rounded(), 1))
        let converted = strokes.filter { !$0.isEmpty }.map { stroke in
            stroke.map { point in
                StrokePoint(x: min(UInt32(max(point.x.rounded(), 0)), width),
                            y: min(UInt32(max(point.y.rounded(), 0)), height))
            }
        }
        guard !converted.isEmpty else { return nil }
        return DrawnSignature(width: width, height: height, strokes: converted)
    }
}

/// The declaration as the core formats it (`formattedText`): headings, numbered points,
/// bold, italics and links, each block one `AttributedString`.
private struct FormattedDeclaration: View {
    let blocks: [TextBlock]

    init(markdown: String) {
        blocks = formattedText(markdown: markdown).blocks
    }

    var body: some View {
        VStack(alignment: .leading, spacing: 8) {
            ForEach(Array(blocks.enumerated()), id: \.offset) { _, block in
                switch block {
                case let .heading(level, spans):
                    Text(Self.attributed(spans)).font(level <= 1 ? .title3.bold() : .headline)
                case let .paragraph(spans):
                    Text(Self.attributed(spans)).font(.body)
                case let .numberedItem(number, spans):
                    Text(Self.attributed(spans, marker: "\(number). ")).font(.body)
                        .padding(.leading, 8)
                case let .bulletItem(spans):
                    Text(Self.attributed(spans, marker: "• ")).font(.body)
                        .padding(.leading, 8)
                }
            }
        }
    }

    static func attributed(_ spans: [TextSpan], marker: String = "") -> AttributedString {
        var out = AttributedString(marker)
        for span in spans {
            var part = AttributedString(span.text)
            var intent: InlinePresentationIntent = []
            if span.strong { intent.insert(.stronglyEmphasized) }
            if span.emphasis { intent.insert(.emphasized) }
            if !intent.isEmpty { part.inlinePresentationIntent = intent }
            if let link = span.link, let url = URL(string: link) { part.link = url }
            out.append(part)
        }
        return out
    }
}
