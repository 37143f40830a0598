import Foundation

/// The codes of one module's errors: a closed list, each case one thing a caller may handle.
public protocol ErrorCode: RawRepresentable, Sendable, Hashable where RawValue == String {}

/// What every error of facedetail carries, whatever its module (swift-nio's `FileSystemError`): the
/// file or object it is about, what went wrong, and the error underneath, kept as a value so a
/// caller can still ask what it was.
public protocol ContextualError: Error, CustomStringConvertible {
    /// The file (or tensor, or option) the error is about; nil when there is none.
    var path: String? { get }
    /// What went wrong, in words for users, without the path.
    var message: String { get }
    /// The error underneath (another module's, a system call's, a library's message); nil if none.
    var cause: (any Error)? { get }
}

extension ContextualError {
    /// One line for users: "PATH: message: cause's message: …" down the chain. A cause about the
    /// same path as the error above it does not repeat the path.
    /// Paths are shown through `printable(_:)`: a file name carrying terminal escapes is printed
    /// as text, not obeyed.
    public var description: String {
        var text = path.map { "\(printable($0)): \(message)" } ?? message
        var above = path
        var next = cause
        while let error = next {
            if let contextual = error as? any ContextualError {
                if let path = contextual.path, path != above {
                    text += ": \(printable(path)): \(contextual.message)"
                    above = path
                } else {
                    text += ": \(contextual.message)"
                }
                next = contextual.cause
            } else {
                let said = String(describing: error)
                if !said.isEmpty { text += ": \(said)" }
                next = nil
            }
        }
        // Library messages may span lines; other control characters (a reference quoted in a
        // message, say) are escaped like paths.
        return escapingControls(text.replacingOccurrences(of: "\n", with: " "))
    }

    /// This error's causes, nearest first.
    public var causes: [any Error] {
        var chain: [any Error] = []
        var next = cause
        while let error = next {
            chain.append(error)
            next = (error as? any ContextualError)?.cause
        }
        return chain
    }
}

/// The one error shape, specialised once per module with that module's codes
/// (`FormatError`, `ReconstructError`, `NeuralError`, the CLI's `CommandError`).
public struct CodedError<Code: ErrorCode>: ContextualError {
    public var code: Code
    public var path: String?
    public var message: String
    public var cause: (any Error)?

    public init(_ code: Code, path: String? = nil, _ message: String, cause: (any Error)? = nil) {
        self.code = code
        self.path = path
        self.message = message
        self.cause = cause
    }

    /// An error whose cause is known only as text: a C library's message, or the figures of a
    /// check that failed ("inter-ocular distance 12 px, need at least 24 px").
    public init(_ code: Code, path: String? = nil, _ message: String, reason: String) {
        self.init(code, path: path, message, cause: Reason(reason))
    }

    /// The same error, attributed to `path` when it has none yet.
    public func at(_ path: String) -> Self {
        var copy = self
        if copy.path == nil { copy.path = path }
        return copy
    }
}

/// A cause that is only text: what a C library said, or the measurement behind a refusal.
public struct Reason: Error, CustomStringConvertible, Equatable {
    public let text: String
    public init(_ text: String) { self.text = text }
    public var description: String { text }
}

/// A failed system call: its name and `errno`, described as the C library describes it.
public struct SystemCallError: Error, CustomStringConvertible, Equatable {
    public let call: String
    public let errno: Int32

    /// The failure of `call` that just happened (reads the current `errno`).
    public init(_ call: String) {
        self.init(call, errno: Foundation.errno)
    }

    public init(_ call: String, errno: Int32) {
        self.call = call
        self.errno = errno
    }

    public var description: String { "\(call): \(String(cString: strerror(errno)))" }
}
