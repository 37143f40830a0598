import Foundation

/// Runs a tool the tests check against (exrheader, make, Blender) and collects what it printed.
public enum Subprocess {
    public struct Output {
        public let status: Int32
        /// stdout, then stderr when `mergeErrors` was asked for.
        public let text: String
    }

    public static func run(_ executable: String, _ arguments: [String], mergeErrors: Bool = true) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = mergeErrors ? pipe : FileHandle.nullDevice
        try process.run()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return Output(status: process.terminationStatus, text: text)
    }
}
