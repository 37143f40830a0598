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
                FBXNode("Vertices", [.doubleArray(Self.doubles(target.positionDeltas))]),
            ]
            // Normal offsets, zero where the target has none: Assimp refuses a Shape without them
            // (Blender writes zeros too, and recomputes normals on import).
            shape.append(
                FBXNode(
                    "Normals",
                    [
                        target.normalDeltas.isEmpty
                            ? .zeroDoubleArray(3 * target.indices.count)
                            : .doubleArray(Self.doubles(target.normalDeltas))
                    ]))
            addObject(
                FBXNode(
                    "Geometry", [.int64(shapeID), FBXNode.objectName(target.name, "Geometry"), .string("Shape")],
                    children: shape))
            connect(shapeID, to: channelID)
            connect(channelID, to: deformerID)
        }
    }

    /// xyz of each vector as doubles, in one array (no array per vector: a rigged detailed mesh has
    /// millions of offsets).
    static func doubles(_ vectors: [SIMD3<Float>]) -> [Double] {
        var out = [Double]()
        out.reserveCapacity(3 * vectors.count)
        for v in vectors {
            out.append(Double(v.x))
            out.append(Double(v.y))
            out.append(Double(v.z))
        }
        return out
    }
}
