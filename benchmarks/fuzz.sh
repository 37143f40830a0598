#!/usr/bin/env bash
# Fuzzes one of facedetail's parsers with libFuzzer (issue 19): builds Fuzz/ (the FuzzTargets
# binary, instrumented with -sanitize=fuzzer,address), seeds a scratch corpus from Fuzz/seeds/TARGET
# (committed) plus, for formats whose only real files are set-up's (not ours to commit: the
# model, the landmark forest, the HOG detector, the dictionary), those files from models/, and runs
# for SECONDS. Prints libFuzzer's final stats (runs, execs/s, coverage) and exits non-zero on a
# finding, which libFuzzer writes as crash-*/timeout-*/oom-* in the scratch folder it names.
#
# Usage: benchmarks/fuzz.sh TARGET SECONDS      (TARGET: ppm png jpeg exr fdmodel safetensors
#                                                keras fdlm hog dictionary; "all" runs each)
set -euo pipefail
target=${1:?usage: benchmarks/fuzz.sh TARGET SECONDS}
seconds=${2:-60}
repo=$(cd "$(dirname "$0")/.." && pwd)
targets=(ppm png jpeg exr fdmodel safetensors keras fdlm hog dictionary)
# Known findings "all" leaves out, saying so (Fuzz/findings/, docs/robustness.md):
# keras: Debian's libhdf5 1.10 overreads memory on a damaged file, until HDF5 files are read in an
#   isolated child;
# hog: dlib raises its fatal_error once per process on a damaged detector file (the CLI reports it
#   and exits 1), and aborts on the second, which only a fuzzer's repeated loads reach.
known_findings=(keras hog)
if [ "$target" = all ]; then
  for t in "${targets[@]}"; do
    if [[ " ${known_findings[*]} " == *" $t "* ]]; then
      echo "$t: skipped (known finding: Fuzz/findings/)" >&2
      continue
    fi
    "$0" "$t" "$seconds" || exit 1
  done
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
  dictionary) cp "$repo/models/expression-dictionary.fdxd" "$work/corpus/" ;;
  keras) cp "$repo/Tests/Fixtures/emotion/"*.h5 "$work/corpus/" ;;
  safetensors) cp "$repo/Tests/Fixtures/pix2pix/io.safetensors" "$work/corpus/" ;;
esac
echo "fuzzing $target for $seconds s in $work" >&2
cd "$work"
FACEDETAIL_FUZZ_TARGET=$target "$binary" corpus -max_total_time="$seconds" -timeout=20 -rss_limit_mb=4096 \
  -max_len=$((1 << 20)) -print_final_stats=1 2>"$work/log" || status=$?
grep -E "^(stat::|#[0-9]+[[:space:]]+DONE|==[0-9]+==ERROR|SUMMARY)" "$work/log" | tail -12
if [ "${status:-0}" -ne 0 ]; then
  echo "$target: finding (exit ${status}); see $work/log and $work/crash-*" >&2
  exit 1
fi
echo "$target: no finding in $seconds s"
