"""Integration fixtures: a real emulator process and real ansible-playbook runs against it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from hwc_harness import (  # noqa: E402  pylint: disable=wrong-import-position
    REPO, PlaybookRun, World, credentials_env, start_emulator,
)
from hwc_target import (  # noqa: E402  pylint: disable=wrong-import-position
    classify, cloud_target, emulator_target, run_id, target_kind,
)

CALLBACKS = Path(__file__).resolve().parent / "callback_plugins"


def pytest_configure(config):
    # One run id for the controller and every xdist worker (they inherit the environment).
    run_id()
    if target_kind() == "cloud":
        # A TERM (a CI time-out) unwinds like Ctrl-C, so the session cleanup still runs.
        signal.signal(signal.SIGTERM, _interrupt)
        # Print why each test was skipped (emulator_only, missing settings, long jobs not opted in).
        if "s" not in config.option.reportchars and "a" not in config.option.reportchars:
            config.option.reportchars += "s"
        if (getattr(config.option, "numprocesses", None) and not hasattr(config, "workerinput")
                and not os.environ.get("HWC_ESTIMATE_DIR")):
            # Where xdist workers leave what they selected (the controller collects nothing itself).
            os.environ["HWC_ESTIMATE_DIR"] = tempfile.mkdtemp(prefix="hwc-estimate-")


def _interrupt(signum, _frame):
    raise KeyboardInterrupt("signal %d" % signum)


def _print_estimate(config, counts):
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    text = cloud_target().estimate(counts)
    if reporter is not None:
        reporter.write_line(text)
    else:
        print(text)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_finish(session):
    """The estimate of what the run creates, from the tests selected (after -m/-k), before any of them runs."""
    if target_kind() != "cloud":
        return
    counts = Counter(classify(item) for item in session.items)
    worker = getattr(session.config, "workerinput", None)
    if worker is None:
        _print_estimate(session.config, counts)
    else:
        # Under xdist this runs before the worker reports its collection, so the controller finds it below.
        path = Path(os.environ["HWC_ESTIMATE_DIR"]) / (worker["workerid"] + ".json")
        path.write_text(json.dumps(counts))


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_node_collection_finished(node, ids):
    """xdist's controller: print the estimate once, from the first worker's selection (all select the same)."""
    config = node.config
    if target_kind() != "cloud" or getattr(config, "hwc_estimated", False):
        return
    counts = json.loads((Path(os.environ["HWC_ESTIMATE_DIR"]) / (node.gateway.id + ".json")).read_text())
    assert sum(counts.values()) == len(ids), (counts, len(ids))
    config.hwc_estimated = True
    _print_estimate(config, counts)


def pytest_collection_modifyitems(config, items):  # pylint: disable=unused-argument
    if target_kind() != "cloud":
        return
    for item in items:
        marker = item.get_closest_marker("emulator_only")
        if marker:
            reason = marker.kwargs.get("reason") or (marker.args[0] if marker.args else "needs the emulator")
            item.add_marker(pytest.mark.skip(reason="emulator_only: " + reason))
        elif "emulator" in item.fixturenames:
            # A test that takes the emulator fixture and says no more is emulator-only too (and counted so).
            item.add_marker(pytest.mark.skip(reason="emulator_only: uses the emulator fixture (control API, seeded "
                                                    "world); mark it emulator_only with its reason"))


@pytest.fixture(scope="session")
def hwc_target(request):
    """The target of this session (HWC_TARGET): cloud = config file + HUAWEICLOUD_* environment, no control API.
    Whatever carries this run's tag is deleted when the session ends, also after failures or Ctrl-C."""
    if target_kind() == "cloud":
        target = cloud_target()
    else:
        target = emulator_target(request.getfixturevalue("emulator"), credentials_env)
    yield target
    try:
        deleted = target.cleanup()
    except Exception:
        print("\nhwc-test cleanup of run %s failed; remove its images with: ansible-playbook "
              "playbooks/cleanup_test_resources.yml -e hwc_cleanup_run_id=%s -e hwc_cleanup_min_age_hours=0"
              % (target.run_id, target.run_id))
        raise
    if deleted:
        print("\nhwc-test cleanup: deleted %d image(s) of run %s: %s" % (len(deleted), target.run_id, deleted))


