import PDFKit
import PeerlogKit
import PhotosUI
import SwiftUI
import UIKit

/// Expenses: the list with each one's status, adding one (with a photo of the receipt), and
/// submitting a draft to the coordinator. Amounts, the mileage rate and every check are the
/// core's, and so are reading a typed amount and writing one (`parseAmount`, `formatAmount`).
struct ExpensesView: View {
    @Environment(PeerlogClient.self) private var client
    @State private var expenses: [Expense] = []
    @State private var error: String?
    @State private var loaded = false
    @State private var adding = false

    var body: some View {
        List {
            if let error {
                Text(error)
                    .foregroundStyle(.red)
            }
            if loaded && expenses.isEmpty && error == nil {
                ContentUnavailableView("expenses.empty", systemImage: "creditcard",
                                       description: Text("expenses.empty.description"))
            }
            ForEach(expenses, id: \.id) { expense in
                NavigationLink {
                    ExpenseDetailView(expenseId: expense.id)
                } label: {
                    ExpenseRow(expense: expense)
                }
                .swipeActions {
                    // What the peer may do in this status: the core's rule (as on Android).
                    if expenseActions(status: expense.status).canDelete {
                        Button("common.delete", role: .destructive) {
                            Task {
                                await run { try await client.deleteExpense(id: expense.id) }
                            }
                        }
                        Button("expense.submit") {
                            Task {
                                await run { _ = try await client.submitExpense(id: expense.id) }
                            }
                        }
                        .tint(.accentColor)
                    }
                }
            }
        }
        .navigationTitle("expenses.title")
        .toolbar {
            Button {
                adding = true
            } label: {
                Label("expense.add", systemImage: "plus")
            }
        }
        .sheet(isPresented: $adding) {
            NavigationStack {
                ExpenseFormView(editing: nil)
            }
        }
        .task(id: client.dataVersion) {
            await run {
                expenses = try await client.expenses()
            }
            loaded = true
        }
    }

    private func run(_ work: () async throws -> Void) async {
        do {
            try await work()
            error = nil
        } catch let failure {
            error = userMessage(for: failure)
        }
    }
}

struct ExpenseRow: View {
    let expense: Expense

    @Environment(PeerlogClient.self) private var client

    var body: some View {
        VStack(alignment: .leading, spacing: 4) {
            HStack {
                Text(client.vocabulary.label(expense.kind))
                    .font(.headline)
                Spacer()
                Text(client.amountText(expense.amountMinor, currency: expense.currency))
                    .monospacedDigit()
            }
            HStack {
                Text(Labels.day(expense.date))
                if let km = expense.km {
                    Text("expense.km.value \(Int(km))")
                }
                if expense.hasReceipt {
                    Image(systemName: "paperclip")
                        .accessibilityLabel(Text("expense.receipt"))
                }
                Spacer()
                Text(client.vocabulary.label(expense.status))
                    .foregroundStyle(expense.status == .rejected ? Color.red : Color.secondary)
            }
            .font(.subheadline)
            .foregroundStyle(.secondary)
            if let description = expense.description {
                Text(description)
                    .font(.footnote)
                    .lineLimit(2)
            }
            if let reason = expense.decisionReason {
                Text(reason)
                    .font(.footnote)
                    .foregroundStyle(.secondary)
            }
        }
    }
}

/// A new expense, or a change to a draft, saved as a draft. The typed amount is read by the
/// core (`parseAmount`), and a travel expense's amount is the core's km × rate.
struct ExpenseFormView: View {
    /// The draft being changed; nil for a new expense.
    let editing: Expense?

    @Environment(PeerlogClient.self) private var client
    @Environment(\.dismiss) private var dismiss
    @State private var kind: ExpenseKind = .travel
    @State private var date = Date()
    @State private var km = 0
    @State private var amount = ""
    @State private var description = ""
    /// A receipt picked or photographed here (for a draft being changed: replaces the stored one).
    @State private var receipt: Receipt?
    /// The receipt already stored with the draft being changed.
    @State private var storedReceipt: Receipt?
    @State private var photoItem: PhotosPickerItem?
    @State private var showCamera = false
    @State private var loaded = false
    @State private var saving = false
    @State private var error: String?
    @State private var fieldErrors: [FieldError] = []

