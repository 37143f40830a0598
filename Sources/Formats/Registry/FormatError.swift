import Foundation

/// The one error type of the Formats module: what went wrong, with which file, and why.
///
/// `description` is a single line meant for users: "PATH: message: cause".
public struct FormatError: FileError, Equatable {
    public enum Code: String, Sendable {
        /// No registered format matches the file's name or content.
        case unknownFormat
        /// The file is missing, unreadable, or not a file.
        case unreadable
        /// The file's content is damaged or not what its format expects.
        case malformed
        /// The content is valid but uses something this plugin does not handle.
        case unsupported
        /// The asset handed to a writer breaks an invariant.
        case invalidAsset
        /// Writing or committing an output failed.
        case writeFailed
        /// A reference points outside the folder it must stay in.
        case refusedReference
    }

    public var code: Code
    public var path: String?
    public var message: String
    public var cause: String?

    public init(_ code: Code, path: String? = nil, _ message: String, cause: String? = nil) {
        self.code = code
        self.path = path
        self.message = message
        self.cause = cause
    }


    /// The same error, attributed to `path` when it has none yet.
    public func at(_ path: String) -> FormatError {
        var copy = self
        if copy.path == nil { copy.path = path }
        return copy
    }

    static func invalidAsset(_ message: String) -> FormatError { FormatError(.invalidAsset, message) }
}

/// What every module's error type carries: the file, what went wrong, and why. The one-line
/// `description` ("PATH: message: cause") is what the CLI prints.
public protocol FileError: Error, Sendable, CustomStringConvertible {
    var path: String? { get }
    var message: String { get }
    var cause: String? { get }
}

extension FileError {
    public var description: String {
        var text = path.map { "\($0): \(message)" } ?? message
        if let cause, !cause.isEmpty { text += ": \(cause)" }
        return text.replacingOccurrences(of: "\n", with: " ")
    }
}
