#!/usr/bin/env bash
# Fuzzes one of facedetail's parsers with libFuzzer (issue 19): builds Fuzz/ (the FuzzTargets
# binary, instrumented with -sanitize=fuzzer,address), seeds a scratch corpus from Fuzz/seeds/TARGET
# (committed) plus, for formats whose only real files are set-up's (not ours to commit: the
# model, the landmark forest, the HOG detector, the dictionary), those files from models/, and runs
# for SECONDS. Prints libFuzzer's final stats (runs, execs/s, coverage) and exits non-zero on a
# finding, which libFuzzer writes as crash-*/timeout-*/oom-* in the scratch folder it names.
#
# Usage: benchmarks/fuzz.sh TARGET SECONDS      (TARGET: ppm png jpeg exr fdmodel safetensors
#                                                keras keras-snapshot fdlm hog dictionary ply stl
#                                                obj cli; "all" runs each)
set -euo pipefail
target=${1:?usage: benchmarks/fuzz.sh TARGET SECONDS}
seconds=${2:-60}
repo=$(cd "$(dirname "$0")/.." && pwd)
targets=(ppm png jpeg exr fdmodel safetensors keras keras-snapshot fdlm hog dictionary ply stl obj cli)
if [ "$target" = all ]; then
  # Built once here; each target's run below finds it up to date.
  (cd "$repo/Fuzz" && swift build -c release -Xswiftc -sanitize=fuzzer,address >&2)
  for t in "${targets[@]}"; do "$0" "$t" "$seconds" || exit 1; done
  exit 0
fi
(cd "$repo/Fuzz" && swift build -c release -Xswiftc -sanitize=fuzzer,address >&2)
binary=$repo/Fuzz/.build/release/FuzzTargets

work=${FUZZ_WORK:-$(mktemp -d /tmp/facedetail-fuzz-XXXXXX)}
mkdir -p "$work/corpus"
[ -d "$repo/Fuzz/seeds/$target" ] && cp "$repo/Fuzz/seeds/$target"/* "$work/corpus/"
case $target in
  fdmodel) cp "$repo/models/ict-face.fdmodel" "$work/corpus/" ;;
  fdlm) cp "$repo/models/shape-predictor-68.fdlm" "$work/corpus/" ;;
  hog) cp "$repo/models/hog-face-detector.dat" "$work/corpus/" ;;
  dictionary)  # set-up's 13 MB file, and its first two entries (a seed small enough to mutate fast)
    cp "$repo/models/expression-dictionary.fdxd" "$work/corpus/"
    /usr/bin/python3 - "$repo/models/expression-dictionary.fdxd" "$work/corpus/two-entries.fdxd" <<'EOF'
import json, struct, sys
data = open(sys.argv[1], "rb").read()
length = struct.unpack("<Q", data[8:16])[0]
header = json.loads(data[16:16 + length])
widths = [len(header["expressionNames"]), header["emotionFeatures"], header["geometryFeatures"]]
count, header["count"] = header["count"], 2
json_bytes = json.dumps(header, sort_keys=True, separators=(",", ":")).encode()
out, offset = [data[:8], struct.pack("<Q", len(json_bytes)), json_bytes], 16 + length
for width in widths:  # each array is entry-major: keep its first two entries
    out.append(data[offset:offset + 4 * 2 * width])
    offset += 4 * count * width
open(sys.argv[2], "wb").write(b"".join(out))
EOF
    ;;
  keras) cp "$repo/Tests/Fixtures/emotion/"*.h5 "$repo/models/emotion_model.hdf5" "$work/corpus/" ;;
  keras-snapshot)  # what keras's child sends back, for each HDF5 seed
    for h5 in "$repo/Tests/Fixtures/emotion/"*.h5 "$repo/models/emotion_model.hdf5"; do
      "$binary" --keras-snapshot "$h5" "$work/corpus/$(basename "$h5").snapshot"
    done ;;
  ply | stl | obj) cp "$repo/samples/mesh/sphere.obj" "$work/corpus/" ;;
  safetensors) cp "$repo/Tests/Fixtures/pix2pix/io.safetensors" "$work/corpus/" ;;
esac
echo "fuzzing $target for $seconds s in $work" >&2
cd "$work"
# keras's libhdf5 child and hog's dlib child may use 10 CPU-seconds, and are killed after 50 s of
# wall time (fd_isolation): an input slower than that is theirs to refuse, not a hang of ours.
timeout=20
case $target in keras | hog) timeout=60 ;; esac
# FUZZ_SEED fixes libFuzzer's seed (CI sets it, so a red run can be replayed); without it each
# run explores anew, as a campaign should.
seed=()
[ -n "${FUZZ_SEED:-}" ] && seed=(-seed="$FUZZ_SEED")
FACEDETAIL_FUZZ_TARGET=$target "$binary" corpus "${seed[@]}" -max_total_time="$seconds" -timeout=$timeout -rss_limit_mb=4096 \
  -max_len=$((1 << 20)) -print_final_stats=1 2>"$work/log" || status=$?
grep -E "^(stat::|#[0-9]+[[:space:]]+DONE|==[0-9]+==ERROR|SUMMARY)" "$work/log" | tail -12
if [ "${status:-0}" -ne 0 ]; then
  echo "$target: finding (exit ${status}); see $work/log and $work/crash-*" >&2
  exit 1
fi
# With exit 0, crash-* files come from the forked children (keras's libhdf5, hog's dlib probe):
# libFuzzer's handler runs in the child too, but the fault stayed there and the parent refused
# the input. They are counted, not findings.
contained=$(find "$work" -maxdepth 1 -name 'crash-*' | wc -l)
[ "$contained" -gt 0 ] && echo "$target: $contained inputs crashed an isolated child (contained, refused)"
echo "$target: no finding in $seconds s"
