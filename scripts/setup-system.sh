#!/usr/bin/env bash
# Installs the Debian packages facedetail builds and tests with (needs root, or sudo).
set -euo pipefail
packages=(
  pkg-config zlib1g-dev
  libassimp-dev assimp-utils assimp-testmodels   # mesh formats, reference CLI, third-party corpus
  libopenexr-dev openexr                          # EXR codec and exrheader
  libpng-dev libturbojpeg0-dev                    # PNG and JPEG codecs
  libdeflate-dev                                  # PNG's compression (faster than zlib at equal size)
  libssl-dev                                      # SHA-256 of manifests (libcrypto)
  libdlib-dev libdlib-data                        # face detector and 68-point landmark model
  libopenblas-dev liblapacke-dev                  # BLAS for dlib and the fitting/neural code
  libhdf5-dev                                     # Keras weights files (EmotionNet)
  xz-utils git                                    # unpacking or cloning ICT-FaceKit
  blender python3-numpy                           # import checks in a real DCC tool
  python3-pip                                     # PyPI: the CNN face detector, safetensors (below)
  python3-pil                                     # bench faces' set generator (benchmarks/faces)
  man-db bash-completion strace                   # the installed man page and completions; benchmarks
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
# Python's safetensors (PyPI): the neural engine's weights files are checked against it.
if ! /usr/bin/python3 -c "import safetensors" 2>/dev/null; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo /usr/bin/python3 -m pip install -q --root-user-action=ignore --break-system-packages "safetensors==0.8.0" >/dev/null
fi
# usd-core (PyPI): the tests open every USD file we write with USD itself. 25.11 is the last
# release with UsdUtils.ComplianceChecker (26.x replaced it with UsdValidation).
if ! /usr/bin/python3 -c "from pxr import UsdUtils; UsdUtils.ComplianceChecker" 2>/dev/null; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo /usr/bin/python3 -m pip install -q --root-user-action=ignore --break-system-packages "usd-core==25.11" >/dev/null
fi
echo "system packages ready: ${packages[*]} + PyPI safetensors, usd-core" >&2
