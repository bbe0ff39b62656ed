"""Where the integration suite runs: the emulator (default) or a cloud named by a config file (HWC_TARGET=cloud).

The cloud target knows only what a user of the collection knows: a region, optional endpoint overrides, the
credentials of the modules' usual sources (their credential chain) and the settings of
tests/integration/cloud-config-huaweicloud.ini (template: cloud-config-huaweicloud.ini.template). It never uses the
emulator's control API, so pointing it at the emulator through endpoint templates proves the cloud path end to end.

Every resource a test creates on either target is named with ``Target.name()`` (run-unique prefix) and tagged
``hwc-test-run=<run id>`` (``Target.tags``); the session deletes what carries this run's tag at its end.
"""

from __future__ import annotations

import configparser
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CONFIG_FILE = Path(__file__).resolve().parent / "cloud-config-huaweicloud.ini"
TAG_KEY = "hwc-test-run"
DEFAULT_REGION = "cn-north-4"
# The modules' default visibility_window (seconds IMS may list a new image late) when the environment sets none.
VISIBILITY_WINDOW = 60
# Images in these states are being created; IMS refuses to delete them until their job ends.
BUSY_STATUSES = ("queued", "saving")
BUSY_TIMEOUT = 1800
CLEANUP_POLL = 1.0

# What each setting is for (the skip reason of a test that needs a missing one).
SETTINGS = {
    "region": "the region every test runs in",
    "ims_endpoint": "IMS endpoint template override ({region} is substituted)",
    "iam_endpoint": "IAM endpoint template override",
    "ecs_endpoint": "ECS endpoint template override (ims_prune reads which images servers run)",
    "image_url": "a small OBS object (bucket:object, qcow2/vhd/zvhd2/raw) the suite imports images from",
    "os_version": "the OS version of image_url's image",
    "min_disk": "the minimum system disk (GB) of image_url's image",
    "share_project_id": "a second project (or account) the suite shares images with",
    "copy_region": "a second region for cross-region copies",
    "agency_name": "the IAM agency cross-region copies run under",
    "long_jobs": "yes to run long jobs (cross-region copy, whole images); also HWC_CLOUD_LONG=1",
}
ENDPOINTS = ("ims_endpoint", "iam_endpoint", "ecs_endpoint")
# Rough size of what the cloud target creates, per test kind (printed before a run starts).
COSTS = {
    "image": "1 private image from image_url (minutes of import time, storage of one small image)",
    "share": "1 image membership in share_project_id",
    "copy": "1 image copied to copy_region (~15 min per job, storage there)",
}


def run_id():
    """This run's id, shared by the pytest-xdist workers (the controller sets it in the environment)."""
    if not os.environ.get("HWC_TEST_RUN_ID"):
        os.environ["HWC_TEST_RUN_ID"] = time.strftime("%Y%m%d%H%M%S", time.gmtime()) + "-" + uuid.uuid4().hex[:6]
    return os.environ["HWC_TEST_RUN_ID"]


def target_kind():
    kind = os.environ.get("HWC_TARGET", "emulator")
    if kind not in ("emulator", "cloud"):
        raise pytest.UsageError("HWC_TARGET must be emulator or cloud, got %r" % kind)
    return kind


def read_config(path=None):
    """The [default] section of the cloud config (empty values count as unset)."""
    path = Path(path or os.environ.get("HWC_CLOUD_CONFIG") or CONFIG_FILE)
    parser = configparser.ConfigParser()
    if path.exists():
        parser.read(path, encoding="utf-8")
    section = parser["default"] if parser.has_section("default") else {}
    unknown = sorted(set(section) - set(SETTINGS))
    if unknown:
        raise pytest.UsageError("%s: unknown settings %s (known: %s)" % (path, unknown, sorted(SETTINGS)))
    return {key: value.strip() for key, value in section.items() if value.strip()}


def collection_root():
    """A directory whose ansible_collections/huaweicloud/cloud is this checkout (for in-process API reads)."""
    root = os.environ.get("HWC_COLLECTIONS_PATH")
    if not root:
        root = tempfile.mkdtemp(prefix="hwc-target-")
        (Path(root) / "ansible_collections" / "huaweicloud").mkdir(parents=True)
        (Path(root) / "ansible_collections" / "huaweicloud" / "cloud").symlink_to(REPO)
        os.environ["HWC_COLLECTIONS_PATH"] = root
    if root not in sys.path:
        sys.path.insert(0, root)
    package = sys.modules.get("ansible_collections")
    if package is not None and str(Path(root) / "ansible_collections") not in list(package.__path__):
        package.__path__.append(str(Path(root) / "ansible_collections"))
    return root