    /// Paid per km (the core's form model for the chosen kind): km instead of an amount.
    private var usesKm: Bool {
        expenseForm(kind: kind).showsKm
    }

    private var currency: String {
        editing?.currency ?? client.profile?.currency ?? "NOK"
    }

    /// The typed amount as the core reads it, for the line under the field (nil while it is
    /// not an amount yet).
    @MainActor
    private var amountPreview: String? {
        guard amount.nilIfBlank != nil,
              let minor = try? client.amountMinor(from: amount, currency: currency) else {
            return nil
        }
        return client.amountText(minor, currency: currency)
    }

    /// The organisation's mileage rate, written as the core writes money.
    @MainActor
    private var rateText: String? {
        client.profile.map { client.amountText($0.mileageRateMinorPerKm, currency: $0.currency) }
    }

    var body: some View {
        Form {
            Section {
                Picker("expense.kind", selection: $kind) {
                    ForEach(client.vocabulary.expenseKinds, id: \.code) { info in
                        Text(info.label).tag(info.kind)
                    }
                }
                DatePicker("log.date", selection: $date, displayedComponents: .date)
                if usesKm {
                    LabeledContent {
                        TextField("expense.km", value: $km, format: .number)
                            .keyboardType(.numberPad)
                            .multilineTextAlignment(.trailing)
                    } label: {
                        Text("expense.km")
                    }
                } else {
                    LabeledContent {
                        TextField("expense.amount.placeholder", text: $amount)
                            .keyboardType(.decimalPad)
                            .multilineTextAlignment(.trailing)
                    } label: {
                        Text("expense.amount")
                    }
                    if let amountPreview {
                        Text(amountPreview)
                            .font(.footnote)
                            .foregroundStyle(.secondary)
                            .monospacedDigit()
                            .frame(maxWidth: .infinity, alignment: .trailing)
                    }
                }
                TextField("expense.description", text: $description, axis: .vertical)
                    .lineLimit(1...4)
            } footer: {
                if !usesKm {
                    Text("expense.amount.footer \(String(currency))")
                } else if let rateText {
                    Text("expense.travel.footer \(String(rateText))")
                }
            }

            Section {
                if let shown = receipt ?? storedReceipt {
                    ReceiptPreview(receipt: shown)
                        .frame(maxHeight: 240)
                    if receipt != nil {
                        Button("expense.receipt.remove", role: .destructive) {
                            receipt = nil
                            photoItem = nil
                        }
                    }
                }
                if UIImagePickerController.isSourceTypeAvailable(.camera) {
                    Button {
                        showCamera = true
                    } label: {
                        Label("expense.receipt.camera", systemImage: "camera")
                    }
                }
                PhotosPicker(selection: $photoItem, matching: .images) {
                    Label("expense.receipt.library", systemImage: "photo")
                }
            } header: {
                Text("expense.receipt")
            } footer: {
                if storedReceipt != nil {
                    Text("expense.receipt.replace.footer")
                }
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
        .navigationTitle(editing == nil ? LocalizedStringKey("expense.add") : LocalizedStringKey("expense.editTitle"))
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
            if let editing {
                kind = editing.kind
                date = CoreDates.date(fromDay: editing.date) ?? Date()
                km = Int(editing.km ?? 0)
                // An expense paid per km has km and no typed amount.
                amount = editing.km != nil ? "" : client.amountText(editing.amountMinor, currency: editing.currency)
                description = editing.description ?? ""
                if editing.hasReceipt {
                    storedReceipt = try? await client.expenseReceipt(id: editing.id)
                }
            } else {
                // The core's defaults for a new expense: its kind, today in this zone.
                let defaults = newExpenseInput()
                kind = defaults.kind
                date = CoreDates.date(fromDay: defaults.date) ?? Date()
            }
            loaded = true
        }
        .onChange(of: photoItem) { _, item in
            guard let item else { return }
            Task {
                let data = try? await item.loadTransferable(type: Data.self)
                receipt = data.flatMap { ReceiptImage.receipt(from: $0) }
            }
        }
        .fullScreenCover(isPresented: $showCamera) {
            CameraPicker { image in
                receipt = ReceiptImage.receipt(from: image)
                showCamera = false
            } onCancel: {
                showCamera = false
            }
            .ignoresSafeArea()
        }
    }

    private func save() async {
        saving = true
        error = nil
        fieldErrors = []
        defer { saving = false }
        do {
            // The core builds the input from the form: km and the amount read (a word is its
            // "not a number"), the description trimmed, the linked contacts kept from the base.
            let entry = ExpenseFormEntry(
                base: editing.map { expenseToInput(expense: $0) } ?? newExpenseInput(),
                kind: kind,
                date: CoreDates.day(date),
                km: String(km),
                amount: amount,
                description: description,
                // nil keeps the stored receipt of a draft being changed.
                receipt: receipt
            )
            let input = try await client.expenseFormInput(entry)
            if let editing {
                _ = try await client.updateExpense(id: editing.id, input: input)
            } else {
                _ = try await client.addExpense(input)
            }
            dismiss()
        } catch let failure {
            error = userMessage(for: failure)
            fieldErrors = (failure as? PeerlogError)?.fieldErrors ?? []
        }
    }
}

/// One expense: what was claimed, its status and the coordinator's reason, the receipt; a draft
/// can be changed, submitted or deleted.
struct ExpenseDetailView: View {
    let expenseId: String

