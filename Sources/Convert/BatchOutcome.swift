import ArgumentParser
import Foundation
import Reconstruct

/// How a batch of inputs went, and the exit code that tells a Makefile: 0 all succeeded;
/// 1 at least one input failed to read or process; 2 every input was read but at least one photo
/// had no face (and nothing else failed).
struct BatchOutcome {
    private(set) var failures = 0
    private(set) var faceless = 0

    /// Reports `error` on stderr (one line naming the file) and counts it.
    mutating func record(_ error: any Error) {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        if let e = error as? ReconstructError, e.code == .noFace { faceless += 1 } else { failures += 1 }
    }

    var exitCode: ExitCode {
        if failures > 0 { return ExitCode(1) }
        return faceless > 0 ? ExitCode(2) : .success
    }

    /// Ends the command with the batch's exit code when anything failed.
    func finish() throws {
        if exitCode != .success { throw exitCode }
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
        FileHandle.standardError.write(Data("[\(index + 1)/\(total)] \(name)\n".utf8))
    }
}
