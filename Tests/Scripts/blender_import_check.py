"""Imports mesh files in Blender (headless) and reports what Blender sees, as JSON.

Run as: blender -b --factory-startup --python blender_import_check.py -- OUT.json FILE...
For each file: mesh objects, vertex and polygon counts (after merging Blender's duplicate
vertices by distance 0, i.e. as imported), UV layers, and per material the images wired to the
Principled BSDF's Base Color and (through a Normal Map node) Normal inputs, and whether each image
loaded pixels.
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


def inspect(path):
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
    return result


def main():
    args = sys.argv[sys.argv.index("--") + 1:]
    out, files = args[0], args[1:]
    report = {f: inspect(f) for f in files}
    with open(out, "w") as handle:
        json.dump(report, handle, indent=1, sort_keys=True)


if __name__ == "__main__":  # also imported by blender_render.py for its importers
    main()
