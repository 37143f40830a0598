"""Imports mesh files in Blender (headless) and reports what Blender sees, as JSON.

Run as: blender -b --factory-startup --python blender_import_check.py -- OUT.json FILE...
For each file: mesh objects, vertex and polygon counts (after merging Blender's duplicate
vertices by distance 0, i.e. as imported), UV layers, and per material the images wired to the
Principled BSDF's Base Color and (through a Normal Map node) Normal inputs, and whether each image
loaded pixels; shape keys by name with their values.

With `--probe PROBE.json` before OUT.json, each file's shape keys are also evaluated through the
depsgraph, as Blender shows them: PROBE holds "points" (world coordinates, metres, Blender's Z up)
and "key" (a shape key name). For each point the report gives its distance to the nearest vertex
at the imported (default) key values, and how far that vertex moves between every key at 0 and
only "key" at 1.
"""
import json
import os
import sys

import bpy

# Blender 3.4's glTF importer uses numpy.bool, which Debian's numpy no longer has.
try:
    import numpy
    if not hasattr(numpy, "bool"):
        numpy.bool = bool
except ImportError:  # Blender's glTF importer then fails on its own and says so in the report
    pass

IMPORTERS = {
    ".fbx": lambda p: bpy.ops.import_scene.fbx(filepath=p),
    ".obj": lambda p: bpy.ops.wm.obj_import(filepath=p),
    ".gltf": lambda p: bpy.ops.import_scene.gltf(filepath=p),
    ".glb": lambda p: bpy.ops.import_scene.gltf(filepath=p),
    ".dae": lambda p: bpy.ops.wm.collada_import(filepath=p),
    ".ply": lambda p: bpy.ops.import_mesh.ply(filepath=p),
    ".stl": lambda p: bpy.ops.import_mesh.stl(filepath=p),
}


def linked_image(socket, through_normal_map=False):
    """The image feeding `socket`, following a Normal Map node when asked."""
    if not socket.is_linked:
        return None
    node = socket.links[0].from_node
    # glTF's base colour factor arrives as a multiply node between the image and the BSDF.
    while node.type in ("MIX_RGB", "MIX") and not through_normal_map:
        linked = [s for s in node.inputs if s.is_linked and s.type == "RGBA"]
        if not linked:
            return None
        node = linked[0].links[0].from_node
    if through_normal_map:
        if node.type != "NORMAL_MAP" or not node.inputs["Color"].is_linked:
            return None
        node = node.inputs["Color"].links[0].from_node
    if node.type == "TEX_IMAGE" and node.image is not None:
        return node.image
    return None


def describe_image(image):
    if image is None:
        return None
    loaded = image.size[0] > 0 and image.size[1] > 0
    return {"file": os.path.basename(bpy.path.abspath(image.filepath)), "loaded": loaded}


def extent(meshes):
    points = [o.matrix_world @ v.co for o in meshes for v in o.data.vertices]
    if not points:
        return [0.0, 0.0, 0.0]
    return [max(p[i] for p in points) - min(p[i] for p in points) for i in range(3)]


def evaluated_points(obj):
    depsgraph = bpy.context.evaluated_depsgraph_get()
    depsgraph.update()
    evaluated = obj.evaluated_get(depsgraph)
    mesh = evaluated.to_mesh()
    points = [obj.matrix_world @ v.co for v in mesh.vertices]
    evaluated.to_mesh_clear()
    return points


def probe_shape_keys(obj, probe):
    """Blender's evaluated shape at the default key values, at all keys 0, and with probe["key"] at 1."""
    from mathutils import Vector, kdtree
    keys = obj.data.shape_keys.key_blocks
    defaults = evaluated_points(obj)
    tree = kdtree.KDTree(len(defaults))
    for i, p in enumerate(defaults):
        tree.insert(p, i)
    tree.balance()
    for k in keys:
        k.value = 0.0
    neutral = evaluated_points(obj)
    keys[probe["key"]].value = 1.0
    posed = evaluated_points(obj)
    report = []
    for point in probe["points"]:
        _, index, distance = tree.find(Vector(point))
        report.append({"distance": distance, "moved": list(posed[index] - neutral[index])})
    return report


def inspect(path, probe=None):
    bpy.ops.wm.read_factory_settings(use_empty=True)
    ext = os.path.splitext(path)[1].lower()
    try:
        IMPORTERS[ext](path)
    except Exception as error:  # the importer's own failure, reported rather than raised
        return {"error": str(error)}
    meshes = [o for o in bpy.context.scene.objects if o.type == "MESH"]
    result = {
        "objects": len(meshes),
        "vertices": sum(len(o.data.vertices) for o in meshes),
        "polygons": sum(len(o.data.polygons) for o in meshes),
        "triangles": sum(len(p.vertices) - 2 for o in meshes for p in o.data.polygons),
        "uv_layers": min((len(o.data.uv_layers) for o in meshes), default=0),
        # World-space bounding box extents in Blender units (metres), Blender's Z up.
        "extent": extent(meshes),
        "materials": [],
    }
    seen = set()
    for o in meshes:
        for slot in o.material_slots:
            m = slot.material
            if m is None or m.name in seen:
                continue
            seen.add(m.name)
            entry = {"name": m.name, "base_color": None, "normal": None}
            if m.use_nodes:
                bsdf = next((n for n in m.node_tree.nodes if n.type == "BSDF_PRINCIPLED"), None)
                if bsdf is not None:
                    entry["base_color"] = describe_image(linked_image(bsdf.inputs["Base Color"]))
                    entry["normal"] = describe_image(linked_image(bsdf.inputs["Normal"], through_normal_map=True))
            result["materials"].append(entry)
    keyed = [o for o in meshes if o.data.shape_keys is not None]
    if keyed:
        # Blender's first key is the basis it adds; the rest are the file's targets.
        blocks = keyed[0].data.shape_keys.key_blocks[1:]
        result["shape_keys"] = [k.name for k in blocks]
        result["shape_key_values"] = [k.value for k in blocks]
        if probe is not None:
            result["probe"] = probe_shape_keys(keyed[0], probe)
    return result


def main():
    args = sys.argv[sys.argv.index("--") + 1:]
    probe = None
    if args[0] == "--probe":
        with open(args[1]) as handle:
            probe = json.load(handle)
        args = args[2:]
    out, files = args[0], args[1:]
    report = {f: inspect(f, probe) for f in files}
    with open(out, "w") as handle:
        json.dump(report, handle, indent=1, sort_keys=True)


if __name__ == "__main__":  # also imported by blender_render.py for its importers
    main()
