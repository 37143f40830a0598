#!/usr/bin/env bash
# Times `facedetail convert` against Assimp's own `assimp export` (Debian assimp-utils) on the three
# largest models of Debian's assimp-testmodels corpus that both tools convert, and on a 1-triangle
# OBJ (the fixed cost of a conversion), into OBJ and GLB. Prints the median wall time of each over N
# runs, the ratio facedetail / assimp (lower is better; 1.0 = as fast as the assimp CLI, the
# baseline measured in the same run), both output sizes, and the geometric mean of the ratios.
#
# Usage: benchmarks/convert.sh [FACEDETAIL_BINARY] [RUNS]
set -euo pipefail
bin=${1:-.build/release/facedetail}
runs=${2:-5}
corpus=/usr/share/assimp/models
command -v assimp >/dev/null || { echo "needs assimp-utils (apt-get install assimp-utils)" >&2; exit 1; }
[ -x "$bin" ] || { echo "no facedetail binary at $bin (make release)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

median_ms() {  # median wall time in ms of running "$@" $runs times
  local times=()
  for _ in $(seq "$runs"); do
    local start end
    start=$(date +%s%N)
    "$@" >/dev/null 2>&1
    end=$(date +%s%N)
    times+=($(( (end - start) / 1000000 )))
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}

models=()
while read -r _ path; do
  [ ${#models[@]} -ge 3 ] && break
  if "$bin" convert "$path" "$work/probe.obj" >/dev/null 2>&1 && assimp export "$path" "$work/probe_a.obj" >/dev/null 2>&1; then
    models+=("$path")
  fi
done < <(find "$corpus"/{OBJ,PLY,STL,glTF2,Collada,FBX} -type f \( -iname '*.obj' -o -iname '*.ply' -o -iname '*.stl' \
          -o -iname '*.gltf' -o -iname '*.glb' -o -iname '*.dae' -o -iname '*.fbx' \) -printf '%s %p\n' | sort -rn)

printf 'v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n' > "$work/triangle.obj"
models+=("$work/triangle.obj")

printf '%-58s %-4s %12s %12s %8s %12s %12s\n' model to "facedetail" "assimp" ratio "our bytes" "assimp's"
ratios=()
for model in "${models[@]}"; do
  for ext in obj glb; do
    ours=$(median_ms "$bin" convert "$model" "$work/ours.$ext")
    theirs=$(median_ms assimp export "$model" "$work/theirs.$ext")
    ratio=$(awk -v a="$ours" -v b="$theirs" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
    ratios+=("$ratio")
    name=${model#"$corpus"/}
    [ "$model" = "$work/triangle.obj" ] && name="1-triangle OBJ"
    printf '%-58s %-4s %10s ms %10s ms %8s %12s %12s\n' "$name" "$ext" "$ours" "$theirs" "$ratio" \
      "$(stat -c %s "$work/ours.$ext")" "$(stat -c %s "$work/theirs.$ext")"
  done
done
printf 'geometric mean of the ratios: %s\n' "$(printf '%s\n' "${ratios[@]}" | awk '{s += log($1)} END {printf "%.2f", exp(s / NR)}')"
echo "medians of $runs runs; ratio = facedetail / assimp export (same machine, same run); sizes of the main file" >&2
