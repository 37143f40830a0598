import Foundation
import TestSupport
import Testing

@testable import Formats

/// Issue 19, defects 4, 5 and 7: what an output may replace, where it may be written, and what a
/// run that was killed leaves for the next one to clean.
@Suite struct OutputSafetyTests {
    /// A process id above Linux's largest (2^22): never alive, so its staging entries are stale.
    static let deadPID: Int32 = 4_194_399

    @Test func aRegularFileIsNotReplacedByAFolder() throws {
        let folder = try TemporaryFolder()
        let target = folder.file("astronaut")
        try Data("notes".utf8).write(to: target)
        let sink = DirectorySink(replacingFolder: target)
        try sink.write(Array("x".utf8), to: "manifest.json")
        let error = #expect(throws: FormatError.self) { try sink.commit() }
        #expect(error?.description.contains("is a file; refusing to replace it with a folder") == true)
        #expect(try String(contentsOf: target, encoding: .utf8) == "notes")
        sink.discard()
        #expect(folder.listing() == ["astronaut"])
    }

    @Test func aFIFOIsNotReplacedByAFile() throws {
        let folder = try TemporaryFolder()
        let fifo = folder.file("out.obj")
        #expect(mkfifo(fifo.path, 0o644) == 0)
        let sink = DirectorySink(directory: folder.url)
        try sink.write(Array("v 0 0 0\n".utf8), to: "out.obj")
        let error = #expect(throws: FormatError.self) { try sink.commit() }
        #expect(error?.description.contains("is a FIFO; refusing to replace it with a file") == true)
        #expect(OutputTarget.kind(of: fifo) == S_IFIFO)
        sink.discard()
        #expect(folder.listing() == ["out.obj"])
    }

    /// `OUT/textures -> elsewhere` used to carry the texture out of the output folder.
    @Test func aLinkedSubfolderCannotCarryFilesOutside() throws {
        let out = try TemporaryFolder()
        let elsewhere = try TemporaryFolder()
        try FileManager.default.createSymbolicLink(at: out.file("textures"), withDestinationURL: elsewhere.url)
        let sink = DirectorySink(directory: out.url)
        let error = #expect(throws: FormatError.self) { try sink.write([1, 2, 3], to: "textures/skin.png") }
        #expect(error?.description.contains("would be written outside the output folder") == true)
        #expect(elsewhere.listing().isEmpty)
    }

    /// A texture named like the main file used to be overwritten by it, silently.
    @Test func twoFilesUnderOneNameAreRefused() throws {
        let folder = try TemporaryFolder()
        let sink = DirectorySink(directory: folder.url)
        try sink.write([1], to: "model.obj")
        let error = #expect(throws: FormatError.self) { try sink.write([2], to: "model.obj") }
        #expect(error?.description.contains("two files of this output have the same name") == true)
    }

    @Test func staleStagingOfADeadProcessIsSweptAndAnInterruptedSwapIsUndone() throws {
        let folder = try TemporaryFolder()
        let fm = FileManager.default
        let pid = Self.deadPID
        // A kill -9 in the middle of writing, and one between the two renames of a swap.
        try fm.createDirectory(at: folder.file(".a.partial-\(pid)"), withIntermediateDirectories: false)
        try Data([1]).write(to: folder.file(".a.partial-\(pid)/texture.png"))
        try Data([2]).write(to: folder.file(".b.obj.facedetail-\(pid).tmp"))
        try fm.createDirectory(at: folder.file(".c.previous-\(pid)"), withIntermediateDirectories: false)
        try Data("old".utf8).write(to: folder.file(".c.previous-\(pid)/manifest.json"))
        // A swap whose new folder did land: the old one is garbage.
        try fm.createDirectory(at: folder.file("d"), withIntermediateDirectories: false)
        try fm.createDirectory(at: folder.file(".d.previous-\(pid)"), withIntermediateDirectories: false)
        // Entries of this (live) process and names that only look alike stay.
        let mine = ".e.partial-\(getpid())"
        try fm.createDirectory(at: folder.file(mine), withIntermediateDirectories: false)
        try Data([3]).write(to: folder.file(".notes.txt"))
        try Data([4]).write(to: folder.file(".f.partial-x"))
        // Another host's entries may belong to a run still writing on a shared file system: left
        // alone while fresh, removed once an hour old.
        let fresh = ".g.partial-\(pid)@elsewhere-node-7"
        let old = ".h.facedetail-\(pid)@elsewhere-node-7.tmp"
        try fm.createDirectory(at: folder.file(fresh), withIntermediateDirectories: false)
        try Data([5]).write(to: folder.file(old))
        try fm.setAttributes([.modificationDate: Date().addingTimeInterval(-7200)], ofItemAtPath: folder.file(old).path)
        // This host's names carry it; a dead process's is swept like the legacy form.
        let local = ".i.partial-\(pid)@\(StagingName.host)"
        try fm.createDirectory(at: folder.file(local), withIntermediateDirectories: false)
        StagingRegistry().sweep(folder.url)
        #expect(folder.listing() == [mine, ".f.partial-x", fresh, ".notes.txt", "c", "c/manifest.json", "d"])
        #expect(try String(contentsOf: folder.file("c/manifest.json"), encoding: .utf8) == "old")
    }

    @Test func rollbackRemovesWhatIsStagedAndLeavesWhatIsPublished() throws {
        let folder = try TemporaryFolder()
        let registry = StagingRegistry()
        let published = folder.file("done.obj")
        try Data([1]).write(to: published)
        let created = folder.file("new")
        _ = registry.staging(.createdFolder(created))
        try FileManager.default.createDirectory(at: created, withIntermediateDirectories: false)
        let staged = created.appendingPathComponent(".x.facedetail-1.tmp")
        _ = registry.staging(.temporary(staged))
        try Data([2]).write(to: staged)
        let finishedToken = registry.staging(.temporary(published))
        registry.finished(finishedToken)
        registry.rollBack()
        #expect(folder.listing() == ["done.obj"])
    }

    /// A signal's rollback runs while the main thread may still be writing into the staging
    /// folder: a file landing in it during the removal made the last rmdir fail, and the folder
    /// stayed (seen in CI: `.astronaut.partial-PID@HOST` after SIGTERM). Here a writer adds a file
    /// every 0.2 ms into a folder of 3000 until it can no longer open one.
    @Test func aRollbackRemovesAStagingFolderThatIsStillBeingWrittenInto() throws {
        let folder = try TemporaryFolder()
        let registry = StagingRegistry()
        let staging = folder.file(StagingName.folder(for: "face", role: "partial"))
        _ = try registry.staging(.temporary(staging)) {
            try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: false)
        }
        for i in 0..<3000 { try Data([1]).write(to: staging.appendingPathComponent("old\(i)")) }
        let stopped = DispatchSemaphore(value: 0)
        let path = staging.path
        Thread.detachNewThread {
            for i in 0... {
                let fd = open("\(path)/new\(i)", O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
                if fd < 0 { break }
                close(fd)
                usleep(200)
            }
            stopped.signal()
        }
        usleep(20_000)
        registry.rollBack()
        #expect(stopped.wait(timeout: .now() + 10) == .success)
        let left = folder.listing()
        #expect(left.isEmpty, "\(left.count) entries left, among them \(left.prefix(3))")
    }
}
