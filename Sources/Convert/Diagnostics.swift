import Foundation

/// Messages for people on stderr; stdout is kept for results.
enum Diagnostics {
    static func warn(_ message: String) {
        FileHandle.standardError.write(Data("warning: \(message)\n".utf8))
    }

    /// Prints one line naming the file and the problem, and exits with status 1.
    static func fail(_ error: any Error) -> Never {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        exit(1)
    }
}
