#!/usr/bin/env bash
# Side-by-side speed of Hugging Face transformers and Bamboo on one model: see compare.py --help.
# Usage: bench/compare/run.sh MODEL_DIR [--prompt-tokens N] [--gen-tokens N] [--threads N] [--warm-up S] [--backend cpu|tornadovm] ...
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
python=${PYTHON:-python3}
command -v "$python" >/dev/null 2>&1 || { echo "error: $python not found; install Python 3 or set PYTHON" >&2; exit 2; }
exec "$python" "$here/compare.py" --bamboo "$here/../../bamboo" "$@"
