import Foundation
import TestSupport
import Testing

/// Issue 19, defects 3 and 4: runs killed or interrupted half-way. Signals roll the staging back;
/// a kill -9's leftovers are swept by the next run; Assimp's child never outlives its parent.
@Suite(.serialized) struct InterruptionTests {
    /// Process ids whose command line mentions `marker`.
    static func processes(mentioning marker: String) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            guard let line = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            return String(decoding: line, as: UTF8.self).contains(marker)
        }
    }

    /// Waits up to `seconds` for `condition`, polling every millisecond.
    static func wait(_ seconds: Double, until condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(1000)
        }
        return condition()
    }

    static func launch(_ arguments: [String], environment: [String: String] = [:]) throws -> Process {
        let process = Process()
        process.executableURL = CLI.executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    static let outOfMemory = URL(fileURLWithPath: "/usr/share/assimp/models/invalid/OutOfMemory.off")

    /// The child used to keep importing under PID 1 after its parent died (one reached 15.7 GB).
    /// Here the child is given room to grow for half a minute, and the parent is killed.
    @Test(
        .enabled(if: FileManager.default.fileExists(atPath: outOfMemory.path), "needs Debian's assimp-testmodels"),
        arguments: [SIGKILL, SIGTERM])
    func assimpsChildDiesWithItsParent(signal: Int32) throws {
        let out = try TemporaryFolder()
        let marker = out.file("orphan-\(signal).obj").path
        let process = try Self.launch(
            ["convert", Self.outOfMemory.path, marker], environment: ["FACEDETAIL_ASSIMP_MEMORY_MB": "40000"])
        defer { for pid in Self.processes(mentioning: marker) { kill(pid, SIGKILL) } }
        let forked = Self.wait(20) { Self.processes(mentioning: marker).count >= 2 }
        #expect(forked, "the import child never appeared")
        kill(process.processIdentifier, signal)
        // Polled in /proc, not through waitUntilExit: Foundation's wait ends only when every
        // process holding the launch's pipe has gone, the orphan included. (A zombie's cmdline is
        // empty, so a parent not yet reaped does not count.)
        let gone = Self.wait(5) { Self.processes(mentioning: marker).isEmpty }
        #expect(gone, "left running: \(Self.processes(mentioning: marker))")
        for pid in Self.processes(mentioning: marker) { kill(pid, SIGKILL) }
        process.waitUntilExit()
        #expect(out.listing().isEmpty, "left \(out.listing())")
    }

    /// Without its memory room, the same file fails at once, with a message saying why.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: outOfMemory.path), "needs Debian's assimp-testmodels"))
    func assimpsChildHasABoundedAddressSpace() throws {
        let out = try TemporaryFolder()
        let start = Date()
        let result = try CLI.run(["convert", Self.outOfMemory.path, out.file("x.obj").path])
        #expect(result.status == 1)
        #expect(result.stderr.contains("Assimp needed more than the 8192 MB it may use"), "\(result.stderr)")
        #expect(Date().timeIntervalSince(start) < 10)
    }

    /// A reconstruct interrupted while its folder is being staged: SIGINT and SIGTERM leave the
    /// previous folder as it was and nothing beside it; a kill -9 may leave its staging, which the
    /// next run sweeps.
    @Test(arguments: [SIGINT, SIGTERM, SIGKILL])
    func interruptedReconstructKeepsThePreviousFolder(signal: Int32) throws {
        let out = try TemporaryFolder()
        let arguments = ["reconstruct", Repository.astronaut.path, "-o", out.url.path, "--detail", "none"]
        #expect(try CLI.run(arguments).status == 0)
        let manifest = out.file("astronaut/manifest.json")
        let before = try Data(contentsOf: manifest)
        let files = out.listing()
        let process = try Self.launch(arguments)
        let staging = ".astronaut.partial-\(process.processIdentifier)@"
        let staged = Self.wait(60) { out.listing().contains { $0.hasPrefix(staging) } }
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
        #expect(staged, "never saw \(staging)")
        if signal != SIGKILL {
            #expect(process.terminationReason == .exit && process.terminationStatus == 128 + signal)
            #expect(out.listing() == files, "\(out.listing())")
        }
        #expect(try Data(contentsOf: manifest) == before)
        // The next run sweeps whatever a kill -9 left, and replaces the folder.
        #expect(try CLI.run(arguments).status == 0)
        #expect(out.listing() == files, "\(out.listing())")
    }
}
