"""Shared plumbing of the benchmarks: one emulator process, real ansible-playbook runs against it, per-task
timestamps (tests/integration/callback_plugins/record_results.py), the emulator's call log and job records, peak RSS sampling."""

from __future__ import annotations

import datetime
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))

from hwc_harness import REGION, REPO, account, credentials_env, project_id, start_emulator  # noqa: E402  pylint: disable=wrong-import-position

CALLBACKS = REPO / "tests" / "integration" / "callback_plugins"
AGENCY = "ims_admin_agency"


def parse_ts(text):
    """Emulator timestamps (ISO 8601, Z) -> epoch seconds."""
    text = text.rstrip("Z")
    fmt = "%Y-%m-%dT%H:%M:%S.%f" if "." in text else "%Y-%m-%dT%H:%M:%S"
    return datetime.datetime.strptime(text, fmt).replace(tzinfo=datetime.timezone.utc).timestamp()


class Harness:
    """Start with ``Harness()``, stop with ``close()`` (or use as a context manager)."""

    def __init__(self, job_seconds=0.3):
        self.tmp = Path(tempfile.mkdtemp(prefix="hwc-bench-"))
        self.emulator = start_emulator(self.tmp, job_seconds=job_seconds)
        self.url = self.emulator.url
        self.process = self.emulator.process
        self.world = self.emulator.world
        collections = self.tmp / "collections" / "ansible_collections" / "huaweicloud"
        collections.mkdir(parents=True)
        (collections / "cloud").symlink_to(REPO)
        self.collections_path = str(self.tmp / "collections")
        self.extra_collections = []
        self.counter = 0

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        shutil.rmtree(self.tmp, ignore_errors=True)

    # World and control API (the integration tests' Emulator) ---------------------------------

    def account(self, name="demo"):
        return account(self.emulator, name)

    def project_id(self, domain="demo", region=REGION):
        return project_id(self.emulator, domain, region)

    def reset(self, **config):
        self.emulator.reset()
        if config:
            self.emulator.configure(**config)

    def configure(self, **config):
        self.emulator.configure(**config)

    def calls(self):
        return self.emulator.calls()

    def clear_calls(self):
        self.emulator.clear_calls()

    def state(self):
        return self.emulator.state()

    def jobs(self):
        """Every job of every project, with its project's region."""
        found = []
        for region, info in self.state()["regions"].items():
            for project in info["projects"].values():
                found += [dict(job, region=region) for job in project["jobs"]]
        return found

    def token(self, domain="demo", region=REGION):
        user = self.account(domain)["users"][0]
        body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
            "name": user["name"], "password": user["password"], "domain": {"name": domain}}}},
            "scope": {"project": {"name": region}}}}
        response = requests.post(self.url + "/iam/v3/auth/tokens", json=body, timeout=30)
        response.raise_for_status()
        return response.headers["X-Subject-Token"]

    # ansible-playbook ---------------------------------------------------------------------

    def env(self, domain="demo", region=REGION):
        env = dict((k, v) for k, v in os.environ.items() if not k.startswith("HUAWEICLOUD_"))
        env.update(credentials_env(self.emulator, domain, region))
        env.update({
            "ANSIBLE_COLLECTIONS_PATH": os.pathsep.join([self.collections_path] + self.extra_collections),
            "ANSIBLE_CALLBACK_PLUGINS": str(CALLBACKS),
            "ANSIBLE_CALLBACKS_ENABLED": "record_results",
            "ANSIBLE_LOCALHOST_WARNING": "false",
            "ANSIBLE_INVENTORY_UNPARSED_WARNING": "false",
            "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_ROLES_PATH": str(REPO / "roles"),
        })
        return env

    def play(self, tasks, vars=None):  # noqa: A002 - a play's keyword
        play = {"hosts": "localhost", "gather_facts": False, "tasks": tasks}
        if vars:
            play["vars"] = vars
        return [play]

    def run(self, playbook, extra_vars=None, env=None, check=True, on_start=None):
        """Run a playbook; returns a Run with rc, output, wall seconds and the per-task timings."""
        self.counter += 1
        path = self.tmp / ("play%d.yml" % self.counter)
        path.write_text(yaml.safe_dump(playbook, sort_keys=False))
        timing = self.tmp / ("timing%d.jsonl" % self.counter)
        command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", "localhost,",
                   "-c", "local", str(path)]
        if extra_vars:
            command += ["-e", json.dumps(extra_vars)]
        run_env = self.env()
        run_env["HWC_RESULTS_FILE"] = str(timing)
        run_env.update(env or {})
        start = time.time()
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                   env=run_env, cwd=str(self.tmp))
        if on_start:
            on_start(process)
        output, dummy = process.communicate(timeout=1800)
        wall = time.time() - start
        tasks = []
        if timing.exists():
            tasks = [json.loads(line) for line in timing.read_text().splitlines() if line.strip()]
        result = Run(process.returncode, output, wall, tasks)
        if check and result.rc != 0:
            raise RuntimeError("playbook failed (rc=%s):\n%s" % (result.rc, output[-4000:]))
        return result


class Run:
    def __init__(self, rc, output, wall, tasks):
        self.rc = rc
        self.output = output
        self.wall = wall
        self.tasks = tasks

    def task(self, name):
        matches = [t for t in self.tasks if t["task"] == name]
        if not matches:
            raise KeyError("no task %r in %s" % (name, [t["task"] for t in self.tasks]))
        return matches[-1]

    def span(self, names=None):
        """Seconds from the start of the first to the end of the last of these tasks (all when None)."""
        tasks = [t for t in self.tasks if names is None or t["task"] in names
                 or t["task"].split(" : ", 1)[-1] in names]
        if not tasks:
            raise KeyError("none of %s in %s" % (names, [t["task"] for t in self.tasks]))
        return max(t["end"] for t in tasks) - min(t["start"] for t in tasks)


class PeakRss:
    """Samples VmHWM (the kernel's peak-RSS high-water mark) of every process whose command line contains
    ``needle`` until stopped; ``peak`` is the largest value seen, in bytes."""

    def __init__(self, needle, interval=0.02):
        self.needle = needle.encode()
        self.interval = interval
        self.peak = 0
        self.seen = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _loop(self):
        own = str(os.getpid())
        while not self._stop.is_set():
            for pid in os.listdir("/proc"):
                if not pid.isdigit() or pid == own:
                    continue
                try:
                    with open("/proc/%s/cmdline" % pid, "rb") as handle:
                        if self.needle not in handle.read():
                            continue
                    with open("/proc/%s/status" % pid) as handle:
                        for line in handle:
                            if line.startswith("VmHWM:"):
                                self.peak = max(self.peak, int(line.split()[1]) * 1024)
                                self.seen.add(pid)
                except OSError:
                    continue
            self._stop.wait(self.interval)


def mib(value):
    return value / float(1 << 20)
