"""Tests that run unchanged on both targets (HWC_TARGET=emulator|cloud), asserting through the API only, and the
CI proof that the cloud target works end to end: the suite run with HWC_TARGET=cloud against an emulator reached
through a config file and endpoint templates alone."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hwc_harness import REPO, VISIBILITY_WINDOW, account, play, start_emulator
from hwc_target import SETTINGS, TAG_KEY, Target, read_config

CLEANUP_PLAYBOOK = REPO / "playbooks" / "cleanup_test_resources.yml"


def image_from_obs(target, suffix, task="create", **extra):
    """An ims_image task importing the configured small OBS object, named and tagged for this run."""
    image_url, os_version, min_disk = target.require("image_url", "os_version", "min_disk")
    args = dict(name=target.name(suffix), image_url=image_url, os_version=os_version, min_disk=int(min_disk),
                tags=dict(target.tags))
    args.update(extra)
    return {"name": task, "huaweicloud.cloud.ims_image": args, "register": "out"}


@pytest.mark.cloud_smoke
def test_image_lifecycle_through_the_api(hwc_target, run_playbook):
    name = hwc_target.name("lifecycle")
    dry = dict(image_from_obs(hwc_target, "lifecycle", task="dry run"), check_mode=True)
    create = image_from_obs(hwc_target, "lifecycle", description="hwc test")
    again = image_from_obs(hwc_target, "lifecycle", task="again", description="hwc test")
    info = {"name": "info", "huaweicloud.cloud.ims_image_info": {"names": [name]}, "register": "out"}
    update = image_from_obs(hwc_target, "lifecycle", task="update", description="updated",
                            tags=dict(hwc_target.tags, extra="1"))
    run = run_playbook(play(dry, info, create, again, update))
    assert run.rc == 0, run
    assert run.task("dry run")["changed"] is True
    assert run.task("info")["images"] == []  # the dry run created nothing
    assert run.task("create")["changed"] is True
    assert run.task("again")["changed"] is False
    assert run.task("update")["changed"] is True
    [image] = [i for i in hwc_target.images() if i["name"] == name]
    assert image["id"] == run.task("create")["image"]["id"]
    assert image["description"] == "updated"
    assert image["tags"] == dict(hwc_target.tags, extra="1")

    run = run_playbook(play({"name": "delete", "huaweicloud.cloud.ims_image": {"id": image["id"], "state": "absent"}}))
    assert run.rc == 0 and run.task("delete")["changed"] is True, run
    assert [i for i in hwc_target.images() if i["name"] == name] == []


@pytest.mark.cloud_smoke
def test_share_with_the_second_project(hwc_target, run_playbook):
    [project] = hwc_target.require("share_project_id")
    share = {"name": "share", "huaweicloud.cloud.ims_image_member": {
        "images": [hwc_target.name("shared")], "projects": [project]}}
    run = run_playbook(play(image_from_obs(hwc_target, "shared"), share))
    assert run.rc == 0, run
    assert run.task("share")["changed"] is True
    image_id = run.task("create")["image"]["id"]
    assert [m["member_id"] for m in hwc_target.api().list_members(image_id)] == [project]


@pytest.mark.cloud_smoke
@pytest.mark.cloud_long
def test_cross_region_copy(hwc_target, run_playbook):
    if hwc_target.kind == "cloud":
        hwc_target.require_long_jobs()
    copy_region, agency = hwc_target.require("copy_region", "agency_name")
    copy = {"name": "copy", "register": "copy", "huaweicloud.cloud.ims_image_copy": {
        "image": hwc_target.name("copy-src"), "name": hwc_target.name("copy"), "target_region": copy_region,
        "target_project_name": copy_region, "agency_name": agency}}
    # IMS copies no tags: tag the copy so that cleanup finds it.
    tag = {"name": "tag copy", "huaweicloud.cloud.ims_image": {
        "id": "{{ copy.image_id }}", "region": copy_region, "tags": hwc_target.tags}}
    run = run_playbook(play(image_from_obs(hwc_target, "copy-src"), copy, tag))
    assert run.rc == 0, run
    assert [i["name"] for i in hwc_target.images(copy_region)] == [hwc_target.name("copy")]


@pytest.mark.cloud_smoke
def test_cleanup_playbook_removes_tagged_leftovers_by_age(hwc_target, run_playbook):
    # Leftovers of an "older run": tagged with another run id, so that a real account's concurrent runs are safe.
    old_run = hwc_target.run_id + "-old"
    leftovers = [image_from_obs(hwc_target, "left%d" % n, task="left%d" % n, tags={TAG_KEY: old_run})
                 for n in (1, 2)]
    run = run_playbook(play(*leftovers, image_from_obs(hwc_target, "keep")))
    assert run.rc == 0, run
    assert len(hwc_target.images(run=old_run)) == 2

    young = run_playbook(CLEANUP_PLAYBOOK, extra_vars={"hwc_cleanup_run_id": old_run})
    assert young.rc == 0, young
    assert young.task("Delete the leftovers")["changed"] is False  # younger than the default 24 hours
    assert len(hwc_target.images(run=old_run)) == 2

    cleanup = run_playbook(CLEANUP_PLAYBOOK, extra_vars={"hwc_cleanup_run_id": old_run,
                                                         "hwc_cleanup_min_age_hours": 0})
    assert cleanup.rc == 0, cleanup
    assert cleanup.task("Delete the leftovers")["changed"] is True
    assert hwc_target.images(run=old_run) == []
    assert hwc_target.name("keep") in [i["name"] for i in hwc_target.images()]  # this run's images stay


class EmulatedCloud:
    """An emulator seen as a cloud: a cloud-config ini with endpoint templates, and the demo account's AK/SK in
    the environment of inner ``HWC_TARGET=cloud`` pytest runs (which never touch the control API)."""

    def __init__(self, emu, tmp_path):
        self.emu = emu
        demo = account(emu, "demo")
        partner = next(p["id"] for p in account(emu, "partner")["projects"] if p["region"] == "cn-north-4")
        self.config = tmp_path / "cloud-config-huaweicloud.ini"
        self.config.write_text(
            "[default]\n"
            "region = cn-north-4\n"
            "ims_endpoint = %s/ims/{region}\n"
            "iam_endpoint = %s/iam\n"
            "ecs_endpoint = %s/ecs/{region}\n"
            "image_url = demo-images:ubuntu-22.04.qcow2\n"
            "os_version = Ubuntu 18.04 server 64bit\n"
            "min_disk = 40\n"
            "share_project_id = %s\n"
            "copy_region = cn-east-3\n"
            "agency_name = ims_admin_agency\n"
            "long_jobs = yes\n" % (emu.url, emu.url, emu.url, partner))
        # The official SDK's variables: the cloud target takes credentials from the modules' usual sources.
        self.credentials = {"HUAWEICLOUD_SDK_AK": demo["access_key"], "HUAWEICLOUD_SDK_SK": demo["secret_key"],
                            # how late the emulator may list a new image (the modules' and the cleanup's wait)
                            "HUAWEICLOUD_VISIBILITY_WINDOW": str(VISIBILITY_WINDOW)}

    def pytest(self, run, *args, config=None, workers=0, timeout=300):
        env = {key: value for key, value in os.environ.items()
               if not key.startswith(("HUAWEICLOUD_", "HWC_", "PYTEST_"))}
        env.update(self.credentials, HWC_TARGET="cloud", HWC_CLOUD_CONFIG=str(config or self.config),
                   HWC_TEST_RUN_ID=run, PYTEST_ADDOPTS="", PYTHONPATH=str(Path(__file__).resolve().parent))
        command = [sys.executable, "-m", "pytest", "-c", str(REPO / "tests" / "pytest.ini"), "--rootdir", str(REPO),
                   "-p", "no:cacheprovider", "-rs"] + (["-n", str(workers)] if workers else ["-p", "no:xdist"])
        inner = subprocess.run(command + list(args), capture_output=True, text=True, env=env, cwd=str(REPO),
                               timeout=timeout, check=False)
        return inner.returncode, inner.stdout + inner.stderr

    def tagged_images(self, settle=10):
        """Images of any test run left in any region, through the API; deletes are asynchronous (as in IMS), so
        this waits up to ``settle`` seconds for the listing to empty. The emulator's state must agree."""
        cloud = Target("cloud", {"region": "cn-north-4", "copy_region": "cn-east-3"},
                       dict(self.credentials, HUAWEICLOUD_IMS_ENDPOINT=self.emu.url + "/ims/{region}",
                            HUAWEICLOUD_IAM_ENDPOINT=self.emu.url + "/iam"))
        deadline = time.monotonic() + settle
        while True:
            found = [i["name"] for region in cloud.regions() for i in cloud.images(region, run="*")]
            if not found or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        in_state = [r["props"]["name"] for region in self.emu.state()["regions"].values()
                    for project in region["projects"].values() for r in project["images"]
                    if any(t.startswith(TAG_KEY) for t in r["props"].get("tags") or [])
                    and r["props"].get("status") != "deleted"]
        assert sorted(found) == sorted(in_state)
        return found


