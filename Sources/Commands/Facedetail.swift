import ArgumentParser
import Errors
import Formats
import Foundation
import Reconstruct

/// The `facedetail` command: one face photo in, production 3D assets out; and a converter.
public struct Facedetail: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "facedetail",
        abstract: "Turn face photos into 3D assets, and convert assets between formats.",
        discussion: """
            Exit codes: 0 every input succeeded; 1 at least one input failed (each failure is one \
            line on stderr naming the file); 2 (landmarks, reconstruct) the only failures were \
            photos without a face; 64 the command line itself is wrong.
            """,
        subcommands: [
            FormatsCommand.self, ConvertCommand.self, DisplaceCommand.self, NormalMapCommand.self,
            LandmarksCommand.self, EmotionCommand.self,
            ModelCommand.self, ReconstructCommand.self, TrainCommand.self, BenchCommand.self,
        ]
    )

    public init() {}

    /// Parses and runs a command; the one place errors become exit codes (`ExitStatus`).
    public static func main() {
        let command: any ParsableCommand
        do {
            try rejectDashedFileNames(CommandLine.arguments.dropFirst())
            command = try parseAsRoot()
        } catch {
            exit(withError: error)  // usage errors: ArgumentParser's message, exit 64
        }
        // Interrupted runs leave nothing half-written (issue 19): staged outputs are rolled back.
        StagingRegistry.shared.rollBackOnSignalsOnce()
        do {
            var running = command
            try running.run()
            if !Diagnostics.finishStandardOutput() { Foundation.exit(ExitStatus.inputFailed.rawValue) }
        } catch let failed as BatchFailed {
            _ = Diagnostics.finishStandardOutput()
            Foundation.exit(failed.status.rawValue)
        } catch let error as any ContextualError {
            Diagnostics.report(error)
            Foundation.exit(ExitStatus.of(error).rawValue)
        } catch {
            type(of: command).exit(withError: error)  // ExitCode, CleanExit, ValidationError raised while running
        }
    }
}

/// A single-dash word longer than an option (`-dash.png`) is taken by the parser as a cluster of
/// short options, `-h` among them, and the run printed help and exited 0 having done nothing.
/// Refused as a usage error, unless it comes after `--` or is a negative number (a value).
public func rejectDashedFileNames(_ arguments: ArraySlice<String>) throws {
    for argument in arguments {
        if argument == "--" { return }
        guard argument.hasPrefix("-"), !argument.hasPrefix("--"), argument.count > 2,
            Double(argument) == nil
        else { continue }
        throw ValidationError(
            "'\(escapingControls(argument))' is not an option; if it is a file name, put -- before it (facedetail reconstruct -o OUT -- \(escapingControls(argument)))"
        )
    }
}

/// The documented exit codes (`facedetail --help`, README).
enum ExitStatus: Int32 {
    case success = 0
    /// At least one input could not be read or processed.
    case inputFailed = 1
    /// Every input was read, but at least one photo had no face (and nothing else failed).
    case noFace = 2
    /// The command line is wrong (ArgumentParser's own code for validation errors).
    case usage = 64

    /// The status a single unhandled error ends the command with.
    static func of(_ error: any Error) -> ExitStatus {
        (error as? ReconstructError)?.code == .noFace ? .noFace : .inputFailed
    }
}

/// Thrown by a batch command after it has reported each failure: ends it with `status`.
struct BatchFailed: Error {
    let status: ExitStatus
}