@pytest.fixture
def world(request):
    """The world of a test that runs on both targets (see hwc_harness.World). On the emulator target it is the
    test's own emulator (a module may start one with a world of its own), reset for each test."""
    if target_kind() == "cloud":
        return World(request.getfixturevalue("hwc_target"))
    emu = request.getfixturevalue("emulator")
    return World(emulator_target(emu, credentials_env), emu)


@pytest.fixture(scope="session")
def emulator(tmp_path_factory):
    if target_kind() == "cloud":
        pytest.skip("emulator_only: reads the emulator's seeded world, state or calls (HWC_TARGET=cloud)")
    emu = start_emulator(tmp_path_factory.mktemp("emulator"))
    yield emu
    emu.process.terminate()
    emu.process.wait(timeout=10)


@pytest.fixture(autouse=True)
def _fresh_world(request):
    # Every integration test starts from the seeded world.
    if target_kind() == "emulator" and {"emulator", "run_playbook"} & set(request.fixturenames):
        request.getfixturevalue("emulator").reset()


@pytest.fixture(scope="session")
def collections_path(tmp_path_factory):
    """A collections root where huaweicloud.cloud is this checkout."""
    preset = os.environ.get("HWC_COLLECTIONS_PATH")
    if preset:
        return preset
    root = tmp_path_factory.mktemp("collections")
    target = root / "ansible_collections" / "huaweicloud"
    target.mkdir(parents=True)
    (target / "cloud").symlink_to(REPO)
    return str(root)


@pytest.fixture
def run_playbook(request, collections_path, tmp_path):
    """Run a playbook (YAML text, a list of plays, or a path) with real ansible-playbook.

    On the emulator target ``domain``/``region`` pick a seeded account; on the cloud target the run gets the
    cloud target's HUAWEICLOUD_* environment (``domain`` and ``region`` do not apply)."""
    counter = {"n": 0}
    emulator = request.getfixturevalue("emulator") if target_kind() == "emulator" else None

    def run(playbook, extra_vars=None, check=False, diff=False, verbosity=0, env=None, domain="demo",
            region="cn-north-4", args=()):
        counter["n"] += 1
        if isinstance(playbook, Path):
            path = playbook
        else:
            path = tmp_path / ("play%d.yml" % counter["n"])
            path.write_text(playbook if isinstance(playbook, str) else yaml.safe_dump(playbook, sort_keys=False))
        results_file = tmp_path / ("results%d.jsonl" % counter["n"])
        command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", "localhost,",
                   "-c", "local", str(path)]
        if extra_vars:
            command += ["-e", json.dumps(extra_vars)]
        if check:
            command.append("--check")
        if diff:
            command.append("--diff")
        if verbosity:
            command.append("-" + "v" * verbosity)
        command += list(args)
        run_env = dict(os.environ)
        for key in list(run_env):
            if key.startswith("HUAWEICLOUD_"):
                del run_env[key]
        if emulator is None:
            run_env.update(request.getfixturevalue("hwc_target").env())
        else:
            run_env.update(credentials_env(emulator, domain, region))
        run_env.update({
            "ANSIBLE_COLLECTIONS_PATH": collections_path,
            "ANSIBLE_CALLBACK_PLUGINS": str(CALLBACKS),
            "ANSIBLE_CALLBACKS_ENABLED": "record_results",
            "HWC_RESULTS_FILE": str(results_file),
            "ANSIBLE_LOCALHOST_WARNING": "false",
            "ANSIBLE_INVENTORY_UNPARSED_WARNING": "false",
            "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_ROLES_PATH": str(REPO / "roles"),
        })
        run_env.update(env or {})
        completed = subprocess.run(command, capture_output=True, text=True, env=run_env, cwd=str(tmp_path), check=False,
                                   timeout=600)
        results = []
        if results_file.exists():
            results = [json.loads(line) for line in results_file.read_text().splitlines() if line.strip()]
        return PlaybookRun(completed, results)

    return run
