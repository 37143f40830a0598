import Formats

/// The one error type of the Reconstruct module: what went wrong, with which file, and why.
///
/// `description` is a single line for users: "PATH: message: cause".
public struct ReconstructError: FileError, Equatable {
    public enum Code: String, Sendable {
        /// A photo could not be read or decoded.
        case unreadablePhoto
        /// The photo was read but holds no face the detector finds.
        case noFace
        /// A face was found but cannot be fitted: too small, or seen in profile.
        case unfittableFace
        /// A model or data file (landmark predictor, `.fdmodel`, ICT folder) is missing or unreadable.
        case missingData
        /// A model file is damaged (checksum, truncation, inconsistent sections).
        case damagedModel
        /// A model file was written by an incompatible version of facedetail.
        case modelVersion
        /// An argument is outside what the operation accepts.
        case invalidArgument
        /// A native library failed.
        case library
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

    /// Keeps a Formats error's path, message and cause under one of this module's codes.
    init(_ code: Code, wrapping error: FormatError, path: String) {
        self.init(code, path: error.path ?? path, error.message, cause: error.cause)
    }
}
