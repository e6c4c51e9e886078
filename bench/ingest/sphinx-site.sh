#!/usr/bin/env bash
# A Sphinx-built documentation site indexed by two checkouts (docs/BENCHMARKS.md §93): each gets
# a fresh HOME (the model cache linked in), `ragctl add` of the site, then `ragctl index --json`.
#
#   apt-get install python3.11-doc
#   bash bench/ingest/sphinx-site.sh /tmp/before .        # a worktree of the older commit, built
#
# The site: the tutorial's pages of /usr/share/doc/python3.11/html, with the site's `_sources/`
# for them, its `_static/` and `searchindex.js`, as Sphinx lays them out.
set -euo pipefail
html=/usr/share/doc/python3.11/html
site=/tmp/sphinx-site
rm -rf "$site" && mkdir -p "$site/_sources"
cp -rL "$html/tutorial" "$site/" && cp -rL "$html/_sources/tutorial" "$site/_sources/"
cp -rL "$html/_static" "$site/" && cp -L "$html/searchindex.js" "$html/index.html" "$site/"
echo "$(find "$site" -type f | wc -l) files in $site; $(grep -m1 'model name' /proc/cpuinfo); OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}"
n=0
for checkout in "$@"; do
  n=$((n + 1))
  home=/tmp/sphinx-site-home-$n
  rm -rf "$home" && mkdir -p "$home/.cache"
  for d in ragctl huggingface; do [ -e "$HOME/.cache/$d" ] && ln -s "$HOME/.cache/$d" "$home/.cache/$d"; done
  (cd "$checkout" && HOME=$home node bin/ragctl.js add "$site" | head -2 &&
    HOME=$home node bin/ragctl.js index --json | tail -1 |
    node -e 'const d = JSON.parse(require("fs").readFileSync(0, "utf8")); console.log(process.argv[1], `${d.filesAdded} files, ${d.chunksEmbedded} chunks, ${d.seconds.toFixed(1)} s`)' "$checkout ($(git rev-parse --short HEAD))")
done
