#!/usr/bin/env bash
# The README's "try it in one command": run playbooks/demo.yml against the
# local IMS + IAM emulator (tests/emulator), then stop the emulator.
#
#   bash tests/demo.sh [extra ansible-playbook arguments, e.g. -v or --check]
#
# Environment: HWC_VENV (default .venv, shared with tests/run.sh),
# HWC_DEMO_PLAYBOOK (default playbooks/demo.yml), HWC_JOB_SECONDS (default 1).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

VENV=${HWC_VENV:-$ROOT/.venv}
PLAYBOOK=${HWC_DEMO_PLAYBOOK:-$ROOT/playbooks/demo.yml}
JOB_SECONDS=${HWC_JOB_SECONDS:-1}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/hwc-demo.XXXXXX")
EMU_PID=

cleanup() {
  local rc=$?
  if [ -n "$EMU_PID" ] && kill -0 "$EMU_PID" 2>/dev/null; then
    kill -TERM "$EMU_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$EMU_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$EMU_PID" 2>/dev/null || true
    wait "$EMU_PID" 2>/dev/null || true
    echo "demo: emulator stopped"
  fi
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# 1. tools (same venv as tests/run.sh: python 3.11 + ansible-core 2.19.*)
bash "$ROOT/tests/bootstrap.sh" 3.11 "$VENV" "ansible-core==2.19.*" "$ROOT/tests/requirements.txt"
PY=$VENV/bin/python

# 2. the collection, as ansible expects it: <path>/ansible_collections/huaweicloud/cloud
mkdir -p "$WORK/collections/ansible_collections/huaweicloud"
ln -s "$ROOT" "$WORK/collections/ansible_collections/huaweicloud/cloud"

# 3. the emulator, on a free loopback port
[ -f "$ROOT/tests/emulator/serve.py" ] || { echo "demo: tests/emulator/serve.py is missing" >&2; exit 1; }
READY=$WORK/emulator.json
"$PY" "$ROOT/tests/emulator/serve.py" --host 127.0.0.1 --port 0 --ready-file "$READY" \
  --job-seconds "$JOB_SECONDS" >"$WORK/emulator.log" 2>&1 &
EMU_PID=$!
for _ in $(seq 1 300); do
  [ -s "$READY" ] && break
  kill -0 "$EMU_PID" 2>/dev/null || { echo "demo: emulator exited early:" >&2; cat "$WORK/emulator.log" >&2; exit 1; }
  sleep 0.1
done
[ -s "$READY" ] || { echo "demo: emulator not ready after 30s" >&2; cat "$WORK/emulator.log" >&2; exit 1; }
URL=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["url"])' "$READY")
echo "demo: emulator listening on $URL (pid $EMU_PID)"

# 4. credentials of the seeded accounts (read from the emulator's world file)
creds() {  # DOMAIN -> "ACCESS SECRET"
  "$PY" - "$ROOT/tests/emulator/default.yml" "$1" <<'PYEOF'
import sys
import yaml
world = yaml.safe_load(open(sys.argv[1], encoding="utf-8"))
for domain in world["domains"]:
    if domain["name"] == sys.argv[2]:
        cred = domain["credentials"][0]
        print(cred["access"], cred["secret"])
        break
else:
    raise SystemExit("no domain %r in %s" % (sys.argv[2], sys.argv[1]))
PYEOF
}
read -r HUAWEICLOUD_ACCESS_KEY HUAWEICLOUD_SECRET_KEY < <(creds demo)
read -r DEMO_PARTNER_ACCESS_KEY DEMO_PARTNER_SECRET_KEY < <(creds partner)
if [ -z "$HUAWEICLOUD_ACCESS_KEY" ] || [ -z "$DEMO_PARTNER_ACCESS_KEY" ]; then
  echo "demo: could not read credentials from tests/emulator/default.yml" >&2
  exit 1
fi
for v in $(env | sed -n 's/^\(HUAWEICLOUD_[A-Z_]*\)=.*/\1/p'); do unset "$v"; done
export HUAWEICLOUD_ACCESS_KEY HUAWEICLOUD_SECRET_KEY DEMO_PARTNER_ACCESS_KEY DEMO_PARTNER_SECRET_KEY
export HUAWEICLOUD_REGION=cn-north-4
export HUAWEICLOUD_IAM_ENDPOINT="$URL/iam"
export HUAWEICLOUD_IMS_ENDPOINT="$URL/ims/{region}"

# 5. the playbook
export ANSIBLE_COLLECTIONS_PATH=$WORK/collections
export ANSIBLE_LOCALHOST_WARNING=False ANSIBLE_INVENTORY_UNPARSED_WARNING=False
export ANSIBLE_LOCAL_TEMP=$WORK/ansible-tmp
[ -f "$PLAYBOOK" ] || { echo "demo: $PLAYBOOK is missing" >&2; exit 1; }
echo "demo: ansible-playbook ${PLAYBOOK#"$ROOT"/} $*"
"$VENV/bin/ansible-playbook" "$PLAYBOOK" "$@"
