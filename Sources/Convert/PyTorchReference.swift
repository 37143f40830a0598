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
        process.arguments = [script, "--filters", filters.map(String.init).joined(separator: ","), "--runs", String(runs)]
        let output = Pipe()
        process.standardOutput = output
        do { try process.run() } catch {
            throw BenchError(path: python, message: "cannot start PyTorch's Python", cause: error.localizedDescription)
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw BenchError(path: script, message: "failed under \(python)", cause: "exit status \(process.terminationStatus)")
        }
        do { return try JSONDecoder().decode(Result.self, from: data) } catch {
            throw BenchError(path: script, message: "printed no timing JSON", cause: String(decoding: data.prefix(200), as: UTF8.self))
        }
    }
}

/// A benchmark that cannot run: what, where and why.
struct BenchError: Error, CustomStringConvertible {
    let path: String
    let message: String
    let cause: String
    var description: String { "\(path): \(message) (\(cause))" }
}
