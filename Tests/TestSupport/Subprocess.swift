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

    /// Runs a checking script that writes a JSON report to the file named by `arguments(out)`,
    /// and decodes the report; a failed run throws with the end of what the tool printed.
    public static func report<Report: Decodable>(
        _ executable: String, _ arguments: (String) -> [String], as: Report.Type
    ) throws -> Report {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("report-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: out) }
        let run = try Subprocess.run(executable, arguments(out.path))
        guard run.status == 0, let data = FileManager.default.contents(atPath: out.path) else {
            throw ToolFailure(tool: executable, status: run.status, log: String(run.text.suffix(3000)))
        }
        return try JSONDecoder().decode(Report.self, from: data)
    }

    public struct ToolFailure: Error, CustomStringConvertible {
        let tool: String
        let status: Int32
        let log: String
        public var description: String { "\(tool) exited \(status):\n\(log)" }
    }
}
