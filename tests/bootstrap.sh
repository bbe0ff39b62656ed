#!/usr/bin/env bash
# Create or update a test virtualenv for huaweicloud.cloud.
#
#   bash tests/bootstrap.sh [PYTHON] [VENV] [ANSIBLE_CORE_SPEC] [REQUIREMENTS]
#
#   PYTHON             "3.11" (default), "python3.12", or a path to an interpreter.
#                      A version that is not on PATH is looked up in pyenv
#                      ($PYENV_ROOT/versions/X.Y.*).
#   VENV               default: <repo>/.venv
#   ANSIBLE_CORE_SPEC  default: "ansible-core==2.19.*" ("2.20.*" is short for
#                      "ansible-core==2.20.*")
#   REQUIREMENTS       default: tests/requirements.txt
#
# Does nothing when the venv's stamp (hash of interpreter version, spec,
# requirement files and this script) matches. Prints one line on success and
# the tail of the pip log on failure. It also writes the offline stand-in for
# the get-pip bootstrap script that ansible-test would otherwise download (see
# write_get_pip_shims below).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

PY_WANT=${1:-3.11}
VENV=${2:-$ROOT/.venv}
CORE_SPEC=${3:-ansible-core==2.19.*}
REQS=${4:-$ROOT/tests/requirements.txt}

case "$CORE_SPEC" in
  ansible-core*) ;;
  [0-9]*) CORE_SPEC="ansible-core==$CORE_SPEC" ;;
  *) echo "bootstrap: bad ansible-core spec: $CORE_SPEC" >&2; exit 2 ;;
esac
case "$VENV" in /*) ;; *) VENV=$ROOT/$VENV ;; esac
case "$REQS" in /*) ;; *) REQS=$ROOT/$REQS ;; esac
[ -f "$REQS" ] || { echo "bootstrap: no such requirements file: $REQS" >&2; exit 2; }

# Resolve PYTHON to a real interpreter path (pyenv shims for versions that are
# not selected exist on PATH but fail, so each candidate is actually run).
resolve_python() {
  local want=$1 name ver cand d root
  if [[ $want == */* ]]; then
    "$want" -c 'import sys; print(sys.executable)' 2>/dev/null && return 0
    return 1
  fi
  name=$want
  [[ $want =~ ^[0-9]+(\.[0-9]+)?$ ]] && name=python$want
  ver=${name#python}
  if command -v "$name" >/dev/null 2>&1; then
    "$name" -c 'import sys; print(sys.executable)' 2>/dev/null && return 0
  fi
  root=${PYENV_ROOT:-$HOME/.pyenv}
  if [ -n "$ver" ] && [ -d "$root/versions" ]; then
    while IFS= read -r d; do
      for cand in "$d/bin/$name" "$d/bin/python3"; do
        if [ -x "$cand" ]; then
          "$cand" -c 'import sys; print(sys.executable)' 2>/dev/null && return 0
        fi
      done
    done < <(for d in "$root/versions/$ver" "$root/versions/$ver".*; do [ -d "$d" ] && echo "$d"; done | sort -V -r)
  fi
  return 1
}

