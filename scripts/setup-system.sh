#!/usr/bin/env bash
# Installs the Debian packages facedetail builds and tests with (needs root, or sudo).
set -euo pipefail
packages=(
  pkg-config zlib1g-dev
  libassimp-dev assimp-utils assimp-testmodels   # mesh formats, reference CLI, third-party corpus
  libopenexr-dev openexr                          # EXR codec and exrheader
  libpng-dev libturbojpeg0-dev                    # PNG and JPEG codecs
  libdlib-dev libdlib-data                        # face detector and 68-point landmark model
  libopenblas-dev liblapacke-dev                  # BLAS for dlib and the fitting/neural code
  xz-utils git                                    # unpacking or cloning ICT-FaceKit
  blender python3-numpy                           # import checks in a real DCC tool
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "system packages ready: ${packages[*]}" >&2
