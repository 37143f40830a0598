#!/usr/bin/env bash
# The kill -9 campaign (issue 19): kills `facedetail reconstruct` and `facedetail convert` at
# random moments and checks, after every kill, that
#   - no output is partial or damaged: the published files are exactly the previous complete
#     outputs (outputs are deterministic, so any complete run gives the same bytes);
# and after the next, uninterrupted run of the same command, that
#   - nothing stray is left (no .NAME.partial-PID, .NAME.previous-PID or .NAME.facedetail-PID.tmp),
#   - the outputs are again exactly the reference ones.
# Prints one line per failure and a summary; exit 1 if anything failed.
#
# Usage: benchmarks/kill9.sh [RUNS] [FACEDETAIL_BINARY] [SEED]
set -euo pipefail
runs=${1:-100}
bin=${2:-.build/release/facedetail}
RANDOM=${3:-19}
[ -x "$bin" ] || { echo "no facedetail binary at $bin (make release)" >&2; exit 1; }
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

engine=/usr/share/assimp/models/glTF2/2CylinderEngine-glTF-Binary/2CylinderEngine.glb
[ -f "$engine" ] || engine=$repo/samples/mesh/sphere.obj
jobs=(
  "reconstruct|rec|$bin reconstruct $repo/samples/astronaut.png -o $work/rec --uv-size 1024"
  "convert (textures)|conv|$bin convert $repo/samples/mesh/sphere.obj $work/conv/sphere.fbx"
  "convert (large)|big|$bin convert $engine $work/big/engine.obj"
)

snapshot() {  # published files of a folder and their checksums, hidden entries excluded
  (cd "$1" && find . -path '*/.*' -prune -o -type f -print | LC_ALL=C sort | xargs -r sha256sum)
}
stray() {  # staging entries anywhere below a folder
  find "$1" -name '.*' \( -name '*.partial-*' -o -name '*.previous-*' -o -name '*.superseded-*' \
    -o -name '*.facedetail-*.tmp' \) | LC_ALL=C sort
}

declare -A reference duration
for job in "${jobs[@]}"; do
  IFS='|' read -r label dir command <<<"$job"
  start=$(date +%s%N)
  $command >/dev/null 2>&1 || { echo "the reference run of $label failed: $command" >&2; exit 1; }
  duration[$dir]=$(( ($(date +%s%N) - start) / 1000000 ))
  reference[$dir]=$(snapshot "$work/$dir")
  echo "$label: reference run ${duration[$dir]} ms, $(grep -c . <<<"${reference[$dir]}") files" >&2
done

failures=0 landed=0 finished=0 partial=0 leftover=0 damaged=0
for i in $(seq "$runs"); do
  IFS='|' read -r label dir command <<<"${jobs[$(( i % ${#jobs[@]} ))]}"
  # Kills land from 30 % to 120 % of a reference run: the outputs are staged and published late.
  delay_ms=$(( duration[$dir] * 3 / 10 + RANDOM % (duration[$dir] * 9 / 10 + 1) ))
  $command >/dev/null 2>&1 &
  pid=$!
  sleep "$(awk -v ms="$delay_ms" 'BEGIN {printf "%.3f", ms / 1000}')"
  kill -9 "$pid" 2>/dev/null || finished=$((finished + 1))
  wait "$pid" 2>/dev/null || true
  [ -n "$(stray "$work/$dir")" ] && landed=$((landed + 1))
  if [ "$(snapshot "$work/$dir")" != "${reference[$dir]}" ]; then
    partial=$((partial + 1)) failures=$((failures + 1))
    echo "run $i ($label, killed at $delay_ms ms): the published files differ from a complete output"
  fi
  if ! $command >/dev/null 2>&1; then
    damaged=$((damaged + 1)) failures=$((failures + 1))
    echo "run $i ($label): the run after the kill failed"
  fi
  left=$(stray "$work/$dir")
  if [ -n "$left" ]; then
    leftover=$((leftover + 1)) failures=$((failures + 1))
    echo "run $i ($label): left after the next run: $left"
  fi
  if [ "$(snapshot "$work/$dir")" != "${reference[$dir]}" ]; then
    damaged=$((damaged + 1)) failures=$((failures + 1))
    echo "run $i ($label): the outputs after the next run differ from the reference"
  fi
  [ $((i % 10)) -eq 0 ] && echo "[$i/$runs] $failures failures so far" >&2
done
echo "kill -9 campaign: $runs runs ($landed killed while staging, $finished done before the kill)," \
  "$partial partial outputs," \
  "$leftover stray entries after the next run, $damaged damaged outputs"
[ "$failures" -eq 0 ]
