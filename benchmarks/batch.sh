#!/usr/bin/env bash
# Times `make -C samples -jN` over 8 photos (copies of the 1-megapixel benchmark photo under 8
# names, so every job does the same work) at -j1 and -j2, and prints the speed-up -j1 / -j2 with
# both wall times; the baseline is -j1 of the same run. Each configuration runs RUNS times from an
# empty output folder; medians, with min–max.
#
# Usage: benchmarks/batch.sh [FACEDETAIL_BINARY] [RUNS]
set -euo pipefail
bin=$(realpath "${1:-.build/release/facedetail}")
runs=${2:-3}
[ -x "$bin" ] || { echo "no facedetail binary at $bin (make release)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/photos"
for k in 1 2 3 4 5 6 7 8; do cp benchmarks/photos/astronaut-1mp.jpg "$work/photos/photo$k.jpg"; done

wall() {  # seconds for one make over the 8 photos with -j$1
  rm -rf "$work/out"
  local start end
  start=$(date +%s%N)
  make -s -C samples -j"$1" FACEDETAIL="$bin" PHOTOS="$work/photos" OUT="$work/out" >/dev/null
  end=$(date +%s%N)
  awk -v d=$((end - start)) 'BEGIN {print d / 1e9}'
}
stats() { sort -n | awk '{a[NR]=$1} END {printf "%.2f (%.2f–%.2f)", a[int((NR+1)/2)], a[1], a[NR]}'; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

one=() two=()
for _ in $(seq "$runs"); do one+=("$(wall 1)"); two+=("$(wall 2)"); done
m1=$(printf '%s\n' "${one[@]}" | median)
m2=$(printf '%s\n' "${two[@]}" | median)
printf '8 photos (1 MP, --uv-size 2048, fbx,obj,glb), %d runs, seconds: median (min–max)\n' "$runs"
printf '  make -j1   %s\n' "$(printf '%s\n' "${one[@]}" | stats)"
printf '  make -j2   %s\n' "$(printf '%s\n' "${two[@]}" | stats)"
printf '  speed-up -j1 / -j2: %.2f× (%d cores)\n' "$(awk -v a="$m1" -v b="$m2" 'BEGIN {print a / b}')" "$(nproc)"