PYTHON=$(resolve_python "$PY_WANT") || {
  echo "bootstrap: cannot find a Python interpreter for '$PY_WANT' (PATH or pyenv)" >&2
  exit 2
}
PY_VERSION=$("$PYTHON" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')
PY_MINOR=${PY_VERSION%.*}

# Serialise concurrent bootstraps of the same venv (run.sh and demo.sh, say).
mkdir -p "$(dirname "$VENV")"
if command -v flock >/dev/null 2>&1; then
  exec 9>"${TMPDIR:-/tmp}/hwc-bootstrap-$(printf '%s' "$VENV" | cksum | cut -d' ' -f1).lock"
  flock 9
fi

sha() { if command -v sha256sum >/dev/null 2>&1; then sha256sum; else "$PYTHON" -c 'import hashlib,sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())'; fi; }

STAMP=$(
  {
    echo "python=$PY_VERSION spec=$CORE_SPEC reqs=$REQS"
    cat "$REQS"
    # requirement files pulled in with -r / -c are hashed too
    grep -E '^\s*-(r|c)\s' "$REQS" | awk '{print $2}' | while read -r inc; do
      cat "$(dirname "$REQS")/$inc" 2>/dev/null || true
    done
    cat "${BASH_SOURCE[0]}"
  } | sha | cut -c1-32
)
STAMP_FILE=$VENV/.hwc-bootstrap-stamp

write_get_pip_shims() {
  # ansible-test (sanity/units) creates its own virtualenvs without pip and then
  # downloads a get-pip.py from ci-files.testing.ansible.com, which is not
  # reachable here. It first looks in ~/.ansible/test/cache/get_pip_<ver>.py;
  # we put a stand-in there that bootstraps pip with the interpreter's own
  # ensurepip and then lets pip (PyPI) install the requested pip version.
  "$VENV/bin/python" - <<'PYEOF'
import os, pathlib, re
try:
    import ansible_test
except ImportError:
    raise SystemExit(0)
src = pathlib.Path(ansible_test.__file__).parent / '_internal' / 'python_requirements.py'
versions = set(re.findall(r"pip=['\"]([0-9][0-9.]*)['\"]", src.read_text())) if src.exists() else set()
marker = '# hwc get-pip stand-in (tests/bootstrap.sh)'
shim = marker + '''
import subprocess
import sys

args = [a for a in sys.argv[1:] if a not in ('--no-setuptools', '--no-wheel')]
subprocess.check_call([sys.executable, '-m', 'ensurepip', '--default-pip'], stdout=subprocess.DEVNULL)
subprocess.check_call([sys.executable, '-m', 'pip', 'install', '-q', '--disable-pip-version-check'] + args)
if '--no-setuptools' in sys.argv[1:]:
    subprocess.call([sys.executable, '-m', 'pip', 'uninstall', '-q', '-y', 'setuptools'],
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
'''
cache = pathlib.Path(os.path.expanduser('~/.ansible/test/cache'))
cache.mkdir(parents=True, exist_ok=True)
for v in sorted(versions):
    p = cache / ('get_pip_%s.py' % v.replace('.', '_'))
    if p.exists() and not p.read_text(errors='replace').startswith(marker):
        continue  # a real get-pip.py someone put there: keep it
    if not p.exists() or p.read_text() != shim:
        p.write_text(shim)
PYEOF
}

if [ -x "$VENV/bin/python" ] && [ -f "$STAMP_FILE" ] && [ "$(cat "$STAMP_FILE")" = "$STAMP" ]; then
  write_get_pip_shims
  echo "bootstrap: $(basename "$VENV") up to date (python $PY_VERSION, $("$VENV/bin/python" -c 'import ansible; print("ansible-core", ansible.__version__)' 2>/dev/null))"
  exit 0
fi

START=$SECONDS
if [ -x "$VENV/bin/python" ]; then
  have=$("$VENV/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null || echo none)
  if [ "$have" != "$PY_MINOR" ]; then
    echo "bootstrap: $VENV has python $have, want $PY_MINOR: recreating"
    rm -rf "$VENV"
  fi
fi
if [ ! -x "$VENV/bin/python" ]; then
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
fi

LOG=$VENV/.hwc-bootstrap.log
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1
if ! "$VENV/bin/python" -m pip install --upgrade -r "$REQS" "$CORE_SPEC" >"$LOG" 2>&1; then
  echo "bootstrap: pip install failed for $VENV (log: $LOG); last lines:" >&2
  grep -v "^WARNING: Location 'file:" "$LOG" | tail -n 40 >&2
  exit 1
fi
if ! "$VENV/bin/python" -m pip check >>"$LOG" 2>&1; then
  echo "bootstrap: warning: 'pip check' reports conflicts (see $LOG)" >&2
fi

write_get_pip_shims
echo "$STAMP" > "$STAMP_FILE"
echo "bootstrap: $(basename "$VENV") ready in $((SECONDS - START))s (python $PY_VERSION, $("$VENV/bin/python" -c 'import ansible; print("ansible-core", ansible.__version__)'), $(du -sh "$VENV" | cut -f1))"
