#!/usr/bin/env bash
# Lints docker/Dockerfile.cpu and docker/Dockerfile.gpu with dockerfile-utils (the linter behind VS Code's
# Dockerfile support; pure JavaScript, installed from the npm registry, no binary download). Needs node + npm.
# Optional: the JUnit checks in tests/src/test/java/dev/bamboo/tests/docker do not depend on it.
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
version=0.16.3
tool_dir="${BAMBOO_LINT_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/bamboo/dockerfile-utils-$version}"
if [ ! -x "$tool_dir/node_modules/.bin/dockerfile-utils" ]; then
  command -v npm >/dev/null || { echo "error: npm is needed to install dockerfile-utils; install Node.js (e.g. apt-get install npm)" >&2; exit 1; }
  mkdir -p "$tool_dir"
  npm install --prefix "$tool_dir" --no-save --silent --no-audit --no-fund "dockerfile-utils@$version" >&2
fi
status=0
for f in "$root"/docker/Dockerfile.cpu "$root"/docker/Dockerfile.gpu; do
  if "$tool_dir/node_modules/.bin/dockerfile-utils" lint "$f"; then
    echo "ok: ${f#"$root"/}"
  else
    echo "FAILED: ${f#"$root"/}" >&2
    status=1
  fi
done
exit $status
