"""Renders one render-truth scene for `facedetail bench truth` (Cycles, headless).

    blender -b --factory-startup --python benchmarks/truth/render_truth.py -- SCENE.json

SCENE.json is written by facedetail (`TruthScene`): the head mesh as OBJ in metres in facedetail's
axes (+Y up, +Z toward the viewer; Blender's importer turns them to its Z-up frame), the face
albedo (PNG, the model's UV tile [0,1]^2), the truth displacement (EXR, mm along the normal), the
camera (position and target in metres in facedetail's axes, focal length on a 36 mm wide sensor)
and the lights. Renders the photo the pipeline is then run on. Prints nothing the caller parses;
a failure exits non-zero.
"""
import json
import math
import sys

import bmesh
import bpy
import mathutils


def blender_axes(p):
    """facedetail (x right, y up, z toward the viewer) -> Blender (x, -z, y)."""
    return mathutils.Vector((p[0], -p[2], p[1]))


def principled(name, colour, roughness=0.5, image=None):
    material = bpy.data.materials.get(name) or bpy.data.materials.new(name)
    material.use_nodes = True
    nodes = material.node_tree.nodes
    bsdf = nodes.get("Principled BSDF")
    bsdf.inputs["Base Color"].default_value = (*colour, 1)
    bsdf.inputs["Roughness"].default_value = roughness
    bsdf.inputs["Specular"].default_value = 0.25
    if image:
        texture = nodes.new("ShaderNodeTexImage")
        texture.image = bpy.data.images.load(image)
        texture.interpolation = "Cubic"
        material.node_tree.links.new(texture.outputs["Color"], bsdf.inputs["Base Color"])
    return material


def main():
    scene_file = sys.argv[sys.argv.index("--") + 1]
    with open(scene_file) as handle:
        spec = json.load(handle)
    bpy.ops.wm.read_factory_settings(use_empty=True)
    bpy.ops.wm.obj_import(filepath=spec["mesh"], forward_axis="NEGATIVE_Z", up_axis="Y")
    head = [o for o in bpy.context.scene.objects if o.type == "MESH"][0]

    # Materials by the model's part names; the eye shells and tear film are left out (they are
    # blending helpers for real-time renderers, not surfaces).
    skin = spec["skinColour"]
    colours = {
        "M_Face": None, "M_BackHead": skin, "M_GumsTongue": (0.45, 0.12, 0.12), "M_Teeth": (0.75, 0.72, 0.62),
        "M_ScleraLeft": (0.72, 0.68, 0.64), "M_ScleraRight": (0.72, 0.68, 0.64), "M_IrisLeft": spec["irisColour"],
        "M_IrisRight": spec["irisColour"], "M_EyeLashes": (0.02, 0.015, 0.01),
    }
    dropped = {"M_LacrimalFluid", "M_EyeBlend", "M_EyeOcclusion"}
    mesh = head.data
    slots = [m.name.split(".")[0] if m else "" for m in mesh.materials]
    bm = bmesh.new()
    bm.from_mesh(mesh)
    doomed = [f for f in bm.faces if slots[f.material_index] in dropped]
    # The sclera mesh carries the cornea over the iris: cut it away so the iris shows.
    for side in ("Left", "Right"):
        iris = [f.calc_center_median() for f in bm.faces if slots[f.material_index] == "M_Iris" + side]
        centre = sum(iris, mathutils.Vector()) / len(iris)
        radius = max((c - centre).length for c in iris)
        doomed += [f for f in bm.faces if slots[f.material_index] == "M_Sclera" + side
                   and (f.calc_center_median() - centre).length < 1.15 * radius]
    bmesh.ops.delete(bm, geom=doomed, context="FACES")
    bm.to_mesh(mesh)
    bm.free()
    for index, name in enumerate(slots):
        if name == "M_Face":
            mesh.materials[index] = principled("truth_face", skin, 0.45, spec["albedo"])
        elif name in colours:
            mesh.materials[index] = principled("truth_" + name, colours[name], 0.3 if "Sclera" in name else 0.5)
    for polygon in mesh.polygons:
        polygon.use_smooth = True

    # Truth displacement: subdivided without smoothing (the base surface stays the truth), then
    # moved along the normal by the map, mm -> m.
    subdivision = head.modifiers.new("subdivide", "SUBSURF")
    subdivision.subdivision_type = "SIMPLE"
    subdivision.levels = subdivision.render_levels = spec["subdivisionLevels"]
    texture = bpy.data.textures.new("truth_displacement", "IMAGE")
    texture.image = bpy.data.images.load(spec["displacement"])
    texture.image.colorspace_settings.name = "Non-Color"
    texture.extension = "CLIP"
    texture.use_interpolation = True
    displace = head.modifiers.new("displace", "DISPLACE")
    displace.texture = texture
    displace.texture_coords = "UV"
    displace.direction = "NORMAL"
    displace.mid_level = 0
    displace.strength = 0.001

    camera_spec = spec["camera"]
    camera = bpy.data.objects.new("camera", bpy.data.cameras.new("camera"))
    camera.data.sensor_fit = "HORIZONTAL"
    camera.data.sensor_width = camera_spec["sensorMillimetres"]
    camera.data.lens = camera_spec["focalMillimetres"]
    camera.data.clip_start = 0.05
    camera.data.clip_end = 20
    bpy.context.scene.collection.objects.link(camera)
    position, target = blender_axes(camera_spec["position"]), blender_axes(camera_spec["target"])
    camera.location = position
    camera.rotation_euler = (target - position).to_track_quat("-Z", "Y").to_euler()

    for k, light_spec in enumerate(spec["lights"]):
        light = bpy.data.objects.new("light%d" % k, bpy.data.lights.new("light%d" % k, "AREA"))
        light.data.energy = light_spec["watts"]
        light.data.size = light_spec["sizeMetres"]
        light.location = blender_axes(light_spec["position"])
        light.rotation_euler = (target - light.location).to_track_quat("-Z", "Y").to_euler()
        bpy.context.scene.collection.objects.link(light)

    scene = bpy.context.scene
    scene.camera = camera
    world = bpy.data.worlds.new("world")
    world.use_nodes = True
    world.node_tree.nodes["Background"].inputs["Color"].default_value = (*spec["backgroundColour"], 1)
    world.node_tree.nodes["Background"].inputs["Strength"].default_value = 1
    scene.world = world
    scene.render.engine = "CYCLES"
    scene.cycles.device = "CPU"
    scene.cycles.samples = spec["samples"]
    scene.cycles.seed = spec["seed"]
    scene.cycles.use_denoising = False
    scene.cycles.max_bounces = 3
    scene.render.threads_mode = "FIXED"
    scene.render.threads = 2
    scene.view_settings.view_transform = "Standard"
    scene.render.resolution_x = spec["width"]
    scene.render.resolution_y = spec["height"]
    scene.render.resolution_percentage = 100
    scene.render.image_settings.file_format = "PNG"
    scene.render.image_settings.color_mode = "RGB"
    scene.render.filepath = spec["output"]
    # No date, time or host in the file: the same scene gives the same bytes.
    for stamp in [p.identifier for p in scene.render.bl_rna.properties if p.identifier.startswith("use_stamp")]:
        setattr(scene.render, stamp, False)
    bpy.ops.render.render(write_still=True)


if __name__ == "__main__":
    main()