    @Environment(PeerlogClient.self) private var client
    @Environment(\.dismiss) private var dismiss
    @State private var expense: Expense?
    @State private var receipt: Receipt?
    @State private var error: String?
    @State private var editing = false
    @State private var confirmSubmit = false
    @State private var confirmDelete = false

    var body: some View {
        List {
            if let expense {
                Section {
                    LabeledContent("expense.kind", value: client.vocabulary.label(expense.kind))
                    LabeledContent("log.date", value: Labels.day(expense.date))
                    if let km = expense.km {
                        LabeledContent {
                            Text("expense.km.value \(Int(km))")
                        } label: {
                            Text("expense.km")
                        }
                    }
                    if let rate = expense.rateMinorPerKm {
                        LabeledContent {
                            Text(client.amountText(rate, currency: expense.currency))
                        } label: {
                            Text("expense.rate")
                        }
                    }
                    LabeledContent {
                        Text(client.amountText(expense.amountMinor, currency: expense.currency))
                            .bold()
                            .monospacedDigit()
                    } label: {
                        Text("expense.amount")
                    }
                    if let description = expense.description {
                        Text(description)
                    }
                }
                Section {
                    LabeledContent {
                        Text(client.vocabulary.label(expense.status))
                            .foregroundStyle(expense.status == .rejected ? Color.red : Color.primary)
                    } label: {
                        Text("expense.status")
                    }
                    if let reason = expense.decisionReason {
                        Text(reason)
                            .foregroundStyle(.secondary)
                    }
                    if expense.pendingSync {
                        Label("history.notSynced", systemImage: "icloud.slash")
                            .foregroundStyle(.secondary)
                    }
                }
                if expense.hasReceipt {
                    Section {
                        if let receipt {
                            ReceiptPreview(receipt: receipt)
                                .frame(minHeight: 200, maxHeight: 480)
                        } else {
                            ProgressView()
                        }
                    } header: {
                        Text("expense.receipt")
                    }
                }
                if expenseActions(status: expense.status).canSubmit {
                    Section {
                        Button {
                            confirmSubmit = true
                        } label: {
                            Label("expense.submit", systemImage: "paperplane")
                        }
                        .confirmationDialog("expense.submit.confirm", isPresented: $confirmSubmit, titleVisibility: .visible) {
                            Button("expense.submit") {
                                Task {
                                    await run { _ = try await client.submitExpense(id: expenseId) }
                                }
                            }
                        }
                        Button("common.delete", role: .destructive) {
                            confirmDelete = true
                        }
                        .confirmationDialog("expense.delete.confirm", isPresented: $confirmDelete, titleVisibility: .visible) {
                            Button("common.delete", role: .destructive) {
                                Task {
                                    await run {
                                        try await client.deleteExpense(id: expenseId)
                                        dismiss()
                                    }
                                }
                            }
                        }
                    } footer: {
                        Text("expense.submit.footer")
                    }
                }
            } else if error == nil {
                ProgressView()
            }
            if let error {
                Text(error)
                    .foregroundStyle(.red)
            }
        }
        .navigationTitle("expense.detail.title")
        .navigationBarTitleDisplayMode(.inline)
        .toolbar {
            if let expense, expenseActions(status: expense.status).canEdit {
                Button("common.edit") {
                    editing = true
                }
            }
        }
        .sheet(isPresented: $editing) {
            NavigationStack {
                ExpenseFormView(editing: expense)
            }
        }
        .task(id: client.dataVersion) {
            await run {
                let found = try await client.expenses().first { $0.id == expenseId }
                expense = found
                if found?.hasReceipt == true {
                    receipt = try await client.expenseReceipt(id: expenseId)
                } else {
                    receipt = nil
                }
            }
        }
    }

