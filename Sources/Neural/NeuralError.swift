/// The neural engine's one error type: what was expected, where (a file path or a tensor name),
/// and the cause.
public struct NeuralError: Error, CustomStringConvertible, Sendable {
    public enum Kind: String, Sendable {
        /// A tensor's shape or size does not fit the operation.
        case shape
        /// A weights file that cannot be parsed.
        case malformed
        /// Parsed, but not what the model needs (dtype, missing or unexpected names).
        case mismatch
        case io
    }

    public let kind: Kind
    public let path: String?
    public let message: String
    public let cause: String?

    public init(_ kind: Kind, path: String? = nil, _ message: String, cause: String? = nil) {
        self.kind = kind
        self.path = path
        self.message = message
        self.cause = cause
    }

    public var description: String {
        (path.map { "\($0): " } ?? "") + message + (cause.map { " (\($0))" } ?? "")
    }
}