class Target:
    """One target: the HUAWEICLOUD_* environment of playbook runs, and API reads that work on both targets."""

    def __init__(self, kind, settings, env):
        self.kind = kind
        self.settings = settings
        self._env = env
        # Each xdist worker tags (and so cleans up) only its own resources.
        self.run_id = run_id() + ("-" + os.environ["PYTEST_XDIST_WORKER"] if os.environ.get("PYTEST_XDIST_WORKER") else "")
        self.prefix = "hwct-%s-" % self.run_id
        self.tags = {TAG_KEY: self.run_id}

    @property
    def region(self):
        return self.settings.get("region", DEFAULT_REGION)

    def env(self):
        return dict(self._env)

    def name(self, suffix):
        """A run-unique resource name."""
        return self.prefix + suffix

    def require(self, *settings):
        """Skip the calling test, naming what is missing, unless every setting is configured."""
        missing = [key for key in settings if key not in self.settings]
        if missing:
            pytest.skip("cloud config lacks %s" % "; ".join("%s (%s)" % (key, SETTINGS[key]) for key in missing))
        return [self.settings[key] for key in settings]

    def require_long_jobs(self):
        if os.environ.get("HWC_CLOUD_LONG") != "1" and self.settings.get("long_jobs") not in ("yes", "true", "1"):
            pytest.skip("long job (cross-region copy, whole image): opt in with HWC_CLOUD_LONG=1 or long_jobs = yes")

    def api(self, region=None):
        """The collection's own IMS client for this target's identity, from the same credential chain as the
        modules (HUAWEICLOUD_*, SDK and Terraform variables, profiles); reads and cleanup, never the control API."""
        collection_root()
        # pylint: disable=import-error,import-outside-toplevel
        from ansible_collections.huaweicloud.cloud.plugins.module_utils._client import HuaweiCloudClient
        from ansible_collections.huaweicloud.cloud.plugins.module_utils._credentials import resolve
        from ansible_collections.huaweicloud.cloud.plugins.module_utils._ims import ImsApi
        from ansible_collections.huaweicloud.cloud.plugins.module_utils._module import COMMON_ARGUMENT_SPEC

        environ = dict(os.environ, **self._env) if self.kind == "cloud" else dict(self._env)
        # The options as a module would get them from their environment fallbacks.
        params = {}
        for name, spec in COMMON_ARGUMENT_SPEC.items():
            names = spec.get("fallback", (None, []))[1]
            params[name] = next((environ[var] for var in names if environ.get(var)), spec.get("default"))
        resolved = resolve(params, environ)
        client = HuaweiCloudClient(resolved.credentials, region or self.region,
                                   project_id=resolved.settings.get("project_id"), ims_endpoint=params["ims_endpoint"],
                                   iam_endpoint=resolved.settings.get("iam_endpoint"), timeout=30,
                                   cloud=params["cloud"], ca_bundle=params["ca_bundle"])
        return ImsApi(client)

    def images(self, region=None, run=None):
        """Owned images carrying the run tag (this run's, or ``run``'s; any run's when run="*"), as normalized
        records (tags as a dict)."""
        return self._tagged(self.api(region), run)

    def _tagged(self, api, run=None, or_named=False):
        """Owned images tagged for ``run`` (default: this one); with ``or_named`` also those named with its
        prefix, which a test may have failed to tag (a copy started with wait=false is tagged by a later run)."""
        collection_root()
        # pylint: disable=import-error,import-outside-toplevel
        from ansible_collections.huaweicloud.cloud.plugins.module_utils._images import normalize_image

        wanted = run or self.run_id
        found = []
        for raw in api.list_images({"owner": api.project_id}):
            image = normalize_image(raw)
            value = (image.get("tags") or {}).get(TAG_KEY)
            if (value is not None and (wanted == "*" or value == wanted)
                    or or_named and wanted != "*" and str(image.get("name", "")).startswith("hwct-%s-" % wanted)):
                found.append(image)
        return found

    def regions(self):
        return [self.region] + ([self.settings["copy_region"]] if "copy_region" in self.settings else [])

    @property
    def visibility_window(self):
        """How late IMS may list a new image: the modules' visibility_window (HUAWEICLOUD_VISIBILITY_WINDOW)."""
        environ = dict(os.environ, **self._env) if self.kind == "cloud" else self._env
        return float(environ.get("HUAWEICLOUD_VISIBILITY_WINDOW") or VISIBILITY_WINDOW)

    def cleanup(self, window=None, busy_timeout=BUSY_TIMEOUT):
        """Delete every image of this run (tagged, or named with its prefix) in every configured region; the ids
        deleted.

        IMS lists a new image seconds after its creation, so a test that ended right after creating one would
        leave it behind if one listing were trusted: the regions are listed again until the visibility window
        has passed. An image still being created cannot be deleted (IMG.0090): it is deleted once its job ends."""
        window = self.visibility_window if window is None else window
        start = time.monotonic()
        apis = [self.api(region) for region in self.regions()]
        deleted = []
        while True:
            busy = []
            for api in apis:
                for image in self._tagged(api, or_named=True):
                    if image["id"] in deleted:
                        continue  # deletion is asynchronous: it stays listed a while
                    if image.get("status") in BUSY_STATUSES:
                        busy.append(image["id"])
                    else:
                        api.delete_image(image["id"])
                        deleted.append(image["id"])
            elapsed = time.monotonic() - start
            if elapsed >= window and (not busy or elapsed >= busy_timeout):
                if busy:
                    raise RuntimeError("images %s were still being created after %ds" % (busy, busy_timeout))
                return deleted
            time.sleep(max(0.0, min(CLEANUP_POLL, window - elapsed)) if not busy else CLEANUP_POLL)

    def estimate(self, counts=None):
        """What the run will create, printed before it starts. ``counts``: {kind: number of selected tests} as
        from ``classify``."""
        long_jobs = os.environ.get("HWC_CLOUD_LONG") == "1" or self.settings.get("long_jobs") in ("yes", "true", "1")
        lines = ["huaweicloud.cloud cloud target: run %s, region %s, prefix %s, tag %s=%s"
                 % (self.run_id, self.region, self.prefix, TAG_KEY, self.run_id)]
        if counts is not None:
            lines.append("  selected: %d cloud-capable test(s), %d long (%s), %d emulator-only (skipped)" % (
                counts.get("cloud", 0), counts.get("long", 0), "run" if long_jobs else "skipped",
                counts.get("emulator_only", 0)))
            lines.append("  at most: %d test(s) x (%s)" % (
                counts.get("cloud", 0) + (counts.get("long", 0) if long_jobs else 0), "; ".join(COSTS.values())))
        else:
            lines.append("  at most, per cloud-capable test: " + "; ".join(COSTS.values()))
        missing = sorted(set(SETTINGS) - set(self.settings) - set(ENDPOINTS) - {"long_jobs"})
        lines.append("  long jobs (cross-region copy, whole image): %s" % (
            "ENABLED" if long_jobs else "off (HWC_CLOUD_LONG=1 or long_jobs = yes to run them)"))
        lines.append("  missing settings (their tests skip): %s" % (", ".join(missing) or "none"))
        return "\n".join(lines)


