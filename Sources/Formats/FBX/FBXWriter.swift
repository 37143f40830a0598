/// Native binary FBX 7.4 writer: Assimp 5.2.5's binary FBX export is corrupt and Blender refuses
/// ASCII FBX (PLATFORM.md).
///
/// Geometry keeps its polygons (quads stay quads), per-corner normals, UVs with seams
/// (IndexToDirect), vertex colours and per-polygon materials. Materials carry base colour and
/// textures connected on DiffuseColor, NormalMap and DisplacementColor. Morph targets become a
/// BlendShape deformer with one BlendShapeChannel and Shape per target (`FBXBlendShapes.swift`). Lengths are centimetres
/// with `UnitScaleFactor` 1; axes are +Y up, +Z front, +X right, stated in GlobalSettings.
struct FBXWriter: MeshWriter {
    static let unit = LengthUnit.centimetre

    func write(_ asset: Asset, fileName: String, to sink: any FileSink, options: MeshWriteOptions) throws {
        try asset.validate()
        let scene = asset.converted(to: Self.unit)
        var builder = FBXSceneBuilder(materials: scene.materialsOrDefault)
        for mesh in scene.meshes where mesh.faceCount > 0 { builder.add(mesh) }
        let bytes = try FBXBinaryEncoder.encode(builder.document(creator: scene.metadata["generator"] ?? "facedetail"))
        try sink.write(bytes, to: fileName)
    }
}

extension FormatDescriptor {
    public static let fbx = FormatDescriptor(
        id: "fbx", summary: "Autodesk FBX 7.4 binary (centimetres, +Y up)", kind: .mesh, extensions: ["fbx"],
        capabilities: [
            .uvs, .normals, .vertexColors, .quads, .materials, .baseColorTexture, .normalTexture,
            .displacementTexture, .exrTextures, .unitInFile, .morphTargets,
        ],
        unitPolicy: .fixed(FBXWriter.unit), backend: "native (reads through \(AssimpBackend.versionLabel))",
        sniff: { $0.starts(with: Array("Kaydara FBX Binary".utf8)) || $0.starts(with: Array("; FBX".utf8)) },
        meshReader: AssimpMeshReader(), meshWriter: FBXWriter())
}

/// Builds the Objects and Connections of one FBX document with deterministic ids.
struct FBXSceneBuilder {
    private let materials: [Material]
    private var objects: [FBXNode] = []
    private var connections: [FBXNode] = []
    private var counts: [String: Int] = [:]
    private var nextID: Int64 = 1_000_000
    private var materialIDs: [Int: Int64] = [:]

    init(materials: [Material]) {
        self.materials = materials
    }

    mutating func newID() -> Int64 {
        nextID += 1
        return nextID
    }

    mutating func connect(_ child: Int64, to parent: Int64, property: String? = nil) {
        if let property {
            connections.append(FBXNode("C", [.string("OP"), .int64(child), .int64(parent), .string(property)]))
        } else {
            connections.append(FBXNode("C", [.string("OO"), .int64(child), .int64(parent)]))
        }
    }

    mutating func addObject(_ node: FBXNode) {
        objects.append(node)
        counts[node.name, default: 0] += 1
    }

    mutating func add(_ mesh: Mesh) {
        let used = Set(mesh.faceSizes.indices.map { Int(mesh.material(ofFace: $0)) }).sorted()
        let local = Dictionary(uniqueKeysWithValues: used.enumerated().map { ($1, Int32($0)) })
        let geometryID = newID()
        let modelID = newID()
        addObject(geometry(mesh, id: geometryID, localMaterial: local))
        if mesh.hasMorphTargets { addBlendShapes(of: mesh, toGeometry: geometryID) }
        addObject(
            FBXNode(
                "Model", [.int64(modelID), FBXNode.objectName(mesh.name, "Model"), .string("Mesh")],
                children: [
                    FBXNode("Version", [.int32(232)]),
                    FBXNode(
                        "Properties70", children: [FBXNode.p("DefaultAttributeIndex", "int", "Integer", "", .int32(0))]),
                    FBXNode("Shading", [.bool(true)]),
                    FBXNode("Culling", [.string("CullingOff")]),
                ]))
        connect(modelID, to: 0)
        connect(geometryID, to: modelID)
        for index in used { connect(materialID(index), to: modelID) }
    }

