import Errors
import Foundation
import Reconstruct

/// How a batch of inputs went, and the exit code that tells a Makefile: 0 all succeeded;
/// 1 at least one input failed to read or process; 2 every input was read but at least one photo
/// had no face (and nothing else failed).
struct BatchOutcome {
    private(set) var failures = 0
    private(set) var faceless = 0
    /// The error of each path that failed.
    private(set) var errors: [String: any Error] = [:]

    /// Reports `error` on stderr (one line naming the file) and counts it.
    mutating func record(_ error: any Error, for path: String) {
        Diagnostics.report(error)
        errors[path] = error
        if ExitStatus.of(error) == .noFace { faceless += 1 } else { failures += 1 }
    }

    var status: ExitStatus {
        if failures > 0 { return .inputFailed }
        return faceless > 0 ? .noFace : .success
    }

    /// Ends the command with the batch's exit status when anything failed.
    func finish() throws {
        if status != .success { throw BatchFailed(status: status) }
    }
}

/// Progress for long batches on stderr ("[3/20] photo.jpg"), only when stderr is a terminal or
/// `FACEDETAIL_PROGRESS=1`, so logs of scripted runs stay clean.
struct Progress {
    let total: Int
    private let enabled: Bool

    init(total: Int) {
        self.total = total
        enabled = total > 1 && (isatty(2) != 0 || ProcessInfo.processInfo.environment["FACEDETAIL_PROGRESS"] == "1")
    }

    func step(_ index: Int, _ name: String) {
        guard enabled else { return }
        FileHandle.standardError.write(Data("[\(index + 1)/\(total)] \(escapingControls(name))\n".utf8))
    }
}

/// Runs `body` on each photo of a batch: progress on stderr, a refusal when two photos would write
/// the same outputs (same file name without extension, `uniqueNames`), and every failure recorded
/// without stopping the batch.
func forEachPhoto(_ paths: [String], uniqueNames: Bool, _ body: (_ url: URL, _ name: String) throws -> Void)
    -> BatchOutcome
{
    var outcome = BatchOutcome()
    var claimed: [String: String] = [:]
    let progress = Progress(total: paths.count)
    for (index, path) in paths.enumerated() {
        progress.step(index, path)
        let url = URL(fileURLWithPath: path)
        let name = url.deletingPathExtension().lastPathComponent
        do {
            if uniqueNames, let other = claimed[name] {
                throw ReconstructError(
                    .invalidArgument, path: path, "its outputs would overwrite those of \(other)",
                    reason: "photos in one batch need different file names")
            }
            claimed[name] = path
            try body(url, name)
        } catch {
            outcome.record(error, for: path)
        }
    }
    return outcome
}
