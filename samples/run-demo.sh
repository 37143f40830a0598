#!/usr/bin/env bash
# The main job on the bundled samples: the astronaut's proxy face (FBX, OBJ, GLB with the photo
# unwrapped as its texture, landmarks, manifest), her 68 landmarks (JSON, .pts, overlay),
# the imported face model sampled as FBX and OBJ, the textured sphere into every mesh format
# facedetail writes, and the astronaut photo through EXR and back to 16-bit PNG.
# Prints where files are. Needs models/ict-face.fdmodel (make setup).
set -euo pipefail
bin=${1:-.build/release/facedetail}
out=${2:-out/demo}
here=$(cd "$(dirname "$0")" && pwd)
model=${FACEDETAIL_MODEL:-$here/../models/ict-face.fdmodel}
mkdir -p "$out"
"$bin" landmarks "$here/astronaut.png" -o "$out/landmarks" --pts --debug
"$bin" reconstruct "$here/astronaut.png" -o "$out/reconstruct" --proxy-only --formats fbx,obj,glb --debug --model "$model"
"$bin" model sample "$model" -o "$out/model/face.fbx" --identity random --seed 1 --expression mouthSmile_L=0.6,mouthSmile_R=0.6
"$bin" model sample "$model" -o "$out/model/face.obj" --units mm --identity random --seed 1 --expression mouthSmile_L=0.6,mouthSmile_R=0.6
for id in fbx obj gltf2 glb2 collada plyb stlb 3mf; do
  ext=$("$bin" formats --json | python3 -c "import json,sys; print(next(f['extensions'][0] for f in json.load(sys.stdin) if f['id']=='$id'))")
  mkdir -p "$out/$id"
  # The sample OBJ is in millimetres; unitless outputs (OBJ, PLY, STL) stay in millimetres too.
  "$bin" convert "$here/mesh/sphere.obj" "$out/$id/sphere.$ext" --to "$id" --units mm
done
"$bin" convert "$here/astronaut.png" "$out/images/astronaut.exr"
"$bin" convert "$out/images/astronaut.exr" "$out/images/astronaut16.png"
echo "demo outputs are in $out" >&2
