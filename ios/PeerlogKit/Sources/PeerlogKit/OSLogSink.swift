import Foundation
import os
import PeerlogCore

/// The core's `LogSink` into the unified log (`os.Logger`), one category per core target.
///
/// The core never logs record contents, names, notes, keys or tokens, so its messages are
/// marked public (visible in Console.app without a debugger attached).
public final class OSLogSink: LogSink {
    public let subsystem: String
    public let minimumLevel: LogLevel

    public init(subsystem: String = Bundle.main.bundleIdentifier ?? "no.peerlog.app",
                minimumLevel: LogLevel = .info) {
        self.subsystem = subsystem
        self.minimumLevel = minimumLevel
    }

    public func log(level: LogLevel, target: String, message: String) {
        guard Self.rank(level) <= Self.rank(minimumLevel) else { return }
        let logger = Logger(subsystem: subsystem, category: target)
        switch level {
        case .error:
            logger.error("\(message, privacy: .public)")
        case .warn:
            logger.warning("\(message, privacy: .public)")
        case .info:
            logger.info("\(message, privacy: .public)")
        case .debug:
            logger.debug("\(message, privacy: .public)")
        }
    }

    private static func rank(_ level: LogLevel) -> Int {
        switch level {
        case .error: return 0
        case .warn: return 1
        case .info: return 2
        case .debug: return 3
        }
    }
}
