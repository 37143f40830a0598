import Foundation
import TestSupport
import Testing

/// Issue 19, install: an installed binary finds its models beside its prefix from any folder, and
/// a missing model's error lists every place it looked. (`scripts/check-install.sh`, run by CI,
/// checks `make install` itself, the man page and the completions.)
@Suite struct InstallTests {
    /// Runs `binary ARGS` in `folder` with the environment's FACEDETAIL_MODEL_DIR removed.
    static func run(_ binary: URL, _ arguments: [String], in folder: URL) throws -> (status: Int32, stderr: String) {
        // A child that fd_run_isolated forked for a concurrent test (libhdf5's, dlib's) holds a copy
        // of every descriptor until it exits, the copy's write descriptor included: exec then
        // fails with "Text file busy" for a moment (seen under ASan, whose children live longer).
        for attempt in 0... {
            let process = Process()
            process.executableURL = binary
            process.arguments = arguments
            process.currentDirectoryURL = folder
            process.environment = ProcessInfo.processInfo.environment.filter { $0.key != "FACEDETAIL_MODEL_DIR" }
            process.standardOutput = FileHandle.nullDevice
            let err = Pipe()
            process.standardError = err
            do {
                try process.run()
            } catch let error as NSError
                where (error.userInfo[NSUnderlyingErrorKey] as? NSError)?.code == Int(ETXTBSY) && attempt < 300
            {
                usleep(100_000)
                continue
            }
            let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return (process.terminationStatus, stderr)
        }
        fatalError("unreachable")
    }

    @Test func anInstalledBinaryFindsItsModelsFromAnyFolder() throws {
        let prefix = try TemporaryFolder()
        let fm = FileManager.default
        try fm.createDirectory(at: prefix.file("bin"), withIntermediateDirectories: true)
        try fm.createDirectory(at: prefix.file("share/facedetail"), withIntermediateDirectories: true)
        // Written through a close-on-exec descriptor: a copy whose descriptor a process launched by a
        // concurrent test inherits cannot be executed until that process execs ("Text file busy").
        let binary = try Data(contentsOf: CLI.executable)
        let fd = open(prefix.file("bin/facedetail").path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o755)
        #expect(fd >= 0)
        let written = binary.withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
        #expect(written == binary.count && close(fd) == 0)
        try fm.createSymbolicLink(
            at: prefix.file("share/facedetail/models"),
            withDestinationURL: Repository.root.appendingPathComponent("models"))
        let elsewhere = try TemporaryFolder()
        let found = try Self.run(
            prefix.file("bin/facedetail"), ["landmarks", Samples.astronaut.path], in: elsewhere.url)
        #expect(found.status == 0, "\(found.stderr)")
        // The binary of the checkout has no share/ beside it: it looks in ./models, and says so.
        let missing = try Self.run(
            CLI.executable, ["reconstruct", Samples.astronaut.path, "-o", elsewhere.file("out").path],
            in: elsewhere.url)
        #expect(missing.status == 1)
        #expect(
            missing.stderr.contains(
                "looked for ict-face.fdmodel in \(elsewhere.url.path)/models ($FACEDETAIL_MODEL_DIR is not set)"),
            "\(missing.stderr)")
    }
}
