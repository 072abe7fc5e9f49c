import PeerlogKit
import PhotosUI
import SwiftUI
import UIKit

/// Expenses: the list with each one's status, adding one (with a photo of the receipt), and
/// submitting a draft to the coordinator. Amounts, the mileage rate and every check are the
/// core's; the app only converts what is typed into minor units of the peer's currency.
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
                ExpenseRow(expense: expense)
                    .swipeActions {
                        if expense.status == .draft {
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
                AddExpenseView()
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

    var body: some View {
        VStack(alignment: .leading, spacing: 4) {
            HStack {
                Text(ExpenseLabels.kind(expense.kind))
                    .font(.headline)
                Spacer()
                Text(Money.format(minor: expense.amountMinor, currency: expense.currency))
                    .monospacedDigit()
            }
            HStack {
                Text(Labels.day(expense.date))
                if let km = expense.km {
                    Text(verbatim: "· \(km) km")
                }
                if expense.hasReceipt {
                    Image(systemName: "paperclip")
                        .accessibilityLabel(Text("expense.receipt"))
                }
                Spacer()
                Text(ExpenseLabels.status(expense.status))
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

/// A new expense, saved as a draft.
struct AddExpenseView: View {
    @Environment(PeerlogClient.self) private var client
    @Environment(\.dismiss) private var dismiss
    @State private var kind: ExpenseKind = .travel
    @State private var date = Date()
    @State private var km = 0
    @State private var amount: Decimal = 0
    @State private var description = ""
    @State private var receipt: Receipt?
    @State private var photoItem: PhotosPickerItem?
    @State private var showCamera = false
    @State private var saving = false
    @State private var error: String?
    @State private var fieldErrors: [FieldError] = []

    private var currency: String {
        client.profile?.currency ?? "NOK"
    }

    var body: some View {
        Form {
            Section {
                Picker("expense.kind", selection: $kind) {
                    ForEach(ExpenseLabels.kinds, id: \.self) { kind in
                        Text(ExpenseLabels.kind(kind)).tag(kind)
                    }
                }
                DatePicker("log.date", selection: $date, displayedComponents: .date)
                if kind == .travel {
                    LabeledContent {
                        TextField("expense.km", value: $km, format: .number)
                            .keyboardType(.numberPad)
                            .multilineTextAlignment(.trailing)
                    } label: {
                        Text("expense.km")
                    }
                } else {
                    LabeledContent {
                        TextField("expense.amount", value: $amount, format: .currency(code: currency))
                            .keyboardType(.decimalPad)
                            .multilineTextAlignment(.trailing)
                    } label: {
                        Text("expense.amount")
                    }
                }
                TextField("expense.description", text: $description, axis: .vertical)
                    .lineLimit(1...4)
            } footer: {
                if kind == .travel {
                    Text("expense.travel.footer")
                }
            }

            Section {
                if let receipt, let image = UIImage(data: receipt.data) {
                    Image(uiImage: image)
                        .resizable()
                        .scaledToFit()
                        .frame(maxHeight: 200)
                    Button("expense.receipt.remove", role: .destructive) {
                        self.receipt = nil
                        photoItem = nil
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
        .navigationTitle("expense.add")
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
                .disabled(saving)
            }
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
                receipt = image.jpegData(compressionQuality: 0.7).map { Receipt(mimeType: "image/jpeg", data: $0) }
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
        let input = ExpenseInput(
            date: CoreDates.day(date),
            kind: kind,
            km: kind == .travel ? UInt32(clamping: km) : nil,
            amountMinor: kind == .travel ? nil : Money.minor(amount, currency: currency),
            description: description.nilIfBlank,
            contactIds: [],
            receipt: receipt
        )
        do {
            _ = try await client.addExpense(input)
            dismiss()
        } catch let failure {
            error = userMessage(for: failure)
            fieldErrors = (failure as? PeerlogError)?.fieldErrors ?? []
        }
    }
}

enum ExpenseLabels {
    static let kinds: [ExpenseKind] = [.travel, .ticket, .phone, .other]

    static func kind(_ kind: ExpenseKind) -> LocalizedStringKey {
        switch kind {
        case .travel: return "expense.kind.travel"
        case .ticket: return "expense.kind.ticket"
        case .phone: return "expense.kind.phone"
        case .other: return "expense.kind.other"
        }
    }

    static func status(_ status: ExpenseStatus) -> LocalizedStringKey {
        switch status {
        case .draft: return "expense.status.draft"
        case .submitted: return "expense.status.submitted"
        case .approved: return "expense.status.approved"
        case .rejected: return "expense.status.rejected"
        }
    }
}

/// Between typed amounts and the core's minor units (øre, cents): the currency's own number of
/// decimals, from the system's currency data.
enum Money {
    static func fractionDigits(_ currency: String) -> Int {
        let formatter = NumberFormatter()
        formatter.numberStyle = .currency
        formatter.currencyCode = currency
        return formatter.maximumFractionDigits
    }

    /// nil for a negative amount (the core then reports the missing amount in its words).
    static func minor(_ amount: Decimal, currency: String) -> UInt64? {
        guard amount >= 0 else { return nil }
        var scaled = amount * pow(10, fractionDigits(currency))
        var rounded = Decimal()
        NSDecimalRound(&rounded, &scaled, 0, .plain)
        return NSDecimalNumber(decimal: rounded).uint64Value
    }

    static func format(minor: UInt64, currency: String) -> String {
        let amount = Decimal(minor) / pow(10, fractionDigits(currency))
        return amount.formatted(.currency(code: currency))
    }
}

/// Receipts from the photo library are re-encoded as JPEG (HEIC is not for a coordinator's PC).
enum ReceiptImage {
    static func receipt(from data: Data) -> Receipt? {
        guard let image = UIImage(data: data), let jpeg = image.jpegData(compressionQuality: 0.7) else {
            return nil
        }
        return Receipt(mimeType: "image/jpeg", data: jpeg)
    }
}

/// The camera, for a photo of a receipt.
struct CameraPicker: UIViewControllerRepresentable {
    let onImage: (UIImage) -> Void

    func makeUIViewController(context: Context) -> UIImagePickerController {
        let picker = UIImagePickerController()
        picker.sourceType = .camera
        picker.delegate = context.coordinator
        return picker
    }

    func updateUIViewController(_ picker: UIImagePickerController, context: Context) {}

    func makeCoordinator() -> Coordinator {
        Coordinator(onImage: onImage)
    }

    @MainActor
    final class Coordinator: NSObject, UIImagePickerControllerDelegate, UINavigationControllerDelegate {
        let onImage: (UIImage) -> Void

        init(onImage: @escaping (UIImage) -> Void) {
            self.onImage = onImage
        }

        func imagePickerController(_ picker: UIImagePickerController,
                                   didFinishPickingMediaWithInfo info: [UIImagePickerController.InfoKey: Any]) {
            if let image = info[.originalImage] as? UIImage {
                onImage(image)
            }
        }

        func imagePickerControllerDidCancel(_ picker: UIImagePickerController) {
            picker.dismiss(animated: true)
        }
    }
}
