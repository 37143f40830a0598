"""Renders a mesh file as Blender imports it, for a check by eye (the tests do not run it).

    blender -b --factory-startup --python Tests/Scripts/blender_render.py -- MESH OUT.png [texture|clay] [front|left|right]

MESH is imported with the importers blender_import_check.py uses; an orthographic camera frames
the bounding box from the front (the face looks along Blender's −Y after import: DESIGN.md's +Z
toward the viewer, Y up, turned to Blender's Z up), or from the left or right. Workbench engine,
studio light, 800 × 800. `texture` shows the base-colour images, `clay` one grey colour, so the
displaced detail is seen on its own. Prints the object and polygon counts and the extent in
metres.
"""
import math
import os
import sys

import bpy
import mathutils

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from blender_import_check import IMPORTERS  # noqa: E402

VIEWS = {"front": (0, -1, 0), "left": (-1, 0, 0), "right": (1, 0, 0)}


def main():
    args = sys.argv[sys.argv.index("--") + 1:]
    path, out = args[0], args[1]
    shading = args[2] if len(args) > 2 else "texture"
    view = VIEWS[args[3] if len(args) > 3 else "front"]
    bpy.ops.wm.read_factory_settings(use_empty=True)
    IMPORTERS[os.path.splitext(path)[1].lower()](path)
    meshes = [o for o in bpy.context.scene.objects if o.type == "MESH"]
    corners = [o.matrix_world @ mathutils.Vector(c) for o in meshes for c in o.bound_box]
    low = mathutils.Vector([min(c[i] for c in corners) for i in range(3)])
    high = mathutils.Vector([max(c[i] for c in corners) for i in range(3)])
    centre, size = (low + high) / 2, max(high - low)
    print("objects %d, polygons %d, extent %.3f × %.3f × %.3f m" % (
        len(meshes), sum(len(o.data.polygons) for o in meshes), *(high - low)))

    camera = bpy.data.objects.new("camera", bpy.data.cameras.new("camera"))
    camera.data.type = "ORTHO"
    camera.data.ortho_scale = 1.15 * size
    bpy.context.scene.collection.objects.link(camera)
    direction = mathutils.Vector(view)
    camera.location = centre + 3 * size * direction
    camera.rotation_euler = (-direction).to_track_quat("-Z", "Y").to_euler()
    camera.data.clip_end = 10 * size

    scene = bpy.context.scene
    scene.camera = camera
    scene.render.engine = "BLENDER_WORKBENCH"
    scene.display.shading.light = "STUDIO"
    scene.display.shading.color_type = "TEXTURE" if shading == "texture" else "SINGLE"
    scene.render.resolution_x = scene.render.resolution_y = 800
    scene.render.filepath = os.path.abspath(out)
    bpy.ops.render.render(write_still=True)


if __name__ == "__main__":
    main()
