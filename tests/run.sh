#!/usr/bin/env bash
# The test command of huaweicloud.cloud (CI runs it through .ci/run).
#
#   bash tests/run.sh
#   bash tests/run.sh --integration    only the integration suite (tests/integration); with
#                                      HWC_TARGET=cloud it runs against a real cloud (README, Testing)
#
# Steps (each with a banner; the run stops at the first failure):
#   bootstrap        main venv .venv: python 3.11 + ansible-core 2.19.* + tooling
#   collection-copy  snapshot of the work tree at $BUILD_DIR/ansible_collections/huaweicloud/cloud
#   pytest           tests/unit tests/emulator tests/integration (those that hold tests)
#   sanity-2.19      ansible-test sanity --python 3.11 on the snapshot
#   ansible-lint     --profile production (config: .ansible-lint)
#   changelog-lint   antsibull-changelog lint + lint-changelog-yaml
#   docs-lint        antsibull-docs lint-collection-docs --plugin-docs
#   dist-install     ansible-galaxy collection build + install into a clean path;
#                    tests/dist checks the installed tree and runs it by FQCN
#   ee-definition    ansible-builder create of execution-environment.yml (with the
#                    built tarball); the context is checked and its galaxy and
#                    introspection steps are replayed without a container
#   matrix-2.20      python 3.12 + ansible-core 2.20.*: bootstrap, sanity, pytest tests/unit and -m matrix
#   matrix-2.21      python 3.13 + ansible-core 2.21.*: the same
#
# Environment:
#   HWC_MATRIX=0           skip the matrix legs (quick local run)
#   HWC_KEEP_GOING=1       run every step even after a failure
#   HWC_SKIP="pytest ..."  step names to skip (local iteration only)
#   HWC_PYTEST_ARGS="..."  extra pytest arguments (e.g. "-x -k signer")
#   HWC_PYTEST_WORKERS=N   pytest-xdist workers for tests/integration (default: nproc; 1 = serial)
#   HWC_SANITY_ARGS="..."  extra ansible-test sanity arguments (e.g. "--test pep8")
#   HWC_MATRIX_MARK="..."  pytest -m expression of the matrix legs (default "matrix": the
#                          integration tests that depend on ansible-core itself)
#   HWC_MATRIX_SANITY_TESTS="compile import ..."  restrict sanity in the matrix legs
#                          (default: every sanity test)
#   HWC_STEP_TIMEOUT=N     seconds allowed to each tool run without a terminal, as
#                          in CI (default 1500)
#   HWC_TARGET=cloud       integration tests against the cloud of tests/integration/cloud-config-huaweicloud.ini
#                          (HWC_CLOUD_CONFIG=FILE for another file) and the HUAWEICLOUD_* credentials; tests
#                          marked emulator_only are skipped, long jobs need HWC_CLOUD_LONG=1
#   BUILD_DIR=DIR          where the collection snapshot lives
#                          (default /tmp/hwc-build-<hash of the repo path>)
#
# The last line is "N passed, N failed[, N skipped]" counting steps.
set -uo pipefail

ONLY=all
case "${1:-}" in
  "") ;;
  --integration) ONLY=integration ;;
  *) echo "usage: bash tests/run.sh [--integration]" >&2; exit 2 ;;
esac

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

HWC_MATRIX=${HWC_MATRIX:-1}
HWC_KEEP_GOING=${HWC_KEEP_GOING:-0}
HWC_STEP_TIMEOUT=${HWC_STEP_TIMEOUT:-1500}
HWC_PYTEST_WORKERS=${HWC_PYTEST_WORKERS:-$(nproc 2>/dev/null || echo 2)}
HWC_MATRIX_MARK=${HWC_MATRIX_MARK:-matrix}
BUILD_DIR=${BUILD_DIR:-${TMPDIR:-/tmp}/hwc-build-$(printf '%s' "$ROOT" | cksum | cut -d' ' -f1)}
COLL=$BUILD_DIR/ansible_collections/huaweicloud/cloud
export ANSIBLE_COLLECTIONS_PATH=$BUILD_DIR
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 PYTHONDONTWRITEBYTECODE=1
export ANSIBLE_NOCOLOR=${ANSIBLE_NOCOLOR:-1} PY_COLORS=${PY_COLORS:-0}
unset VIRTUAL_ENV PYTHONHOME 2>/dev/null || true

