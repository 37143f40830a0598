import Errors

/// What went wrong in the Formats module; see `FormatError`.
public enum FormatErrorCode: String, ErrorCode {
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
    /// An image's header claims more pixels than `ImageLimits` allows.
    case tooLarge
}

/// The one error type of the Formats module: what went wrong, with which file, and why.
///
/// `description` is a single line meant for users: "PATH: message: cause".
public typealias FormatError = CodedError<FormatErrorCode>

extension CodedError where Code == FormatErrorCode {
    static func invalidAsset(_ message: String) -> FormatError { FormatError(.invalidAsset, message) }
}
