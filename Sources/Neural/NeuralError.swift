import Errors

/// What went wrong in the neural engine; see `NeuralError`.
public enum NeuralErrorCode: String, ErrorCode {
    /// A tensor's shape or size does not fit the operation.
    case shape
    /// A weights file that cannot be parsed.
    case malformed
    /// Parsed, but not what the model needs (dtype, missing or unexpected names).
    case mismatch
    case io
}

/// The neural engine's one error type: what was expected, where (a file path or a tensor name),
/// and the cause.
public typealias NeuralError = CodedError<NeuralErrorCode>