MAIN_VENV=$ROOT/.venv
# leg name -> "python venv ansible-core-spec"
MATRIX_LEGS=("2.20:3.12:$ROOT/.venv-2.20:ansible-core==2.20.*" "2.21:3.13:$ROOT/.venv-2.21:ansible-core==2.21.*")

STEP_NAMES=() STEP_RESULTS=() STEP_TIMES=()
FAILED=0

banner() {
  printf '\n==============================================================================\n'
  printf '== %s\n' "$*"
  printf '==============================================================================\n'
}

# Run a command with a venv's bin first on PATH, bounded in time when nobody
# is at a terminal (timeout(1) moves the command out of the terminal's
# foreground process group, which would make Ctrl-C miss it).
in_venv() {
  local venv=$1; shift
  if [ -t 0 ]; then
    PATH="$venv/bin:$PATH" VIRTUAL_ENV="$venv" "$@"
  else
    PATH="$venv/bin:$PATH" VIRTUAL_ENV="$venv" timeout -k 30 "$HWC_STEP_TIMEOUT" "$@"
  fi
}

# ansible-test installs each sanity test's pinned requirements into its own
# venv under ~/.ansible/test/venv (once per machine and ansible-core version)
# and shows pip's progress; keep pip's errors, drop its chatter (and the
# warnings about this machine's empty local package indexes).
quiet_pip_noise() {
  sed -u -E \
    -e "/^WARNING: Location 'file:\/\/\//d" \
    -e '/^(Collecting|Processing|Requirement already satisfied|Looking in (indexes|links)|Installing collected packages:|Successfully installed|Using cached)( |$)/d' \
    -e '/^  (Downloading|Using cached) /d' \
    -e '/^ +(━|-{5})/d' \
    -e '/^$/d'
}

# step NAME FUNCTION [ARGS...]: banner, run in a subshell with -e, record result.
# The function exits 99 to mean "skipped".
step() {
  local name=$1 fn=$2; shift 2
  # --integration: that step alone
  if [ "$ONLY" = integration ] && [ "$name" != integration ]; then return; fi
  case " ${HWC_SKIP:-} " in *" $name "*) skip_step "$name" "HWC_SKIP"; return ;; esac
  if [ "$FAILED" -gt 0 ] && [ "$HWC_KEEP_GOING" != 1 ]; then
    STEP_NAMES+=("$name"); STEP_RESULTS+=("not run"); STEP_TIMES+=("-")
    return
  fi
  banner "$name"
  local t0=$SECONDS rc
  ( set -euo pipefail; "$fn" "$@" )
  rc=$?
  local dt=$((SECONDS - t0))
  STEP_NAMES+=("$name"); STEP_TIMES+=("${dt}s")
  case $rc in
    0) STEP_RESULTS+=("passed") ;;
    99) STEP_RESULTS+=("skipped") ;;
    *) STEP_RESULTS+=("FAILED (exit $rc)"); FAILED=$((FAILED + 1)) ;;
  esac
  echo "-- $name: ${STEP_RESULTS[-1]} in ${dt}s"
}

skip_step() { STEP_NAMES+=("$1"); STEP_RESULTS+=("skipped"); STEP_TIMES+=("-"); echo "-- $1: skipped ($2)"; }

# ---------------------------------------------------------------------------
do_bootstrap() {  # PYVER VENV SPEC REQS
  bash "$ROOT/tests/bootstrap.sh" "$@"
}