def classify(item):
    """The estimate's kind of one collected test: emulator_only, long or cloud."""
    if item.get_closest_marker("emulator_only") or "emulator" in item.fixturenames:
        return "emulator_only"
    if item.get_closest_marker("cloud_long"):
        return "long"
    return "cloud"


def cloud_target():
    """The cloud target: config file + the HUAWEICLOUD_* environment (credentials, project) of the caller."""
    settings = read_config()
    env = {key: value for key, value in os.environ.items() if key.startswith("HUAWEICLOUD_")}
    env["HUAWEICLOUD_REGION"] = (settings.get("region") or env.get("HUAWEICLOUD_REGION")
                                 or os.environ.get("HW_REGION_NAME") or DEFAULT_REGION)
    settings["region"] = env["HUAWEICLOUD_REGION"]
    for key in ENDPOINTS:
        if key in settings:
            env["HUAWEICLOUD_" + key.upper()] = settings[key]
    return Target("cloud", settings, env)


def emulator_target(emu, credentials_env):
    """Today's target: the seeded world's demo account, the emulator's OBS objects and second project."""
    from hwc_harness import project_id  # pylint: disable=import-outside-toplevel

    settings = {
        "region": DEFAULT_REGION,
        "image_url": "demo-images:ubuntu-22.04.qcow2",
        "os_version": "Ubuntu 18.04 server 64bit",
        "min_disk": "40",
        "share_project_id": project_id(emu, "partner"),
        "copy_region": "cn-east-3",
        "agency_name": "ims_admin_agency",
    }
    return Target("emulator", settings, credentials_env(emu, "demo", DEFAULT_REGION))
