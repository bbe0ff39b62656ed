"""Integration harness: a real emulator process and real ansible-playbook runs against it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
import yaml

REPO = Path(__file__).resolve().parents[2]
EMULATOR = REPO / "tests" / "emulator" / "serve.py"
WORLD_FILE = REPO / "tests" / "emulator" / "default.yml"
CALLBACKS = Path(__file__).resolve().parent / "callback_plugins"


class Emulator:
    """A running emulator plus its control API."""

    def __init__(self, url, process, world):
        self.url = url
        self.process = process
        self.world = world

    def control(self, method, path, **kwargs):
        response = requests.request(method, self.url + "/_emulator" + path, timeout=30, **kwargs)
        response.raise_for_status()
        return response.json() if response.content else None

    def reset(self):
        self.control("POST", "/reset")

    def configure(self, **settings):
        self.control("POST", "/config", json=settings)

    def state(self):
        return self.control("GET", "/state")

    def calls(self):
        return self.control("GET", "/calls")

    def clear_calls(self):
        self.control("DELETE", "/calls")

    def write_calls(self):
        """API calls that change something (not GET), for idempotency assertions."""
        return [c for c in self.calls() if c["method"] != "GET"]


def start_emulator(tmp_dir, job_seconds="0.3", config=WORLD_FILE):
    ready = Path(tmp_dir) / "emulator-ready.json"
    log = open(Path(tmp_dir) / "emulator.log", "w")
    process = subprocess.Popen(
        [sys.executable, str(EMULATOR), "--port", "0", "--ready-file", str(ready),
         "--job-seconds", str(job_seconds), "--config", str(config)],
        stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while not ready.exists() or not ready.read_text().strip():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError("emulator did not start; see %s" % log.name)
        time.sleep(0.05)
    url = json.loads(ready.read_text())["url"]
    return Emulator(url, process, yaml.safe_load(config.read_text()))


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


class PlaybookRun:
    def __init__(self, completed, results):
        self.rc = completed.returncode
        self.stdout = completed.stdout
        self.stderr = completed.stderr
        self.results = results

    def task(self, name):
        """The result dict of the (last) task with this name."""
        matches = [r for r in self.results if r["task"] == name]
        assert matches, "no task %r in %s\n%s" % (name, [r["task"] for r in self.results], self.stdout)
        return matches[-1]["result"]

    @property
    def changed(self):
        return [r["task"] for r in self.results if r["result"].get("changed")]

    def __repr__(self):
        return "PlaybookRun(rc=%s)\n%s\n%s" % (self.rc, self.stdout, self.stderr)


def account(emu, name="demo"):
    """The seeded account ``name`` as a dict (keys of default.yml's domain entry)."""
    for domain in emu.world["domains"]:
        if domain["name"] == name:
            return domain
    raise KeyError(name)


def project_id(emu, domain="demo", region="cn-north-4"):
    """The seeded project id of ``domain`` in ``region``."""
    return next(p["id"] for p in account(emu, domain)["projects"] if p["region"] == region)


def credentials_env(emu, domain="demo", region="cn-north-4", method="aksk"):
    """HUAWEICLOUD_* variables for a seeded account, as AWX would inject them."""
    acct = account(emu, domain)
    env = {
        "HUAWEICLOUD_REGION": region,
        "HUAWEICLOUD_IMS_ENDPOINT": emu.url + "/ims/{region}",
        "HUAWEICLOUD_IAM_ENDPOINT": emu.url + "/iam",
    }
    if method == "aksk":
        env["HUAWEICLOUD_ACCESS_KEY"] = acct["credentials"][0]["access"]
        env["HUAWEICLOUD_SECRET_KEY"] = acct["credentials"][0]["secret"]
    else:
        env["HUAWEICLOUD_USER"] = acct["users"][0]["name"]
        env["HUAWEICLOUD_PASSWORD"] = acct["users"][0]["password"]
        env["HUAWEICLOUD_DOMAIN"] = acct["name"]
    return env


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
        completed = subprocess.run(command, capture_output=True, text=True, env=run_env, cwd=str(tmp_path),
                                   timeout=600)
        results = []
        if results_file.exists():
            results = [json.loads(line) for line in results_file.read_text().splitlines() if line.strip()]
        return PlaybookRun(completed, results)

    return run
