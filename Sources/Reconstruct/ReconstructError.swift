import Errors
import Formats

/// What went wrong in the Reconstruct module; see `ReconstructError`.
public enum ReconstructErrorCode: String, ErrorCode {
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
    /// Writing the outputs failed (the cause says how).
    case writeFailed
}

/// The one error type of the Reconstruct module: what went wrong, with which file, and why.
///
/// `description` is a single line for users: "PATH: message: cause".
public typealias ReconstructError = CodedError<ReconstructErrorCode>
