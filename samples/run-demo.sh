#!/usr/bin/env bash
# The main job on the bundled samples: the astronaut's face reconstructed with its fine detail
# (proxy and detailed meshes as FBX, OBJ, GLB with the photo unwrapped as texture and normal maps
# wired; displacement.exr in mm; normal maps; landmarks; manifest), her 68 landmarks (JSON, .pts, overlay),
# the imported face model sampled as FBX and OBJ, the textured sphere into every mesh format
# facedetail writes, the astronaut photo through EXR and back to 16-bit PNG, and her proxy
# subdivided and displaced by a test map of 0.8 mm grooves, with its normal map.
# Prints where files are. Needs models/ict-face.fdmodel (make setup).
set -euo pipefail
bin=${1:-.build/release/facedetail}
out=${2:-out/demo}
here=$(cd "$(dirname "$0")" && pwd)
model=${FACEDETAIL_MODEL:-$here/../models/ict-face.fdmodel}
mkdir -p "$out"
"$bin" landmarks "$here/astronaut.png" -o "$out/landmarks" --pts --debug
"$bin" reconstruct "$here/astronaut.png" -o "$out/reconstruct" --formats fbx,obj,glb --debug --model "$model"
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
# A test displacement map: vertical grooves 0.8 mm deep every 64 texels, as a 16-bit PGM whose
# [0, 65535] spans [-1, 1] mm, turned into a float EXR by `convert --range 1`.
mkdir -p "$out/detail"
python3 - "$out/detail/grooves.pgm" <<'PY'
import struct, sys
size = 512
row = b"".join(struct.pack(">H", round(((-0.8 if (x // 16) % 4 == 0 else 0.0) + 1) / 2 * 65535)) for x in range(size))
open(sys.argv[1], "wb").write(b"P5\n%d %d\n65535\n" % (size, size) + row * size)
PY
"$bin" convert "$out/detail/grooves.pgm" "$out/detail/grooves.exr" --range 1
"$bin" displace "$out/reconstruct/astronaut/proxy.obj" "$out/detail/grooves.exr" -o "$out/detail/detailed.fbx" --subdiv 2
"$bin" normalmap "$out/detail/grooves.exr" --mesh "$out/reconstruct/astronaut/proxy.obj" -o "$out/detail/normal.png"
echo "demo outputs are in $out; the reconstruction is in $out/reconstruct/astronaut/" >&2