do_copy() {
  rm -rf "$COLL"
  mkdir -p "$COLL"
  if git -C "$ROOT" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    # tracked + untracked-but-not-ignored files, as they are in the work tree
    git -C "$ROOT" ls-files -z --cached --others --exclude-standard \
      | while IFS= read -r -d '' f; do
          case "$f" in .venv*|tests/output/*|build/*|*/__pycache__/*|*.pyc) continue ;; esac
          if [ -e "$ROOT/$f" ] || [ -L "$ROOT/$f" ]; then printf '%s\0' "$f"; fi
        done \
      | tar -C "$ROOT" --null --no-recursion -T - -cf - \
      | tar -C "$COLL" -xf -
  else
    tar -C "$ROOT" --exclude=./.git --exclude='./.venv*' --exclude=./tests/output \
      --exclude=./build --exclude='__pycache__' --exclude='*.pyc' --exclude='.pytest_cache' \
      --exclude='.mypy_cache' --exclude='.ruff_cache' --exclude='./*.tar.gz' -cf - . \
      | tar -C "$COLL" -xf -
  fi
  echo "collection copied to $COLL ($(find "$COLL" -type f | wc -l) files)"
  echo "ANSIBLE_COLLECTIONS_PATH=$ANSIBLE_COLLECTIONS_PATH"
}

# Test directories that hold at least one test module.
test_dirs() {
  local d
  for d in "$@"; do
    if [ -d "$ROOT/$d" ] && [ -n "$(find "$ROOT/$d" -name 'test_*.py' -o -name '*_test.py' | head -n 1)" ]; then
      echo "$d"
    fi
  done
}

do_pytest() {  # VENV DIRS... [-- extra args]
  # One pytest session per directory: the suites are independent, and test
  # modules in different directories may share a basename (test_ims_image.py
  # in tests/unit/... and tests/integration/), which one rootdir-based
  # session cannot import side by side. Exit 5 (nothing collected, e.g. all
  # tests deselected by -m) counts as a pass only when a -m filter is given.
  local venv=$1; shift
  local dirs=() extra=()
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do dirs+=("$1"); shift; done
  [ "${1:-}" = "--" ] && shift && extra=("$@")
  local found
  mapfile -t found < <(test_dirs "${dirs[@]}")
  if [ ${#found[@]} -eq 0 ]; then
    echo "no test modules in: ${dirs[*]}"
    return 99
  fi
  local d rc failed=0 summary=() par
  for d in "${found[@]}"; do
    # The integration suite is dominated by ansible-playbook runs (CPU-bound
    # process start-ups): spread it over the cores with pytest-xdist.
    par=()
    if [ "$d" = tests/integration ] && [ "$HWC_PYTEST_WORKERS" -gt 1 ] \
        && "$venv/bin/python" -c 'import xdist' 2>/dev/null; then
      par=(-n "$HWC_PYTEST_WORKERS" --durations=10)
    fi
    echo "-- pytest $d ${par[*]} ${extra[*]}"
    rc=0
    # shellcheck disable=SC2086
    in_venv "$venv" python -m pytest -c tests/pytest.ini --rootdir "$ROOT" -p no:cacheprovider \
      "${par[@]}" "${extra[@]}" ${HWC_PYTEST_ARGS:-} "$d" || rc=$?
    if [ "$rc" = 5 ] && [[ " ${extra[*]} " == *" -m "* ]]; then
      echo "(every test in $d deselected by ${extra[*]})"; rc=0
    fi
    summary+=("$d: $([ "$rc" = 0 ] && echo passed || echo "FAILED (exit $rc)")")
    [ "$rc" = 0 ] || failed=1
  done
  printf -- '-- pytest %s\n' "${summary[@]}"
  return "$failed"
}

ensure_shellcheck() {
  # ansible-test's shellcheck sanity test is skipped when shellcheck is
  # missing; install it when we can (root + apt), otherwise carry on.
  command -v shellcheck >/dev/null 2>&1 && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing shellcheck (apt-get) for the shellcheck sanity test"
    if ! DEBIAN_FRONTEND=noninteractive timeout 300 apt-get install -y -qq shellcheck >/dev/null 2>&1; then
      timeout 300 apt-get update -qq >/dev/null 2>&1 || true
      DEBIAN_FRONTEND=noninteractive timeout 300 apt-get install -y -qq shellcheck >/dev/null 2>&1 || true
    fi
  fi
  command -v shellcheck >/dev/null 2>&1 || echo "WARNING: shellcheck not available; ansible-test will skip that sanity test"
}

do_sanity() {  # VENV PYVER [TESTS...]
  local venv=$1 pyver=$2; shift 2
  local tests=()
  local t
  for t in "$@"; do tests+=(--test "$t"); done
  ensure_shellcheck
  cd "$COLL"
  # shellcheck disable=SC2086
  in_venv "$venv" ansible-test sanity --python "$pyver" "${tests[@]}" ${HWC_SANITY_ARGS:-} 2>&1 | quiet_pip_noise
}

do_lint() {
  cd "$COLL"
  in_venv "$MAIN_VENV" ansible-lint --profile production --nocolor
}

do_changelog() {
  cd "$COLL"
  in_venv "$MAIN_VENV" antsibull-changelog lint -v
  in_venv "$MAIN_VENV" antsibull-changelog lint-changelog-yaml changelogs/changelog.yaml
  echo "changelog fragments and changelogs/changelog.yaml are valid"
}

do_docs_lint() {
  cd "$COLL"
  in_venv "$MAIN_VENV" antsibull-docs lint-collection-docs --plugin-docs .
  echo "collection docs (plugins, roles, README links) are valid"
}

# The collection's version, from galaxy.yml.
galaxy_version() {
  "$MAIN_VENV/bin/python" -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["version"])' "$COLL/galaxy.yml"
}

do_dist() {
  local out=$BUILD_DIR/dist tarball
  rm -rf "$out"
  in_venv "$MAIN_VENV" ansible-galaxy collection build --output-path "$out" "$COLL"
  tarball=$out/huaweicloud-cloud-$(galaxy_version).tar.gz
  # a clean path that is the only one ansible-galaxy knows (not the snapshot)
  ANSIBLE_COLLECTIONS_PATH=$out/collections in_venv "$MAIN_VENV" ansible-galaxy collection install --offline \
    -p "$out/collections" "$tarball"
  HWC_DIST_COLLECTIONS=$out/collections in_venv "$MAIN_VENV" python -m pytest -c tests/pytest.ini \
    --rootdir "$ROOT" -p no:cacheprovider tests/dist
}

do_ee() {
  # execution-environment.yml installs the tarball that `ansible-galaxy
  # collection build --output-path build` writes at the root (README).
  local ctx=$BUILD_DIR/ee-context tarball
  tarball=huaweicloud-cloud-$(galaxy_version).tar.gz
  rm -rf "$ctx" "$COLL/build"
  # the matrix legs run sanity on the snapshot afterwards: leave no tarball in it
  trap 'rm -rf "$COLL/build"' EXIT
  in_venv "$MAIN_VENV" ansible-galaxy collection build --output-path "$COLL/build" "$COLL"
  in_venv "$MAIN_VENV" ansible-builder create --file "$COLL/execution-environment.yml" --context "$ctx" \
    --output-filename Containerfile
  # The context holds the tarball (ansible-builder only warns about a missing
  # one, e.g. after a version bump) and the Containerfile installs it.
  cmp "$COLL/build/$tarball" "$ctx/_build/collections/$tarball"
  grep -qxF -- "- name: /build/collections/$tarball" "$ctx/_build/requirements.yml"
  grep -qxF 'COPY _build /build' "$ctx/Containerfile"
  grep -qE '^RUN .*ansible-galaxy collection install .*-r requirements.yml' "$ctx/Containerfile"
  # Replay the galaxy stage (install from the context's requirements.yml) and
  # the builder stage's introspection, without a container engine: the
  # installed collection asks for no Python or system package.
  sed "s#/build/#$ctx/_build/#" "$ctx/_build/requirements.yml" >"$ctx/local-requirements.yml"
  ANSIBLE_COLLECTIONS_PATH=$ctx/collections in_venv "$MAIN_VENV" ansible-galaxy collection install --offline \
    -r "$ctx/local-requirements.yml" -p "$ctx/collections"
  local found
  found=$(in_venv "$MAIN_VENV" python "$ctx/_build/scripts/introspect.py" introspect "$ctx/collections")
  echo "$found"
  if ! grep -qx 'python: \[\]' <<<"$found" || ! grep -qx 'system: \[\]' <<<"$found"; then
    echo "the installed collection declares requirements (expected none)"; return 1
  fi
  echo "EE context at $ctx: collection $tarball, no other requirements; build it with ansible-builder build (README)"
}

do_matrix() {  # LEG PYVER VENV SPEC
  local leg=$1 pyver=$2 venv=$3 spec=$4
  echo "-- [$leg] bootstrap"
  bash "$ROOT/tests/bootstrap.sh" "$pyver" "$venv" "$spec" "$ROOT/tests/requirements-matrix.txt"
  # sanity and pytest both run; the leg fails if either does
  local sanity_rc=0 pytest_rc=0
  echo "-- [$leg] ansible-test sanity --python $pyver ${HWC_MATRIX_SANITY_TESTS:-}"
  # shellcheck disable=SC2086
  (do_sanity "$venv" "$pyver" ${HWC_MATRIX_SANITY_TESTS:-}) || sanity_rc=$?
  echo "-- [$leg] pytest tests/unit tests/integration -m '$HWC_MATRIX_MARK'"
  do_pytest "$venv" tests/unit tests/integration -- -m "$HWC_MATRIX_MARK" || pytest_rc=$?
  if [ "$pytest_rc" = 99 ]; then echo "(no unit/integration test to run here)"; pytest_rc=0; fi
  echo "-- [$leg] sanity: $([ "$sanity_rc" = 0 ] && echo passed || echo "FAILED ($sanity_rc)"), pytest: $([ "$pytest_rc" = 0 ] && echo passed || echo "FAILED ($pytest_rc)")"
  [ "$sanity_rc" = 0 ] && [ "$pytest_rc" = 0 ]
}

# ---------------------------------------------------------------------------
trap 'echo; echo "interrupted"; exit 130' INT TERM
RUN_START=$SECONDS
echo "huaweicloud.cloud test run: repo $ROOT, build $BUILD_DIR, matrix=$HWC_MATRIX"

if [ "$ONLY" = integration ]; then
  [ -x "$MAIN_VENV/bin/python" ] || { echo "no venv at $MAIN_VENV: run bash tests/run.sh once (bootstrap)"; exit 2; }
  echo "integration suite only, target ${HWC_TARGET:-emulator}"
  step integration do_pytest "$MAIN_VENV" tests/integration
fi
step bootstrap do_bootstrap 3.11 "$MAIN_VENV" "ansible-core==2.19.*" "$ROOT/tests/requirements.txt"
step collection-copy do_copy
step pytest do_pytest "$MAIN_VENV" tests/unit tests/emulator tests/integration
step sanity-2.19 do_sanity "$MAIN_VENV" 3.11
step ansible-lint do_lint
step changelog-lint do_changelog
step docs-lint do_docs_lint
step dist-install do_dist
step ee-definition do_ee
for leg in "${MATRIX_LEGS[@]}"; do
  IFS=: read -r name pyver venv spec <<<"$leg"
  if [ "$HWC_MATRIX" = 0 ]; then
    [ "$ONLY" = integration ] || skip_step "matrix-$name" "HWC_MATRIX=0"
  else
    step "matrix-$name" do_matrix "$name" "$pyver" "$venv" "$spec"
  fi
done

banner "summary"
passed=0 failed=0 skipped=0
for i in "${!STEP_NAMES[@]}"; do
  printf '  %-16s %-18s %8s\n' "${STEP_NAMES[$i]}" "${STEP_RESULTS[$i]}" "${STEP_TIMES[$i]}"
  case "${STEP_RESULTS[$i]}" in
    passed) passed=$((passed + 1)) ;;
    skipped|"not run") skipped=$((skipped + 1)) ;;
    *) failed=$((failed + 1)) ;;
  esac
done
printf '  %-16s %-18s %8s\n' "total" "" "$((SECONDS - RUN_START))s"
line="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && line="$line, $skipped skipped"
echo "$line"
[ "$failed" -eq 0 ]
