"""Shared plumbing of the benchmarks: one emulator process, real ansible-playbook runs against it, per-task
timestamps (callback_plugins/bench_timing.py), the emulator's call log and job records, peak RSS sampling."""

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

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
EMULATOR = REPO / "tests" / "emulator" / "serve.py"
WORLD_FILE = REPO / "tests" / "emulator" / "default.yml"
REGION = "cn-north-4"
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
        self.world = yaml.safe_load(WORLD_FILE.read_text())
        ready = self.tmp / "emulator.json"
        self._log = open(self.tmp / "emulator.log", "w")
        self.process = subprocess.Popen(
            [sys.executable, str(EMULATOR), "--port", "0", "--ready-file", str(ready),
             "--job-seconds", str(job_seconds)], stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while not ready.exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("emulator did not start; see %s" % self._log.name)
            time.sleep(0.05)
        self.url = json.loads(ready.read_text())["url"]
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
        self._log.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    # World and control API ----------------------------------------------------------------

    def account(self, name="demo"):
        return next(d for d in self.world["domains"] if d["name"] == name)

    def project_id(self, domain="demo", region=REGION):
        return next(p["id"] for p in self.account(domain)["projects"] if p["region"] == region)

    def control(self, method, path, **kwargs):
        response = requests.request(method, self.url + "/_emulator" + path, timeout=60, **kwargs)
        response.raise_for_status()
        return response.json() if response.content else None

    def reset(self, **config):
        self.control("POST", "/reset")
        if config:
            self.control("POST", "/config", json=config)

    def configure(self, **config):
        self.control("POST", "/config", json=config)

    def calls(self):
        return self.control("GET", "/calls")

    def clear_calls(self):
        self.control("DELETE", "/calls")

    def state(self):
        return self.control("GET", "/state")

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
        acct = self.account(domain)
        env = dict((k, v) for k, v in os.environ.items() if not k.startswith("HUAWEICLOUD_"))
        paths = [self.collections_path] + self.extra_collections
        env.update({
            "HUAWEICLOUD_REGION": region,
            "HUAWEICLOUD_IMS_ENDPOINT": self.url + "/ims/{region}",
            "HUAWEICLOUD_IAM_ENDPOINT": self.url + "/iam",
            "HUAWEICLOUD_ACCESS_KEY": acct["credentials"][0]["access"],
            "HUAWEICLOUD_SECRET_KEY": acct["credentials"][0]["secret"],
            "ANSIBLE_COLLECTIONS_PATH": os.pathsep.join(paths),
            "ANSIBLE_CALLBACK_PLUGINS": str(HERE / "callback_plugins"),
            "ANSIBLE_CALLBACKS_ENABLED": "bench_timing",
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
        run_env["BENCH_TIMING_FILE"] = str(timing)
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
