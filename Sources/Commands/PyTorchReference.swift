import Foundation

/// PyTorch's times for the same U-Nets, from benchmarks/pytorch_unet.py run as a child process
/// (so both engines are measured in one run on one machine).
enum PyTorchReference {
    struct Times: Decodable {
        let forwardMs: Double
        let forwardBackwardMs: Double
        let adamMs: Double
    }

    struct Result: Decodable {
        let version: String
        let threads: Int
        let networks: [String: Times]
    }

    static let script = "benchmarks/pytorch_unet.py"

    static func run(python: String, filters: [Int], runs: Int) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [
            script, "--filters", filters.map(String.init).joined(separator: ","), "--runs", String(runs),
        ]
        let output = Pipe()
        process.standardOutput = output
        do { try process.run() } catch {
            throw CommandError(.helperFailed, path: python, "cannot start PyTorch's Python", cause: error)
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CommandError(
                .helperFailed, path: script, "failed under \(python)",
                reason: "exit status \(process.terminationStatus)")
        }
        do { return try JSONDecoder().decode(Result.self, from: data) } catch {
            throw CommandError(.helperFailed, path: script, "printed no timing JSON", cause: error)
        }
    }
}
