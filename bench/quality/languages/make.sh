#!/bin/bash
# Builds the notes-in-other-languages corpus under bench/data/languages: the 30 notes here
# (French, German, Spanish, Portuguese, Chinese, Japanese and mixed, written by hand for this
# eval) and, as distractors, 150 man pages in French, German and Japanese from Debian's
# manpages-fr, manpages-de and manpages-ja (rendered to text, one file each).
#   apt-get install manpages-fr manpages-de manpages-ja man-db
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$here/../../data"
out=$(cd "$here/../../data" && pwd)/languages
rm -rf "$out"
mkdir -p "$out/man"
cp -r "$here/notes" "$out/notes"
while IFS= read -r page; do
  lang=${page%%/*}
  name=$(basename "$page" .txt)
  src=$(ls /usr/share/man/"$lang"/man*/"$name".* 2>/dev/null | head -1 || true)
  if [ -z "$src" ]; then
    echo "missing: $lang/$name (install manpages-$lang)" >&2
    exit 1
  fi
  mkdir -p "$out/man/$lang"
  LANG=C.UTF-8 MANWIDTH=100 man -l "$src" 2>/dev/null | col -bx > "$out/man/$lang/$name.txt"
done < "$here/man-pages.txt"
printf 'dataDir: %s/data\nsources:\n  - path: %s/notes\n  - path: %s/man\n' "$out" "$out" "$out" > "$out/config.yaml"
echo "$out/config.yaml: $(find "$out/notes" -type f | wc -l) notes, $(find "$out/man" -type f | wc -l) man pages"
