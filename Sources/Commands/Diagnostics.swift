import Errors
@preconcurrency import Foundation
@preconcurrency import Glibc

/// Messages for people on stderr; stdout is kept for results.
enum Diagnostics {
    static func warn(_ message: String) {
        FileHandle.standardError.write(Data("warning: \(escapingControls(message))\n".utf8))
    }

    /// A result line on stdout, control characters escaped: file names may carry terminal escapes.
    static func say(_ line: String) {
        print(escapingControls(line))
    }

    /// A line on stdout sent at once (JSON Lines of a batch, read as each one arrives).
    static func stream(_ line: String) {
        print(line)
        fflush(stdout)
    }

    /// Flushes stdout and reports a failed write (a full disk, `> /dev/full`, a closed pipe) as
    /// the error it is: results that did not arrive are not a success.
    static func finishStandardOutput() -> Bool {
        if fflush(stdout) == 0 && ferror(stdout) == 0 { return true }
        let cause = SystemCallError("write", errno: errno == 0 ? EIO : errno)
        FileHandle.standardError.write(Data("error: cannot write the results to standard output: \(cause)\n".utf8))
        return false
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