    private mutating func materialID(_ index: Int) -> Int64 {
        if let id = materialIDs[index] { return id }
        let m = materials[index]
        let id = newID()
        materialIDs[index] = id
        let color = m.baseColor
        var props = [
            FBXNode.p("ShadingModel", "KString", "", "", .string("Phong")),
            FBXNode.p(
                "DiffuseColor", "Color", "", "A", .double(Double(color.x)), .double(Double(color.y)),
                .double(Double(color.z))),
            FBXNode.p("DiffuseFactor", "Number", "", "A", .double(1)),
            FBXNode.p("TransparencyFactor", "Number", "", "A", .double(Double(1 - color.w))),
            FBXNode.p("Opacity", "double", "Number", "", .double(Double(color.w))),
            FBXNode.p("DisplacementFactor", "Number", "", "A", .double(Double(m.displacementScale))),
        ]
        if let r = m.roughness {
            // Phong exponent whose Blender reading (1 − √exponent / 10) gives back the roughness.
            let exponent = Double((1 - r) * 10) * Double((1 - r) * 10)
            props.append(FBXNode.p("ShininessExponent", "Number", "", "A", .double(exponent)))
        }
        addObject(
            FBXNode(
                "Material", [.int64(id), FBXNode.objectName(m.name, "Material"), .string("")],
                children: [
                    FBXNode("Version", [.int32(102)]),
                    FBXNode("ShadingModel", [.string("phong")]),
                    FBXNode("MultiLayer", [.int32(0)]),
                    FBXNode("Properties70", children: props),
                ]))
        let slots: [(TextureSlot, String)] = [
            (.baseColor, "DiffuseColor"), (.normal, "NormalMap"),
            (.displacement, "DisplacementColor"),
        ]
        for (slot, property) in slots {
            if let path = m[texture: slot] {
                connect(texture(path, name: "\(m.name)_\(slot.rawValue)"), to: id, property: property)
            }
        }
        return id
    }

    private mutating func texture(_ path: String, name: String) -> Int64 {
        let textureID = newID()
        let videoID = newID()
        addObject(
            FBXNode(
                "Video", [.int64(videoID), FBXNode.objectName(name, "Video"), .string("Clip")],
                children: [
                    FBXNode("Type", [.string("Clip")]),
                    FBXNode("Properties70", children: [FBXNode.p("Path", "KString", "XRefUrl", "", .string(path))]),
                    FBXNode("UseMipMap", [.int32(0)]),
                    FBXNode("Filename", [.string(path)]),
                    FBXNode("RelativeFilename", [.string(path)]),
                ]))
        addObject(
            FBXNode(
                "Texture", [.int64(textureID), FBXNode.objectName(name, "Texture"), .string("")],
                children: [
                    FBXNode("Type", [.string("TextureVideoClip")]),
                    FBXNode("Version", [.int32(202)]),
                    FBXNode("TextureName", [FBXNode.objectName(name, "Texture")]),
                    FBXNode(
                        "Properties70",
                        children: [
                            FBXNode.p("UVSet", "KString", "", "", .string("UVMap")),
                            FBXNode.p("UseMaterial", "bool", "", "", .int32(1)),
                        ]),
                    FBXNode("Media", [FBXNode.objectName(name, "Video")]),
                    FBXNode("FileName", [.string(path)]),
                    FBXNode("RelativeFilename", [.string(path)]),
                    FBXNode("ModelUVTranslation", [.double(0), .double(0)]),
                    FBXNode("ModelUVScaling", [.double(1), .double(1)]),
                    FBXNode("Texture_Alpha_Source", [.string("None")]),
                    FBXNode("Cropping", [.int32(0), .int32(0), .int32(0), .int32(0)]),
                ]))
        connect(videoID, to: textureID)
        return textureID
    }

