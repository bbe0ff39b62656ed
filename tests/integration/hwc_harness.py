"""Plain helpers of the integration tests: the emulator process, seeded-world lookups, playbook results.

Kept out of conftest.py so tests can import them by a name no other conftest shadows.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from pathlib import Path

import requests
import yaml

REPO = Path(__file__).resolve().parents[2]
EMULATOR = REPO / "tests" / "emulator" / "serve.py"
WORLD_FILE = REPO / "tests" / "emulator" / "default.yml"
REGION = "cn-north-4"
BASE_IMAGE = "demo-base-image"


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
        """IMS calls that change something, for idempotency assertions (an IAM
        token request of password auth changes nothing)."""
        return [c for c in self.calls() if c["method"] != "GET" and not c["path"].startswith("/iam/")]


# Late visibility and asynchronous delete are on in every integration test and benchmark (issue 8): new images
# are listed VISIBILITY_DELAY seconds late, deleted ones stay listed as long. Modules keep looking for what a lost
# answer may have created for VISIBILITY_WINDOW seconds (their visibility_window option), which must be longer.
VISIBILITY_DELAY = 1.0
VISIBILITY_WINDOW = 4


def start_emulator(tmp_dir, job_seconds="0.3", config=WORLD_FILE, visibility_delay=VISIBILITY_DELAY):
    ready = Path(tmp_dir) / "emulator-ready.json"
    log = open(Path(tmp_dir) / "emulator.log", "w")
    process = subprocess.Popen(
        [sys.executable, str(EMULATOR), "--port", "0", "--ready-file", str(ready),
         "--job-seconds", str(job_seconds), "--config", str(config),
         "--visibility-delay", str(visibility_delay), "--delete-delay", str(visibility_delay)],
        stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while not ready.exists() or not ready.read_text().strip():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError("emulator did not start; see %s" % log.name)
        time.sleep(0.05)
    url = json.loads(ready.read_text())["url"]
    return Emulator(url, process, yaml.safe_load(config.read_text()))


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
    """The seeded account ``name`` (default.yml's domain entry) plus its first user and
    AK/SK pair as ``user``, ``access_key`` and ``secret_key``."""
    for domain in emu.world["domains"]:
        if domain["name"] == name:
            acct = dict(domain)
            acct["access_key"] = domain["credentials"][0]["access"]
            acct["secret_key"] = domain["credentials"][0]["secret"]
            acct["user"] = domain["users"][0]
            return acct
    raise KeyError(name)


def project_id(emu, domain="demo", region=REGION):
    """The seeded project id of ``domain`` in ``region``."""
    return next(p["id"] for p in account(emu, domain)["projects"] if p["region"] == region)


def credentials_env(emu, domain="demo", region=REGION, method="aksk"):
    """HUAWEICLOUD_* variables for a seeded account, as AWX would inject them."""
    acct = account(emu, domain)
    env = {
        "HUAWEICLOUD_REGION": region,
        "HUAWEICLOUD_IMS_ENDPOINT": emu.url + "/ims/{region}",
        "HUAWEICLOUD_IAM_ENDPOINT": emu.url + "/iam",
        "HUAWEICLOUD_VISIBILITY_WINDOW": str(VISIBILITY_WINDOW),
        "HUAWEICLOUD_ECS_ENDPOINT": emu.url + "/ecs/{region}",
    }
    if method == "aksk":
        env["HUAWEICLOUD_ACCESS_KEY"] = acct["access_key"]
        env["HUAWEICLOUD_SECRET_KEY"] = acct["secret_key"]
    else:
        env["HUAWEICLOUD_USER"] = acct["user"]["name"]
        env["HUAWEICLOUD_PASSWORD"] = acct["user"]["password"]
        env["HUAWEICLOUD_DOMAIN"] = acct["name"]
    return env


def play(*tasks):
    """One localhost play running ``tasks``."""
    return [{"hosts": "localhost", "gather_facts": False, "tasks": list(tasks)}]


def image_id(emu, name, domain="demo", region=REGION):
    """The id of a seeded image."""
    for image in account(emu, domain)["images"]:
        if image["name"] == name and image.get("region", REGION) == region:
            return image["id"]
    raise KeyError(name)


def project_state(emu, domain="demo", region=REGION, state=None):
    """The emulator's live state of one project (from ``state`` when already fetched)."""
    state = state or emu.state()
    return state["regions"][region]["projects"][project_id(emu, domain, region)]


def images_named(emu, name=None, domain="demo", region=REGION, state=None):
    """Attributes of the live images called ``name`` (all, when None) in one project."""
    records = project_state(emu, domain, region, state)["images"]
    return [r["props"] for r in records if name is None or r["props"]["name"] == name]


def members(emu, image, region=REGION):
    """{member project id: status} of one of demo's images, from the emulator's state."""
    state = project_state(emu, "demo", region)
    return {m["member_id"]: m["status"] for m in state["members"] if m["image_id"] == image}


def tags(props):
    """An emulator image record's tags as a dict."""
    result = {}
    for tag in props.get("tags") or []:
        key, dummy, value = tag.partition("=" if "=" in tag else ".")
        result[key] = value
    return result


def ims_calls(emu):
    """Calls the emulator logged on IMS (not IAM) paths."""
    return [c for c in emu.calls() if c["path"].startswith("/ims/")]


class World:
    """What a test that runs on both targets uses and looks at.

    Names, tags and settings (the OBS object to import, the project to share with, the second region) come from
    the target (hwc_target.Target). State is read from the emulator's control API on the emulator target, as
    every test always did, and through the IMS API on the cloud target (no control API there); assertions on
    the call log hold on the emulator target only (``assert_no_writes``)."""

    def __init__(self, target, emulator=None):
        self.target = target
        self.emulator = emulator
        # Names are unique per test: on the cloud, earlier tests' images stay until the session ends.
        self.test_id = uuid.uuid4().hex[:6]

    @property
    def region(self):
        return self.target.region

    @property
    def tags(self):
        return dict(self.target.tags)

    def name(self, suffix):
        """A name unique to this test (and run)."""
        return self.target.name(self.test_id + "-" + suffix)

    def require(self, *settings):
        return self.target.require(*settings)

    def from_obs(self, suffix, **extra):
        """ims_image arguments importing the target's small OBS object as a new image of this run, named and tagged
        for it (``tags`` are added to the run tag)."""
        image_url, os_version, min_disk = self.require("image_url", "os_version", "min_disk")
        args = dict(name=self.name(suffix), image_url=image_url, os_version=os_version, min_disk=int(min_disk))
        args.update(extra)
        args["tags"] = dict(self.tags, **(extra.get("tags") or {}))
        return args

    def base_image(self, run_playbook):
        """(name, id) of an active own image the test may share, change or delete: the seeded demo-base-image on
        the emulator target, an image imported from the configured OBS object for this test on the cloud."""
        if self.emulator is not None:
            return BASE_IMAGE, image_id(self.emulator, BASE_IMAGE)
        args = self.from_obs("base")
        run = run_playbook(play({"name": "base image", "huaweicloud.cloud.ims_image": args}))
        assert run.rc == 0, run
        return args["name"], run.task("base image")["image"]["id"]

    def project_id(self, region=None):
        """This account's project id in ``region`` (default: the target's)."""
        if self.emulator is not None:
            return project_id(self.emulator, region=region or self.region)
        return self.target.api(region).project_id

    def long_job(self):
        """A long, costly job (cross-region copy, whole image): runs on the cloud target only when opted in."""
        if self.emulator is None:
            self.target.require_long_jobs()

    def images(self, name=None, region=None):
        """Own images called ``name`` (all, when None): the emulator's records, or the API's normalized ones."""
        region = region or self.region
        if self.emulator is not None:
            return images_named(self.emulator, name, region=region)
        api = self.target.api(region)
        found = api.find_images(name) if name is not None else api.list_images({"owner": api.project_id})
        return found

    def image_ids(self, name, region=None):
        return [image["id"] for image in self.images(name, region)]

    def image_tags(self, name, region=None):
        """The tags of the one image called ``name``, as a dict."""
        [image] = self.images(name, region)
        if self.emulator is not None:
            return tags(image)
        return normalize_tags(image.get("tags"))

    def members(self, image, region=None):
        """{member project id: status} of one of this project's images."""
        if self.emulator is not None:
            return members(self.emulator, image, region or self.region)
        return {m["member_id"]: m["status"] for m in self.target.api(region).list_members(image)}

    def clear_calls(self):
        if self.emulator is not None:
            self.emulator.clear_calls()

    def assert_no_writes(self):
        """Nothing changed since ``clear_calls``, per the emulator's call log (the cloud target has none: there
        the task results' changed=false is what shows it)."""
        if self.emulator is not None:
            assert self.emulator.write_calls() == []


def normalize_tags(raw):
    """API tags (``["key.value"]``, ``["key=value"]`` or dicts) as a dict, as the modules read them."""
    from hwc_target import collection_root  # pylint: disable=import-outside-toplevel

    collection_root()
    # pylint: disable=import-error,import-outside-toplevel
    from ansible_collections.huaweicloud.cloud.plugins.module_utils._images import tags_to_dict

    return tags_to_dict(raw)
