"""Integration fixtures: a real emulator process and real ansible-playbook runs against it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from hwc_harness import (  # noqa: E402  pylint: disable=wrong-import-position
    REPO, PlaybookRun, credentials_env, start_emulator,
)

CALLBACKS = Path(__file__).resolve().parent / "callback_plugins"


@pytest.fixture(scope="session")
def emulator(tmp_path_factory):
    emu = start_emulator(tmp_path_factory.mktemp("emulator"))
    yield emu
    emu.process.terminate()
    emu.process.wait(timeout=10)


@pytest.fixture(autouse=True)
def _fresh_world(request):
    # Every integration test starts from the seeded world.
    if "emulator" in request.fixturenames:
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
def run_playbook(emulator, collections_path, tmp_path):
    """Run a playbook (YAML text, a list of plays, or a path) with real ansible-playbook."""
    counter = {"n": 0}

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
