#!/usr/bin/env bash
# Times `facedetail reconstruct` end to end (process start to exit, the folder written) on a
# 1-megapixel photo at --uv-size 2048 with fbx, obj and glb, and the time from the process's start
# to the photo being opened; the baseline of the same run is `facedetail bench reconstruct`'s own
# stage list for the same photo and size (in process: no start-up, no folder write), so
# `end to end / in process` is what start-up, loading and writing the folder add.
#
# Usage: benchmarks/reconstruct.sh [FACEDETAIL_BINARY] [RUNS] [PHOTO]
set -euo pipefail
bin=${1:-.build/release/facedetail}
runs=${2:-5}
photo=${3:-benchmarks/photos/astronaut-1mp.jpg}
[ -x "$bin" ] || { echo "no facedetail binary at $bin (make release)" >&2; exit 1; }
command -v strace >/dev/null || { echo "needs strace (apt-get install strace)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
args=(--uv-size 2048 --formats fbx,obj,glb)

stats() {  # median, min and max of the numbers on stdin
  sort -n | awk '{a[NR]=$1} END {printf "%.3f (%.3f–%.3f)", a[int((NR+1)/2)], a[1], a[NR]}'
}

# End to end, and the peak resident set of each run.
ends=() peaks=()
for _ in $(seq "$runs"); do
  rm -rf "$work/out"
  start=$(date +%s%N)
  /usr/bin/time -f "%M" -o "$work/rss" "$bin" reconstruct "$photo" -o "$work/out" "${args[@]}" >/dev/null
  end=$(date +%s%N)
  ends+=("$(awk -v d=$((end - start)) 'BEGIN {print d / 1e9}')")
  peaks+=("$(awk '{print $1 / 1024}' "$work/rss")")
done

# Peak resident set at --uv-size 4096 (issue 18's memory goal), in MiB as /usr/bin/time's KiB / 1024
# and in decimal GB, since "1 GB" is read both ways.
big_peaks=()
for _ in $(seq "$runs"); do
  rm -rf "$work/out"
  /usr/bin/time -f "%M" -o "$work/rss" "$bin" reconstruct "$photo" -o "$work/out" --uv-size 4096 --formats fbx,obj,glb >/dev/null
  big_peaks+=("$(awk '{print $1 / 1024}' "$work/rss")")
done

# Process start to the photo's first open, from strace's timestamps (seccomp-filtered: only these
# two calls stop the process).
reads=()
for _ in $(seq "$runs"); do
  rm -rf "$work/out"
  strace -f -ttt --seccomp-bpf -e trace=execve,openat -o "$work/trace" \
    "$bin" reconstruct "$photo" -o "$work/out" "${args[@]}" >/dev/null
  reads+=("$(awk -v photo="$(basename "$photo")" '
    /execve\(/ && !t0 {t0 = $2}
    index($0, photo) && /openat\(/ && !t1 {t1 = $2}
    END {print t1 - t0}' "$work/trace")")
done

# The baseline: the same photo and size through the pipeline in one process.
inproc=$("$bin" bench reconstruct --photo "$photo" --sizes 2048 --runs "$runs" --json 2>/dev/null |
  awk -F'"totalSeconds" *: *' 'NF > 1 {split($2, v, /[,}]/); print v[1]}')

end_stats=$(printf '%s\n' "${ends[@]}" | stats)
end_median=$(printf '%s\n' "${ends[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
printf 'photo %s, --uv-size 2048, fbx,obj,glb, %d runs, seconds: median (min–max)\n' "$photo" "$runs"
printf '  end to end (process start to exit)   %s\n' "$end_stats"
printf '  process start to the photo opened    %s\n' "$(printf '%s\n' "${reads[@]}" | stats)"
printf '  in process (bench reconstruct total) %.3f\n' "$inproc"
printf '  end to end / in process              %.2f\n' "$(awk -v a="$end_median" -v b="$inproc" 'BEGIN {print a / b}')"
printf '  peak resident set, MiB               %s\n' "$(printf '%s\n' "${peaks[@]}" | stats)"
printf '  peak resident set at 4096², MiB      %s\n' "$(printf '%s\n' "${big_peaks[@]}" | stats)"
printf '  peak resident set at 4096², GB       %s\n' "$(printf '%s\n' "${big_peaks[@]}" | awk '{print $1 * 1048576 / 1e9}' | stats)"
