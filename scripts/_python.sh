# Shared by scripts/demo and scripts/test: find Python ≥ 3.11 and prepare .venv.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

find_python() {
  for candidate in "${PYTHON:-}" python3.13 python3.12 python3.11 python3; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
      echo "$candidate"
      return 0
    fi
  done
  echo "Python 3.11 or newer is needed (set PYTHON=/path/to/python3.11)." >&2
  return 1
}

ensure_venv() {
  local extras="$1"
  local python
  python="$(find_python)"
  if [ ! -x .venv/bin/python ]; then
    "$python" -m venv .venv || {
      echo "python -m venv failed: on Debian/Ubuntu, apt-get install python3-venv" >&2
      exit 1
    }
  fi
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".${extras}"
}
