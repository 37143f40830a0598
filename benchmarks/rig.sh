#!/usr/bin/env bash
# The cost of `reconstruct --rig` (issue 20): the astronaut reconstructed RUNS times without and
# with --rig, alternately (the baseline measured in the same run), at each of the given
# subdivision levels, with the default formats (fbx, obj, glb) or FORMATS (e.g. FORMATS=glb2 to see
# one writer's share). Prints each run's wall seconds,
# the median and range of the ratio rig / plain, and the size of every mesh file of the last runs.
#
# Usage: benchmarks/rig.sh [FACEDETAIL_BINARY] [RUNS] [LEVELS...]   (defaults: release, 3, 1 2)
set -euo pipefail
bin=$(realpath "${1:-.build/release/facedetail}")
runs=${2:-3}
shift $(( $# > 2 ? 2 : $# ))
levels=("$@")
[ ${#levels[@]} -gt 0 ] || levels=(1 2)
[ -x "$bin" ] || { echo "no facedetail binary at $bin (make release)" >&2; exit 1; }
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export FACEDETAIL_MODEL_DIR=${FACEDETAIL_MODEL_DIR:-$repo/models}

seconds() {  # wall seconds of one reconstruct into $work/$1
  local start end
  start=$(date +%s.%N)
  "$bin" reconstruct "$repo/samples/astronaut.png" -o "$work/$1" --formats "${FORMATS:-fbx,obj,glb2}" "${@:2}" >/dev/null 2>&1
  end=$(date +%s.%N)
  echo "$end - $start" | bc
}

for level in "${levels[@]}"; do
  ratios=()
  for run in $(seq 1 "$runs"); do
    plain=$(seconds "plain$level" --subdiv "$level")
    rigged=$(seconds "rig$level" --subdiv "$level" --rig)
    ratio=$(echo "scale=3; $rigged / $plain" | bc)
    ratios+=("$ratio")
    echo "subdiv $level run $run: plain ${plain}s, --rig ${rigged}s, ratio $ratio" >&2
  done
  sorted=$(printf '%s\n' "${ratios[@]}" | sort -n)
  echo "subdiv $level: --rig / plain = $(echo "$sorted" | sed -n "$(( (runs + 1) / 2 ))p") (range $(echo "$sorted" | head -1)–$(echo "$sorted" | tail -1), $runs runs)"
  for kind in plain rig; do
    for f in proxy.fbx proxy.glb detailed.fbx detailed.glb; do
      [ -f "$work/$kind$level/astronaut/$f" ] || continue
      printf '  %-5s %-13s %6.1f MB\n' "$kind" "$f" "$(echo "scale=1; $(stat -c %s "$work/$kind$level/astronaut/$f") / 1000000" | bc)"
    done
  done
done
