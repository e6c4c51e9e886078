#!/usr/bin/env bash
# ragctl set-up: everything a fresh clone needs, then the main job on the example config.
#
#   ./scripts/setup.sh            # system libraries (Linux), npm packages, build, model, index
#   RAGCTL_SETUP_SKIP_RUN=1 ./scripts/setup.sh   # the same without running the example
#
# Safe to run again: every step checks first and does only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m==>\033[0m %s\n' "$*" >&2; }
die() { printf 'setup: %s\n' "$*" >&2; exit 1; }

# Node 20.19+ (chokidar 5 needs it; Node 22 is fine too).
command -v node >/dev/null || die "Node.js 20.19 or newer is required (https://nodejs.org)."
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' \
  || die "Node.js $(node --version) is too old: ragctl needs 20.19 or newer."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else die "need root for: $*"; fi; }

case "$(uname -s)" in
  Linux)
    # MLX's CPU build links LAPACK and OpenBLAS; its kernel compiler (mx.compile) calls g++.
    # The SQL engine's tests run real servers: PostgreSQL (its server package has pgbench)
    # and MariaDB. Their Debian packages start a system service; the tests never use it.
    # zsh and fish: the completion tests run `ragctl completion <shell>`'s scripts in them.
    missing=()
    for pkg in liblapack3 libopenblas0 g++ postgresql postgresql-contrib mariadb-server zsh fish; do
      dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
    done
    if [ ${#missing[@]} -gt 0 ]; then
      if command -v apt-get >/dev/null; then
        say "installing system packages: ${missing[*]}"
        as_root apt-get update -qq
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
      else
        die "please install LAPACK, OpenBLAS, g++, PostgreSQL and MariaDB with your package manager (Debian names: ${missing[*]})"
      fi
    fi
    ;;
  Darwin)
    command -v fish >/dev/null || say "fish is missing: the shell completion tests need it (brew install fish)"
    ;;
  *) die "unsupported platform $(uname -s): ragctl runs on macOS and Linux" ;;
esac

say "installing npm packages (npm ci)"
npm ci --no-audit --no-fund

# The MLX package ships a Linux CPU binary; on macOS its install script (denied in package.json's
# allowScripts because it downloads from GitHub) fetches the Metal build, so run it here.
if [ "$(uname -s)" = Darwin ]; then
  say "fetching MLX's Metal binary for macOS"
  (cd node_modules/@frost-beta/mlx && node install.js)
fi

say "building"
npm run build --silent

say "getting the embedding model"
node bin/ragctl.js model pull --config config.yaml

# The openai embedder's tests run a real embedding server (Infinity, in its own venv under the
# cache dir); without it they are skipped, which CI counts as a failure.
./scripts/setup-embed-server.sh || say "warning: the test embedding server could not be installed (see above)"

if [ "${RAGCTL_SETUP_SKIP_RUN:-0}" != 1 ]; then
  say "indexing the example notes (config.yaml)"
  node bin/ragctl.js index --config config.yaml
  node bin/ragctl.js search --config config.yaml "how do I restore a file from backup" -k 3

  if node bin/ragctl.js status --config config.yaml --json 2>/dev/null | grep -q '"via":"daemon"'; then
    say "the daemon is already running on config.yaml"
  else
    say "starting the daemon on config.yaml (in the background; logs in .ragctl/logs/ragd.log)"
    # Its own session: it outlives this script and ignores the terminal's Ctrl-C.
    if command -v setsid >/dev/null; then starter=(setsid); else starter=(); fi
    # On Linux the daemon sets glibc's allocator settings itself (src/daemon/glibc-env.ts).
    nohup "${starter[@]}" node bin/ragctl.js daemon run --config config.yaml >/dev/null 2>&1 &
    for _ in $(seq 1 120); do
      node bin/ragctl.js status --config config.yaml --json 2>/dev/null | grep -q '"via":"daemon"' && break
      sleep 0.5
    done
    node bin/ragctl.js status --config config.yaml
  fi
  cat >&2 <<'MSG'

The daemon is watching ./examples/notes: edit a note there and search again.
  node bin/ragctl.js search --config config.yaml "your question"
  node bin/ragctl.js daemon stop --config config.yaml      # stop it
  node bin/ragctl.js daemon install --config config.yaml   # or run it as a launchd/systemd service
MSG
fi
say "done. Try: node bin/ragctl.js --help"