    private func geometry(_ mesh: Mesh, id: Int64, localMaterial: [Int: Int32]) -> FBXNode {
        let offsets = mesh.faceOffsets
        var polygonIndex = [Int32](repeating: 0, count: mesh.cornerCount)
        for f in mesh.faceSizes.indices {
            for c in offsets[f]..<offsets[f + 1] {
                let v = Int32(mesh.faceVertexIndices[c])
                // The last corner of each polygon is stored as −(index + 1).
                polygonIndex[c] = c == offsets[f + 1] - 1 ? ~v : v
            }
        }
        var children = [
            FBXNode("Properties70"),
            FBXNode("GeometryVersion", [.int32(124)]),
            // The base shape: a blend shape's weight adds to it (`MorphTarget`).
            FBXNode(
                "Vertices", [.doubleArray(mesh.basePositions.flatMap { [Double($0.x), Double($0.y), Double($0.z)] })]),
            FBXNode("PolygonVertexIndex", [.int32Array(polygonIndex)]),
        ]
        var layer: [FBXNode] = [FBXNode("Version", [.int32(100)])]
        func layerElement(
            _ type: String, version: Int32, name: String, mapping: String, reference: String,
            _ data: [FBXNode]
        ) -> FBXNode {
            layer.append(
                FBXNode(
                    "LayerElement", children: [FBXNode("Type", [.string(type)]), FBXNode("TypedIndex", [.int32(0)])]))
            return FBXNode(
                type, [.int32(0)],
                children: [
                    FBXNode("Version", [.int32(version)]), FBXNode("Name", [.string(name)]),
                    FBXNode("MappingInformationType", [.string(mapping)]),
                    FBXNode("ReferenceInformationType", [.string(reference)]),
                ] + data)
        }
        if mesh.hasNormals {
            let normals = mesh.faceVertexIndices.flatMap { i -> [Double] in
                let n = mesh.normals[Int(i)]
                return [Double(n.x), Double(n.y), Double(n.z)]
            }
            children.append(
                layerElement(
                    "LayerElementNormal", version: 102, name: "", mapping: "ByPolygonVertex",
                    reference: "Direct", [FBXNode("Normals", [.doubleArray(normals)])]))
        }
        if !mesh.colors.isEmpty {
            children.append(
                layerElement(
                    "LayerElementColor", version: 101, name: "Col", mapping: "ByPolygonVertex",
                    reference: "IndexToDirect",
                    [
                        FBXNode(
                            "Colors",
                            [
                                .doubleArray(
                                    mesh.colors.flatMap { [Double($0.x), Double($0.y), Double($0.z), Double($0.w)] })
                            ]),
                        FBXNode("ColorIndex", [.int32Array(mesh.faceVertexIndices.map { Int32($0) })]),
                    ]))
        }
        if mesh.hasUVs {
            children.append(
                layerElement(
                    "LayerElementUV", version: 101, name: "UVMap", mapping: "ByPolygonVertex",
                    reference: "IndexToDirect",
                    [
                        FBXNode("UV", [.doubleArray(mesh.uvs.flatMap { [Double($0.x), Double($0.y)] })]),
                        FBXNode("UVIndex", [.int32Array(mesh.faceUVIndices.map { Int32($0) })]),
                    ]))
        }
        let perFace = mesh.faceSizes.indices.map { localMaterial[Int(mesh.material(ofFace: $0))] ?? 0 }
        children.append(
            layerElement(
                "LayerElementMaterial", version: 101, name: "", mapping: "ByPolygon",
                reference: "IndexToDirect", [FBXNode("Materials", [.int32Array(perFace)])]))
        children.append(FBXNode("Layer", [.int32(0)], children: layer))
        return FBXNode(
            "Geometry", [.int64(id), FBXNode.objectName(mesh.name, "Geometry"), .string("Mesh")], children: children)
    }