@pytest.fixture
def emulated_cloud(tmp_path):
    emu = start_emulator(tmp_path, job_seconds="0.1")
    yield EmulatedCloud(emu, tmp_path)
    emu.process.terminate()
    emu.process.wait(timeout=10)


# The full cloud run is every test not marked emulator_only; the CI proof runs the cloud_smoke subset of it.
FULL_CLOUD_RUN = "HWC_TARGET=cloud pytest tests/integration (-m 'not emulator_only' selects the same tests)"


def estimated(output):
    """The counts of the estimate's "selected" line."""
    match = re.search(r"selected: (\d+) cloud-capable test\(s\), (\d+) long \((run|skipped)\), (\d+) emulator-only",
                      output)
    assert match, output
    return {"cloud": int(match.group(1)), "long": int(match.group(2)), "emulator_only": int(match.group(4))}


@pytest.mark.emulator_only(reason="starts its own emulator to run the cloud target against it")
def test_cloud_target_runs_against_the_emulator_through_config_and_endpoints(emulated_cloud):
    """The CI proof: HWC_TARGET=cloud with a config file and endpoint templates only (no control API), under
    pytest-xdist as the real run, on a representative subset of the suite: the cloud_smoke tests of every module
    (they run and assert through the API) and every emulator_only test (skipped with its reason)."""
    rc, output = emulated_cloud.pytest("ci-proof", "-m", "cloud_smoke or emulator_only",
                                       str(REPO / "tests" / "integration"), workers=2)
    print("full cloud run: " + FULL_CLOUD_RUN)
    assert rc == 0, output
    assert "huaweicloud.cloud cloud target: run ci-proof" in output  # the estimate, before any test
    counts = estimated(output)
    passed = int(re.search(r"(\d+) passed", output).group(1))
    skipped = int(re.search(r"(\d+) skipped", output).group(1))
    # The estimate counted, under xdist, exactly what then ran and what was skipped.
    assert counts["cloud"] + counts["long"] == passed >= 12, output
    assert counts["emulator_only"] == skipped > 100, output
    for reason in ("starts its own emulator", "fault injection", "injects job failures",
                   "asserts through the emulator's call log", "sets the emulator's job duration"):
        assert "emulator_only: " + reason in output, output
    assert emulated_cloud.tagged_images() == []


