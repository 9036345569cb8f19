#!/usr/bin/env bash
# Slims what a GPU lease copies. The device tool sends every tracked and untracked-not-ignored file
# plus the carried paths, 64 MiB at most in all; this repository's tracked files alone are over
# 100 MiB (the shipped models, contact sheets and checkpoints), and a training run needs none of the
# app's files. `hide` takes the app's models, the cards, the docs and every checkpoint not named out
# of git's index (the files stay on disk, HEAD is untouched) and ignores them in .git/info/exclude,
# so they do not travel; `restore` puts the index and the exclude file back as they were.
#
#   scripts/device-tree.sh hide models/upscale/checkpoints/sr-x4.pt   # keep the checkpoints the run reads
#   scripts/device-tree.sh size [CARRY...]                             # MiB that would travel
#   ... device run, carrying .gpu ...
#   scripts/device-tree.sh restore
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"
BEGIN='# device-tree.sh: begin' END='# device-tree.sh: end'
EXCLUDE=.git/info/exclude

size() { # MiB of the tracked and untracked-not-ignored files, plus the given paths
  { git ls-files -z --cached --others --exclude-standard; for p in "$@"; do find "$p" -type f -print0; done; } |
    xargs -0 -r stat -c %s -- 2>/dev/null | awk '{s += $1} END {printf "%.1f\n", s / 1048576}'
}

case "${1:-}" in
hide)
  shift
  grep -qF "$BEGIN" "$EXCLUDE" 2>/dev/null && { echo 'already hidden: run restore first' >&2; exit 1; }
  git diff --cached --quiet || { echo 'the index holds staged changes: commit them first' >&2; exit 1; }
  hidden=(public/models models/cards docs)
  for ck in $(git ls-files 'models/*/checkpoints/*'); do
    keep=0
    for k in "$@"; do [[ $ck == "$k" ]] && keep=1; done
    ((keep)) || hidden+=("$ck")
  done
  for k in "$@"; do git ls-files --error-unmatch -- "$k" >/dev/null || { echo "$k is not tracked" >&2; exit 1; }; done
  git rm -r -q --cached -- "${hidden[@]}"
  { echo "$BEGIN"; printf '/%s\n' "${hidden[@]}"; echo "$END"; } >> "$EXCLUDE"
  echo "hidden ${#hidden[@]} paths; $(size) MiB travel (add the carried paths: size CARRY...)"
  ;;
size)
  shift
  size "$@"
  ;;
restore)
  sed -i "/^$BEGIN\$/,/^$END\$/d" "$EXCLUDE"
  git reset -q
  echo "restored; $(size) MiB would travel"
  ;;
*)
  echo "usage: $0 hide [CHECKPOINT...] | size [CARRY...] | restore" >&2
  exit 2
  ;;
esac
