import CIsolation
import Foundation
import Synchronization
import TestSupport
import Testing

/// The bounded child that Assimp, libhdf5 and dlib read untrusted files in (`fd_run_isolated`).
/// Its time bound is CPU time: with a wall-clock deadline, dlib's 99 MB landmark predictor (read
/// twice by `model face-finder` in 6.6-6.9 CPU-seconds under ASan) was refused as "did not
/// finish within 10 s" while other
/// work shared the two cores. Serialized: the busy-machine test would starve its siblings' children.
@Suite(.serialized) struct IsolatedChildTests {
    /// Runs `work` in a child with `cpuSeconds`; the status code, the error text, the answer and
    /// the wall time.
    static func run(_ work: fd_isolated_work, cpuSeconds: Double, context: UnsafeMutableRawPointer? = nil)
        -> (code: Int32, error: String, answer: String, seconds: Double)
    {
        let library = strdup("test")
        defer { free(library) }
        var how = fd_isolation(cpu_seconds: cpuSeconds, memory_budget: 0, library: library)
        var payload: UnsafeMutablePointer<UInt8>?
        var size = 0
        var error = [CChar](repeating: 0, count: 512)
        let start = Date()
        let code = fd_run_isolated(&how, work, context, &payload, &size, &error, error.count)
        defer { fd_isolated_free(payload) }
        let text = error.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        let answer = String(decoding: UnsafeBufferPointer(start: payload, count: size), as: UTF8.self)
        return (code, text, answer, Date().timeIntervalSince(start))
    }

    /// Uses the CPU until this process (the child) has used `*context` CPU-seconds, then answers.
    static let burn: fd_isolated_work = { context, answer in
        let seconds = context!.load(as: Double.self)
        while Double(clock()) / Double(CLOCKS_PER_SEC) < seconds {}
        return fd_isolated_append(answer, "done", 4)
    }

    @Test func aLoopingChildIsStoppedByItsCPUBound() {
        var forever = 1e9
        let result = Self.run(Self.burn, cpuSeconds: 1, context: &forever)
        #expect(result.code == 4)
        // Stopped by its CPU bound, not by the wall-clock backstop (4 × 1 + 10 s).
        #expect(
            result.error == "test did not finish within 1 s of CPU time (the file is probably truncated or malformed)")
    }

    @Test func aWaitingChildIsStoppedByTheWallClockBackstop() {
        let wait: fd_isolated_work = { _, _ in
            while true { sleep(1000) }
        }
        let result = Self.run(wait, cpuSeconds: 1, context: nil)
        #expect(result.code == 4)
        #expect(result.error.contains("did not finish within 14 s of wall time"))
    }

    /// A child killed by something other than its CPU bound (here itself; the OOM killer under a
    /// cgroup's limit in practice) is a crash, not a timeout.
    @Test func aChildKilledBeforeItsBoundIsReportedAsKilled() {
        let killed: fd_isolated_work = { _, _ in
            raise(SIGKILL)
            return 1
        }
        let result = Self.run(killed, cpuSeconds: 5, context: nil)
        #expect(result.code == 5)
        #expect(result.error == "test crashed reading the file (Killed)")
    }

    /// The child keeps none of the parent's descriptors but its answer pipe: a file this process
    /// has open for writing (another test's binary being copied, say) is closed in the child.
    @Test func theChildHoldsNoneOfTheParentsFiles() throws {
        let folder = try TemporaryFolder()
        let descriptor = open(folder.file("open-for-writing").path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
        try #require(descriptor > 2)
        defer { close(descriptor) }
        var number = descriptor
        let report: fd_isolated_work = { context, answer in
            let open = fcntl(context!.load(as: Int32.self), F_GETFD) != -1
            return fd_isolated_append(answer, open ? "open" : "closed", open ? 4 : 6)
        }
        let result = Self.run(report, cpuSeconds: 5, context: &number)
        #expect(result.code == 0, "\(result.error)")
        #expect(result.answer == "closed")
    }

    /// Three busy threads per core leave the child about a third of one: 1.5 CPU-seconds of work
    /// take more than 3 s of wall time (so a 3 s wall-clock deadline would refuse it) and stay
    /// inside 3 CPU-seconds.
    @Test func workWithinTheBoundFinishesOnABusyMachine() {
        let busy = BusyThreads(count: 3 * ProcessInfo.processInfo.activeProcessorCount)
        var work = 1.5
        let result = Self.run(Self.burn, cpuSeconds: 3, context: &work)
        busy.stop()
        #expect(result.code == 0, "\(result.error)")
        #expect(result.seconds > 3, "the machine was not busy enough for the test to mean anything")
    }
}

/// Threads that keep the cores busy until stopped.
private final class BusyThreads: Sendable {
    private let stopped = Atomic<Bool>(false)

    init(count: Int) {
        for _ in 0..<count {
            Thread { [self] in
                while !stopped.load(ordering: .relaxed) {}
            }.start()
        }
    }

    func stop() { stopped.store(true, ordering: .relaxed) }
}
