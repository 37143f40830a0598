import Errors
import Foundation

/// Messages for people on stderr; stdout is kept for results.
enum Diagnostics {
    static func warn(_ message: String) {
        FileHandle.standardError.write(Data("warning: \(message)\n".utf8))
    }

    /// One line naming the file, the problem and its causes.
    static func report(_ error: any Error) {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    }
}

/// An error of the CLI itself (a benchmark's helper process, say): the shared shape with its codes.
typealias CommandError = CodedError<CommandErrorCode>

enum CommandErrorCode: String, ErrorCode {
    /// A helper process could not start, failed, or printed nothing usable.
    case helperFailed
}
