/// Writes through one of Assimp's exporters, for the formats whose 5.2.5 exporter is sound
/// (PLATFORM.md): the main file and its sidecars come back in memory and go to the sink.
struct AssimpMeshWriter: MeshWriter {
    /// Assimp's exporter id ("gltf2", "glb2", "collada", "ply", "plyb", "stl", "stlb", "3mf").
    let exporterID: String
    let unitPolicy: UnitPolicy
    /// glTF, STL and 3MF hold triangles only.
    let trianglesOnly: Bool
    /// False where the exporter mangles vertex colours: they are left out instead.
    let keepsVertexColors: Bool
    /// PLY holds one mesh and no per-face materials, and Assimp 5.2.5's binary PLY exporter does
    /// not offset the face indices of a second mesh: hand it one mesh with the first material.
    let singleMesh: Bool

    func write(_ asset: Asset, fileName: String, to sink: any FileSink, options: MeshWriteOptions) throws {
        try asset.validate()
        let unit: LengthUnit =
            switch unitPolicy {
            case .fixed(let unit): unit
            case .unitless: options.unitlessFormatUnit
            }
        var prepared = asset.converted(to: unit)
        prepared.meshes = prepared.meshes.map { mesh in
            var m = trianglesOnly ? mesh.triangulated() : mesh
            if !m.hasNormals { m = m.withGeneratedNormals() }
            if !keepsVertexColors { m.colors = [] }
            return m
        }
        if singleMesh && (prepared.meshes.count > 1 || prepared.meshes.contains { Set($0.faceMaterials).count > 1 }) {
            var merged = Mesh(merging: prepared.meshes)
            let first = Int(merged.material(ofFace: 0))
            merged.faceMaterials = []
            prepared.meshes = [merged]
            prepared.materials = [prepared.materialsOrDefault[first]]
        }
        let files = try AssimpBackend.export(prepared, formatID: exporterID, fileName: fileName)
        guard files.contains(where: { $0.name == fileName }) else {
            throw FormatError(
                .writeFailed, path: fileName, "Assimp's '\(exporterID)' exporter wrote no main file",
                reason: "it wrote: \(files.map(\.name).joined(separator: ", "))")
        }
        for file in files { try sink.write(ExportScrubber.scrub(file.bytes, exporterID: exporterID), to: file.name) }
    }
}
