#!/usr/bin/env bash
# Imports ICT-FaceKit (MIT licence, USC ICT) into models/ict-{face,head,full}.fdmodel.
# Source: ../shared/models/ICT-FaceKit.tar.xz when it exists, else a clone of
# github.com/ICT-VGL/ICT-FaceKit. Nothing here is committed: models/ is git-ignored.
# Usage: scripts/setup-model.sh [path/to/facedetail]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-.build/release/facedetail}
archive=${FACEDETAIL_ICT_ARCHIVE:-../shared/models/ICT-FaceKit.tar.xz}
mkdir -p models
folder=models/ICT-FaceKit/FaceXModel

if [ ! -f "$folder/vertex_indices.json" ]; then
  rm -rf models/ICT-FaceKit models/.ict-unpack
  if [ -f "$archive" ]; then
    echo "unpacking $archive" >&2
    mkdir -p models/.ict-unpack
    tar -xJf "$archive" -C models/.ict-unpack
    mv models/.ict-unpack/ICT-FaceKit models/ICT-FaceKit
    rm -rf models/.ict-unpack
  else
    echo "$archive not found; cloning github.com/ICT-VGL/ICT-FaceKit" >&2
    git clone --depth 1 https://github.com/ICT-VGL/ICT-FaceKit models/ICT-FaceKit
  fi
fi

for region in face head full; do
  "$bin" model import ict "$folder" -o "models/ict-$region.fdmodel" --region "$region"
done
echo "models ready: $(ls models/*.fdmodel | tr '\n' ' ')" >&2