@pytest.mark.emulator_only(reason="starts its own emulator to run the cloud target against it")
def test_missing_settings_skip_their_tests_with_the_reason(emulated_cloud, tmp_path):
    config = tmp_path / "endpoints-only.ini"
    config.write_text("[default]\nims_endpoint = %s/ims/{region}\niam_endpoint = %s/iam\n"
                      "ecs_endpoint = %s/ecs/{region}\n" % ((emulated_cloud.emu.url,) * 3))
    rc, output = emulated_cloud.pytest("missing", "-m", "cloud_smoke or cloud_long", str(Path(__file__)),
                                       config=config)
    assert rc == 0, output
    assert "4 skipped" in output, output
    assert estimated(output) == {"cloud": 3, "long": 1, "emulator_only": 0}, output  # without xdist
    assert "missing settings (their tests skip): agency_name, copy_region, image_url" in output, output
    assert "cloud config lacks image_url (a small OBS object" in output, output
    assert "cloud config lacks share_project_id (a second project" in output, output
    assert "long job (cross-region copy, whole image): opt in with HWC_CLOUD_LONG=1" in output, output
    assert emulated_cloud.tagged_images() == []


FAILING_TESTS = """
import os
import signal

from hwc_harness import play


def create(target, suffix, **extra):
    return {"name": "create", "huaweicloud.cloud.ims_image": dict({
        "name": target.name(suffix), "image_url": target.settings["image_url"], "min_disk": 40,
        "os_version": target.settings["os_version"], "tags": target.tags}, **extra)}


def test_fails_after_creating(hwc_target, run_playbook):
    assert run_playbook(play(create(hwc_target, "failed"))).rc == 0
    assert [i["name"] for i in hwc_target.images()] == [hwc_target.name("failed")]
    assert False, "a failing test"


def test_interrupted_right_after_starting_an_image(hwc_target, run_playbook):
    # visibility_window=0: return right after the call, before IMS lists the new image (seconds later), so a
    # cleanup that listed once, now, would miss it.
    assert run_playbook(play(create(hwc_target, "interrupted", wait=False, visibility_window=0))).rc == 0
    assert hwc_target.name("interrupted") not in [i["name"] for i in hwc_target.images()]
    os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C
"""


@pytest.mark.emulator_only(reason="starts its own emulator to run the cloud target against it")
def test_cloud_session_cleans_up_after_failures_and_interrupts(emulated_cloud, tmp_path):
    """Also what IMS lists late: the cleanup lists again until the visibility window has passed."""
    tests = tmp_path / "test_failing.py"
    tests.write_text(FAILING_TESTS)
    emulated_cloud.emu.configure(visibility_delay=2.5)
    rc, output = emulated_cloud.pytest("interrupted", "-p", "conftest", str(tests))
    assert rc == 2, output  # interrupted
    assert "1 failed" in output and "KeyboardInterrupt" in output, output
    assert "deleted 2 image(s) of run interrupted" in output, output
    assert emulated_cloud.tagged_images() == []


def test_cloud_config_template_documents_every_setting():
    path = REPO / "tests" / "integration" / "cloud-config-huaweicloud.ini.template"
    assert read_config(path) == {"region": "cn-north-4"}  # parses; only known settings; the rest left empty
    text = path.read_text()
    for key in SETTINGS:
        assert "\n%s =" % key in text, key
