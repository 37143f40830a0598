import Foundation
import Neural

extension DetailTrainer {
    /// The tensors of `file` whose names start with `prefix`, named without it (one network's
    /// part of a checkpoint).
    static func tensors(of file: WeightsFile, under prefix: String) -> [String: Tensor] {
        Dictionary(
            uniqueKeysWithValues: file.tensors.filter { $0.key.hasPrefix(prefix) }.map {
                (String($0.key.dropFirst(prefix.count)), $0.value)
            })
    }

    /// Everything a resumed run needs: both networks (batch-norm statistics included), both
    /// optimisers' moments and step counts, the options and the log so far.
    public var checkpoint: WeightsFile {
        var tensors: [String: Tensor] = [:]
        for (k, v) in net.generator.state { tensors["generator.\(k)"] = v }
        for (k, v) in discriminator.state { tensors["discriminator.\(k)"] = v }
        for (k, v) in adamG.moments { tensors["adam.generator.\(k)"] = v }
        for (k, v) in adamD.moments { tensors["adam.discriminator.\(k)"] = v }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let counters = tensors.keys.filter { $0.hasSuffix("num_batches_tracked") }
        return WeightsFile(
            tensors: tensors,
            metadata: [
                "options": String(decoding: try! encoder.encode(options), as: UTF8.self),
                "log": String(decoding: try! encoder.encode(log), as: UTF8.self),
                "step": String(step), "adam.generator.step": String(adamG.step),
                "adam.discriminator.step": String(adamD.step),
            ], storage: Dictionary(uniqueKeysWithValues: counters.map { ($0, StorageType.i64) }))
    }

    /// Continues from `file` (a `checkpoint` of a run with the same options; only `steps` and
    /// `decaySteps` may differ, to extend a run). Errors name `path`.
    public mutating func resume(from file: WeightsFile, path: String) throws {
        func fail(_ why: String) -> ReconstructError {
            ReconstructError(
                .damagedModel, path: path, "cannot resume detail training from this checkpoint", reason: why)
        }
        guard let text = file.metadata["options"],
            var saved = try? JSONDecoder().decode(DetailTrainingOptions.self, from: Data(text.utf8)),
            let logText = file.metadata["log"],
            let savedLog = try? JSONDecoder().decode([DetailTrainingRecord].self, from: Data(logText.utf8)),
            let savedStep = file.metadata["step"].flatMap(Int.init),
            let stepG = file.metadata["adam.generator.step"].flatMap(Int.init),
            let stepD = file.metadata["adam.discriminator.step"].flatMap(Int.init)
        else { throw fail("its metadata lacks the options, log or step counts") }
        saved.steps = options.steps
        saved.decaySteps = options.decaySteps
        guard saved == options else { throw fail("it was made with other training options") }
        func part(_ prefix: String) -> [String: Tensor] { Self.tensors(of: file, under: prefix) }
        do {
            try net.generator.load(WeightsFile(tensors: part("generator.")), path: path)
            try discriminator.load(WeightsFile(tensors: part("discriminator.")), path: path)
            try adamG.restore(step: stepG, moments: part("adam.generator."))
            try adamD.restore(step: stepD, moments: part("adam.discriminator."))
        } catch {
            throw ReconstructError(
                .damagedModel, path: path, "cannot resume detail training from this checkpoint", cause: error)
        }
        step = savedStep
        log = savedLog
    }
}
