/// Morph targets in FBX, laid out as the FBX SDK, Blender and Maya write them:
///
///     Geometry "Mesh"  ←  Deformer "BlendShape"  ←  Deformer "BlendShapeChannel" (one per target,
///                                                   DeformPercent = default weight × 100)
///                                                ←  Geometry "Shape" (Indexes, Vertices = offsets)
///
/// Blender names each shape key after its Shape geometry and sets its value from DeformPercent;
/// Maya and Unreal read the channels as blendshapes. Offsets are in the file's unit (cm).
extension FBXSceneBuilder {
    mutating func addBlendShapes(of mesh: Mesh, toGeometry geometryID: Int64) {
        let deformerID = newID()
        addObject(
            FBXNode(
                "Deformer", [.int64(deformerID), FBXNode.objectName(mesh.name, "Deformer"), .string("BlendShape")],
                children: [FBXNode("Version", [.int32(100)])]))
        connect(deformerID, to: geometryID)
        for target in mesh.morphTargets {
            let channelID = newID()
            let shapeID = newID()
            // Blender asserts one full weight per index, or a single one for all: an empty target
            // gets none.
            let fullWeights = [Double](repeating: 100, count: target.indices.isEmpty ? 0 : 1)
            addObject(
                FBXNode(
                    "Deformer",
                    [
                        .int64(channelID), FBXNode.objectName(target.name, "SubDeformer"),
                        .string("BlendShapeChannel"),
                    ],
                    children: [
                        FBXNode("Version", [.int32(100)]),
                        FBXNode("DeformPercent", [.double(Double(target.defaultWeight) * 100)]),
                        FBXNode("FullWeights", [.doubleArray(fullWeights)]),
                    ]))
            var shape = [
                FBXNode("Version", [.int32(100)]),
                FBXNode("Indexes", [.int32Array(target.indices.map { Int32($0) })]),
                FBXNode(
                    "Vertices",
                    [.doubleArray(target.positionDeltas.flatMap { [Double($0.x), Double($0.y), Double($0.z)] })]),
            ]
            // Normal offsets, zero where the target has none: Assimp refuses a Shape without them
            // (Blender writes zeros too, and recomputes normals on import).
            let normals =
                target.normalDeltas.isEmpty ? Array(repeating: .zero, count: target.indices.count) : target.normalDeltas
            shape.append(
                FBXNode("Normals", [.doubleArray(normals.flatMap { [Double($0.x), Double($0.y), Double($0.z)] })]))
            addObject(
                FBXNode(
                    "Geometry", [.int64(shapeID), FBXNode.objectName(target.name, "Geometry"), .string("Shape")],
                    children: shape))
            connect(shapeID, to: channelID)
            connect(channelID, to: deformerID)
        }
    }
}
