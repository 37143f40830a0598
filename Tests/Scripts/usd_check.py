"""Opens USD files with usd-core (pxr) and reports what USD sees, as JSON.

Run as: python3 usd_check.py OUT.json FILE...
For each file: UsdUtils.ComplianceChecker's errors, failed checks and warnings (the type checks of
shader inputs listed apart when usd-core has no shader definitions to check them against); the stage's
metersPerUnit, upAxis and defaultPrim; per mesh its point and face counts, the material bound to it and to each
of its materialBind subsets (UsdShade's ComputeBoundMaterial) and every texture those materials'
shaders read, with whether USD resolved it; the blend shapes UsdSkel binds (`skel:blendShapes` and the BlendShape prims they target);
and the points UsdSkel poses from the skeleton's animation (its default weights), in the stage's
units.
"""
import json
import sys

from pxr import Usd, UsdGeom, UsdShade, UsdSkel, UsdUtils


def shader_definitions():
    """Whether Sdr knows UsdPreviewSurface. The usd-core wheels ship no shaderDefs.usda (OpenUSD
    issue #3983): discovery then raises once, and every shader's type conformance check can only
    say "invalid shader node"."""
    from pxr import Sdr, Tf
    try:
        return Sdr.Registry().GetShaderNodeByIdentifier("UsdPreviewSurface") is not None
    except Tf.ErrorException:
        return False


UNVERIFIABLE = "has invalid shader node"


def compliance(path, sdr):
    checker = UsdUtils.ComplianceChecker(arkit=False, skipARKitRootLayerCheck=False, rootPackageOnly=False,
                                         skipVariants=False, verbose=False)
    checker.CheckCompliance(path)
    failed = checker.GetFailedChecks()
    return {"errors": checker.GetErrors(), "warnings": checker.GetWarnings(),
            "failed": [f for f in failed if sdr or UNVERIFIABLE not in f],
            "unverifiable": [f for f in failed if not sdr and UNVERIFIABLE in f]}


def textures(material):
    found = []
    for prim in Usd.PrimRange(material.GetPrim()):
        shader = UsdShade.Shader(prim)
        if not shader or shader.GetShaderId() != "UsdUVTexture":
            continue
        asset = shader.GetInput("file").Get()
        found.append({"shader": prim.GetName(), "file": asset.path, "resolved": bool(asset.resolvedPath)})
    return found


def posed_points(stage, mesh_prim):
    """Points with the bound skeleton's blend shape weights applied (UsdSkel's own evaluation)."""
    cache = UsdSkel.Cache()
    root = UsdSkel.Root.Find(mesh_prim)
    if not root:
        return None
    cache.Populate(root, Usd.TraverseInstanceProxies())
    binding_query = None
    for binding in cache.ComputeSkelBindings(root, Usd.TraverseInstanceProxies()):
        for target in binding.GetSkinningTargets():
            if target.GetPrim() == mesh_prim:
                binding_query = (binding.GetSkeleton(), target)
    if binding_query is None:
        return None
    skeleton, skinning = binding_query
    weights = cache.GetSkelQuery(skeleton).GetAnimQuery().ComputeBlendShapeWeights(Usd.TimeCode.Default())
    shape_weights = skinning.GetBlendShapeMapper().Remap(weights)
    blend = UsdSkel.BlendShapeQuery(UsdSkel.BindingAPI(mesh_prim))
    sub_weights, blend_indices, sub_shapes = blend.ComputeSubShapeWeights(shape_weights)
    points = UsdGeom.Mesh(mesh_prim).GetPointsAttr().Get()
    blend.ComputeDeformedPoints(sub_weights, blend_indices, sub_shapes, blend.ComputeBlendShapePointIndices(),
                                blend.ComputeSubShapePointOffsets(), points)
    return [list(p) for p in points]


def inspect(path, sdr):
    report = {"compliance": compliance(path, sdr), "shaderDefinitions": sdr}
    stage = Usd.Stage.Open(path)
    report["metersPerUnit"] = UsdGeom.GetStageMetersPerUnit(stage)
    report["upAxis"] = str(UsdGeom.GetStageUpAxis(stage))
    report["defaultPrim"] = str(stage.GetDefaultPrim().GetPath()) if stage.GetDefaultPrim() else None
    meshes = []
    for prim in stage.Traverse():
        if not prim.IsA(UsdGeom.Mesh):
            continue
        mesh = UsdGeom.Mesh(prim)
        entry = {"path": str(prim.GetPath()), "points": len(mesh.GetPointsAttr().Get()),
                 "faces": len(mesh.GetFaceVertexCountsAttr().Get()),
                 "subdivisionScheme": mesh.GetSubdivisionSchemeAttr().Get()}
        material, _ = UsdShade.MaterialBindingAPI(prim).ComputeBoundMaterial()
        entry["material"] = str(material.GetPath()) if material else None
        bound = [material] if material else []
        entry["subsetMaterials"] = []
        for subset in UsdGeom.Subset.GetGeomSubsets(mesh, "face", "materialBind"):
            subset_material, _ = UsdShade.MaterialBindingAPI(subset.GetPrim()).ComputeBoundMaterial()
            entry["subsetMaterials"].append(str(subset_material.GetPath()) if subset_material else None)
            if subset_material:
                bound.append(subset_material)
        entry["textures"] = [t for m in bound for t in textures(m)]
        binding = UsdSkel.BindingAPI(prim)
        names = binding.GetBlendShapesAttr().Get()
        if names:
            targets = binding.GetBlendShapeTargetsRel().GetTargets()
            entry["blendShapes"] = list(names)
            entry["blendShapeTargetsFound"] = sum(1 for t in targets if UsdSkel.BlendShape(stage.GetPrimAtPath(t)))
            entry["posed"] = posed_points(stage, prim)
        meshes.append(entry)
    report["meshes"] = meshes
    return report


def main():
    out, files = sys.argv[1], sys.argv[2:]
    sdr = shader_definitions()
    report = {f: inspect(f, sdr) for f in files}
    with open(out, "w") as handle:
        json.dump(report, handle, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
