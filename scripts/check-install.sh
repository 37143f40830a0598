#!/usr/bin/env bash
# Issue 19's install check, as on a fresh machine: `make install PREFIX=…`, then from / the
# installed binary reconstructs the sample with the installed models and weights, `man -l` shows
# the page, and bash completion completes a subcommand.
set -euo pipefail
cd "$(dirname "$0")/.."
prefix=$(mktemp -d)
out=$(mktemp -d)
trap 'rm -rf "$prefix" "$out"' EXIT
make install PREFIX="$prefix" >/dev/null
sample=$(pwd)/samples/astronaut.png
(cd / && env -u FACEDETAIL_MODEL_DIR "$prefix/bin/facedetail" reconstruct "$sample" -o "$out" >/dev/null)
test -s "$out/astronaut/detailed.fbx" && test -s "$out/astronaut/manifest.json"
MANWIDTH=80 man -l "$prefix/share/man/man1/facedetail.1" 2>/dev/null | grep -q "facedetail — Turn face photos"
completed=$(bash -c '
  source "$1"
  COMP_WORDS=(facedetail rec); COMP_CWORD=1; COMP_LINE="facedetail rec"; COMP_POINT=${#COMP_LINE}
  function=$(complete -p facedetail | sed "s/.*-F \([^ ]*\).*/\1/")
  "$function" facedetail rec facedetail
  echo "${COMPREPLY[*]}"' _ "$prefix/share/bash-completion/completions/facedetail")
[ "$completed" = "reconstruct" ] || { echo "bash completion gave '$completed' for 'rec'" >&2; exit 1; }
echo "install ran: the installed binary reconstructed from /, man page and bash completion work"
