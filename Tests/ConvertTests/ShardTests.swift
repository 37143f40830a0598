import Foundation
import TestSupport
import Testing

/// Issue 19, scale: `reconstruct --manifest LIST --shard I/N` gives the same folders whichever way
/// the list is cut, a summary line per photo, and a retried shard redoes nothing.
@Suite struct ShardTests {
    /// A list of three photos and a damaged one, in `work/photos`, listed relative to the list.
    static func list(in work: TemporaryFolder) throws -> URL {
        try FileManager.default.createDirectory(at: work.file("photos"), withIntermediateDirectories: true)
        for name in ["a", "b", "c"] {
            try FileManager.default.copyItem(at: Samples.astronaut, to: work.file("photos/\(name).png"))
        }
        try Data("not a photo".utf8).write(to: work.file("photos/broken.png"))
        try Data("# one path per line\nphotos/a.png\nphotos/broken.png\n\nphotos/b.png\nphotos/c.png\n".utf8)
            .write(to: work.file("list.txt"))
        return work.file("list.txt")
    }

    static func summary(_ url: URL) throws -> [[String: String]] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String])
        }
    }

    @Test func oneShardAndTwoShardsWriteTheSameFolders() throws {
        let work = try TemporaryFolder()
        let list = try Self.list(in: work)
        let options = ["--proxy-only", "--uv-size", "512", "--fit", "landmarks"]
        let whole = try CLI.run(["reconstruct", "--manifest", list.path, "-o", work.file("one").path] + options)
        #expect(whole.status == 1 && whole.stderrLines.count == 1 && whole.stderr.contains("broken.png"))
        for shard in ["0/2", "1/2"] {
            let part = try CLI.run(
                ["reconstruct", "--manifest", list.path, "--shard", shard, "-o", work.file("two").path] + options)
            // Shard 0 takes a.png and b.png; shard 1 broken.png and c.png.
            #expect(part.status == (shard == "0/2" ? 0 : 1), "\(shard): \(part.stderr)")
        }
        let one = work.listing().filter { $0.hasPrefix("one/") && !$0.hasSuffix(".jsonl") }
        let two = work.listing().filter { $0.hasPrefix("two/") && !$0.hasSuffix(".jsonl") }
        #expect(one.map { $0.dropFirst(4) } == two.map { $0.dropFirst(4) })
        #expect(one.contains("one/c/manifest.json") && !one.contains { $0.hasPrefix("one/broken") })
        for file in one where !file.hasSuffix("/a") && !file.hasSuffix("/b") && !file.hasSuffix("/c") {
            #expect(
                try Data(contentsOf: work.file(file)) == Data(contentsOf: work.file("two" + file.dropFirst(3))),
                "\(file)")
        }
        let statuses = try Self.summary(work.file("one/shard-0-of-1.jsonl")).map { $0["name"]! + ":" + $0["status"]! }
        #expect(statuses == ["a:done", "broken:failed", "b:done", "c:done"])
        let second = try Self.summary(work.file("two/shard-1-of-2.jsonl"))
        #expect(second.map { $0["name"]! } == ["broken", "c"])
        #expect(second[0]["error"]?.contains("broken.png: cannot be read as a photo") == true)

        // A retried shard finds its folders up to date and leaves them alone.
        let before = try Data(contentsOf: work.file("two/a/manifest.json"))
        let retry = try CLI.run(
            ["reconstruct", "--manifest", list.path, "--shard", "0/2", "-o", work.file("two").path] + options)
        #expect(retry.status == 0 && retry.stdout.contains("is up to date"), "\(retry.stdout)")
        #expect(
            try Self.summary(work.file("two/shard-0-of-2.jsonl")).map { $0["status"]! } == ["upToDate", "upToDate"])
        #expect(try Data(contentsOf: work.file("two/a/manifest.json")) == before)
    }

    @Test func listsAreCheckedWhole() throws {
        let work = try TemporaryFolder()
        try FileManager.default.createDirectory(at: work.file("x"), withIntermediateDirectories: true)
        try Data("x/a.png\na.png\n".utf8).write(to: work.file("list.txt"))
        let clash = try CLI.run([
            "reconstruct", "--manifest", work.file("list.txt").path, "--shard", "1/2", "-o", work.file("out").path,
        ])
        #expect(clash.status == 1 && clash.stderr.contains("its outputs would overwrite those of"), "\(clash.stderr)")
        for (arguments, says) in [
            (["--shard", "2/2"], "--shard"), (["--shard", "0/2"], "--shard needs --manifest LIST"),
            ([], "give photos or --manifest LIST"),
        ] {
            let extra =
                arguments.first == "--shard" && says == "--shard" ? ["--manifest", work.file("list.txt").path] : []
            let result = try CLI.run(["reconstruct", "-o", work.file("out").path] + extra + arguments)
            #expect(result.status == 64 && result.stderr.contains(says), "\(arguments): \(result.stderr)")
        }
    }
}
