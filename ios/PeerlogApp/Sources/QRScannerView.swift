import AVFoundation
import SwiftUI
import Vision
import VisionKit

/// Scans the coordinator's invitation QR code with the camera (VisionKit). Calls `onCode` with
/// the first QR payload it recognises; what the payload means is the core's business.
struct QRScannerView: UIViewControllerRepresentable {
    let onCode: (String) -> Void

    /// The phone can scan (supported hardware) and the camera is not forbidden outright. Not
    /// `isAvailable`: that is false until the peer has allowed the camera, which is never asked
    /// before the first tap — so on a fresh install the button would never appear.
    @MainActor
    static var canOffer: Bool {
        DataScannerViewController.isSupported
            && AVCaptureDevice.authorizationStatus(for: .video) != .restricted
    }

    /// Asks for the camera on the first tap, then whether the scanner can run now (allowed
    /// and not in use elsewhere).
    @MainActor
    static func requestAccess() async -> Bool {
        switch AVCaptureDevice.authorizationStatus(for: .video) {
        case .authorized:
            break
        case .notDetermined:
            guard await AVCaptureDevice.requestAccess(for: .video) else { return false }
        default:
            return false
        }
        return DataScannerViewController.isAvailable
    }

    func makeUIViewController(context: Context) -> DataScannerViewController {
        let scanner = DataScannerViewController(
            recognizedDataTypes: [.barcode(symbologies: [.qr])],
            qualityLevel: .balanced,
            recognizesMultipleItems: false,
            isHighFrameRateTrackingEnabled: false,
            isHighlightingEnabled: true
        )
        scanner.delegate = context.coordinator
        return scanner
    }

    func updateUIViewController(_ scanner: DataScannerViewController, context: Context) {
        if !scanner.isScanning {
            try? scanner.startScanning()
        }
    }

    static func dismantleUIViewController(_ scanner: DataScannerViewController, coordinator: Coordinator) {
        scanner.stopScanning()
    }

    func makeCoordinator() -> Coordinator {
        Coordinator(onCode: onCode)
    }

    @MainActor
    final class Coordinator: NSObject, DataScannerViewControllerDelegate {
        let onCode: (String) -> Void
        private var delivered = false

        init(onCode: @escaping (String) -> Void) {
            self.onCode = onCode
        }

        func dataScanner(_ dataScanner: DataScannerViewController,
                         didAdd addedItems: [RecognizedItem],
                         allItems: [RecognizedItem]) {
            guard !delivered else { return }
            for item in addedItems {
                if case let .barcode(barcode) = item, let payload = barcode.payloadStringValue {
                    delivered = true
                    dataScanner.stopScanning()
                    onCode(payload.trimmingCharacters(in: .whitespacesAndNewlines))
                    return
                }
            }
        }
    }
}
