import ArgumentParser

/// The `facedetail` command: one face photo in, production 3D assets out; and a converter.
@main
struct Facedetail: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "facedetail",
        abstract: "Turn face photos into 3D assets, and convert assets between formats.",
        discussion: """
            Exit codes: 0 every input succeeded; 1 at least one input failed (each failure is one \
            line on stderr naming the file); 2 (landmarks, reconstruct) the only failures were \
            photos without a face; 64 the command line itself is wrong.
            """,
        subcommands: [FormatsCommand.self, ConvertCommand.self, DisplaceCommand.self, NormalMapCommand.self, LandmarksCommand.self, ModelCommand.self, ReconstructCommand.self, BenchCommand.self]
    )
}