    /// The whole document: header, global settings (units, axes), definitions, objects, connections.
    func document(creator: String) -> [FBXNode] {
        let timeStamp = FBXNode(
            "CreationTimeStamp",
            children: [
                FBXNode("Version", [.int32(1000)]), FBXNode("Year", [.int32(1970)]), FBXNode("Month", [.int32(1)]),
                FBXNode("Day", [.int32(1)]), FBXNode("Hour", [.int32(10)]), FBXNode("Minute", [.int32(0)]),
                FBXNode("Second", [.int32(0)]), FBXNode("Millisecond", [.int32(0)]),
            ])
        let header = FBXNode(
            "FBXHeaderExtension",
            children: [
                FBXNode("FBXHeaderVersion", [.int32(1003)]),
                FBXNode("FBXVersion", [.int32(Int32(FBXBinaryEncoder.version))]),
                FBXNode("EncryptionType", [.int32(0)]), timeStamp, FBXNode("Creator", [.string(creator)]),
            ])
        func int(_ name: String, _ value: Int32) -> FBXNode { FBXNode.p(name, "int", "Integer", "", .int32(value)) }
        func double(_ name: String, _ value: Double) -> FBXNode {
            FBXNode.p(name, "double", "Number", "", .double(value))
        }
        let global = FBXNode(
            "GlobalSettings",
            children: [
                FBXNode("Version", [.int32(1000)]),
                FBXNode(
                    "Properties70",
                    children: [
                        int("UpAxis", 1), int("UpAxisSign", 1), int("FrontAxis", 2), int("FrontAxisSign", 1),
                        int("CoordAxis", 0), int("CoordAxisSign", 1), int("OriginalUpAxis", 1),
                        int("OriginalUpAxisSign", 1),
                        double("UnitScaleFactor", 1), double("OriginalUnitScaleFactor", 1),
                        FBXNode.p("AmbientColor", "ColorRGB", "Color", "", .double(0), .double(0), .double(0)),
                        FBXNode.p("DefaultCamera", "KString", "", "", .string("Producer Perspective")),
                        FBXNode.p("TimeMode", "enum", "", "", .int32(11)),
                        FBXNode.p("TimeSpanStart", "KTime", "Time", "", .int64(0)),
                        FBXNode.p("TimeSpanStop", "KTime", "Time", "", .int64(46_186_158_000)),
                        double("CustomFrameRate", 24),
                    ]),
            ])
        let documents = FBXNode(
            "Documents",
            children: [
                FBXNode("Count", [.int32(1)]),
                FBXNode(
                    "Document", [.int64(1_000_000), .string("Scene"), .string("Scene")],
                    children: [
                        FBXNode(
                            "Properties70",
                            children: [
                                FBXNode.p("SourceObject", "object", "", ""),
                                FBXNode.p("ActiveAnimStackName", "KString", "", "", .string("")),
                            ]),
                        FBXNode("RootNode", [.int64(0)]),
                    ]),
            ])
        let types = ["Model", "Geometry", "Material", "Texture", "Video", "Deformer"].filter { counts[$0] != nil }
        let definitions = FBXNode(
            "Definitions",
            children: [
                FBXNode("Version", [.int32(100)]),
                FBXNode("Count", [.int32(Int32(counts.values.reduce(1, +)))]),
                FBXNode("ObjectType", [.string("GlobalSettings")], children: [FBXNode("Count", [.int32(1)])]),
            ]
                + types.map {
                    FBXNode("ObjectType", [.string($0)], children: [FBXNode("Count", [.int32(Int32(counts[$0]!))])])
                })
        return [
            header,
            FBXNode("FileId", [.raw(FBXBinaryEncoder.fileID)]),
            FBXNode("CreationTime", [.string(FBXBinaryEncoder.creationTime)]),
            FBXNode("Creator", [.string(creator)]),
            global, documents, FBXNode("References"), definitions,
            FBXNode("Objects", children: objects),
            FBXNode("Connections", children: connections),
        ]
    }
}