    private func run(_ work: () async throws -> Void) async {
        do {
            try await work()
            error = nil
        } catch let failure {
            error = userMessage(for: failure)
        }
    }
}

/// A stored or new receipt: a photo, or a PDF another device attached.
struct ReceiptPreview: View {
    let receipt: Receipt

    var body: some View {
        if receipt.mimeType == "application/pdf" {
            PDFPreview(data: receipt.data)
                .frame(minHeight: 200)
        } else if let image = UIImage(data: receipt.data) {
            Image(uiImage: image)
                .resizable()
                .scaledToFit()
                .accessibilityLabel(Text("expense.receipt"))
        } else {
            Label("expense.receipt.unreadable", systemImage: "doc.questionmark")
                .foregroundStyle(.secondary)
        }
    }
}

/// A PDF receipt, with PDFKit.
struct PDFPreview: UIViewRepresentable {
    let data: Data

    func makeUIView(context: Context) -> PDFView {
        let view = PDFView()
        view.autoScales = true
        view.displayMode = .singlePageContinuous
        view.document = PDFDocument(data: data)
        return view
    }

    func updateUIView(_ view: PDFView, context: Context) {}
}

/// Receipt photos as JPEG (HEIC is not for a coordinator's PC), at most 2048 points on the
/// longer side: plenty to read a receipt, and well under the core's size limit (which the core
/// checks).
enum ReceiptImage {
    static let maxSide: CGFloat = 2048

    static func receipt(from data: Data) -> Receipt? {
        guard let image = UIImage(data: data) else {
            return nil
        }
        return receipt(from: image)
    }

    static func receipt(from image: UIImage) -> Receipt? {
        let longer = max(image.size.width, image.size.height)
        var output = image
        if longer > maxSide {
            let scale = maxSide / longer
            let size = CGSize(width: (image.size.width * scale).rounded(), height: (image.size.height * scale).rounded())
            let format = UIGraphicsImageRendererFormat.default()
            format.scale = 1
            output = UIGraphicsImageRenderer(size: size, format: format).image { _ in
                image.draw(in: CGRect(origin: .zero, size: size))
            }
        }
        guard let jpeg = output.jpegData(compressionQuality: 0.7) else {
            return nil
        }
        return Receipt(mimeType: "image/jpeg", data: jpeg)
    }
}

/// The camera, for a photo of a receipt.
struct CameraPicker: UIViewControllerRepresentable {
    let onImage: (UIImage) -> Void
    /// The owner dismisses the picker (it sets its own presentation state to false).
    let onCancel: () -> Void

    func makeUIViewController(context: Context) -> UIImagePickerController {
        let picker = UIImagePickerController()
        picker.sourceType = .camera
        picker.delegate = context.coordinator
        return picker
    }

    func updateUIViewController(_ picker: UIImagePickerController, context: Context) {}

    func makeCoordinator() -> Coordinator {
        Coordinator(onImage: onImage, onCancel: onCancel)
    }

    @MainActor
    final class Coordinator: NSObject, UIImagePickerControllerDelegate, UINavigationControllerDelegate {
        let onImage: (UIImage) -> Void
        let onCancel: () -> Void

        init(onImage: @escaping (UIImage) -> Void, onCancel: @escaping () -> Void) {
            self.onImage = onImage
            self.onCancel = onCancel
        }

        func imagePickerController(_ picker: UIImagePickerController,
                                   didFinishPickingMediaWithInfo info: [UIImagePickerController.InfoKey: Any]) {
            if let image = info[.originalImage] as? UIImage {
                onImage(image)
            } else {
                onCancel()
            }
        }

        func imagePickerControllerDidCancel(_ picker: UIImagePickerController) {
            // Dismissing the picker itself would leave SwiftUI's cover state stuck at true.
            onCancel()
        }
    }
}
