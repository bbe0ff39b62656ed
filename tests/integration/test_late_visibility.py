"""Late visibility (issue 17): each failure mode measured with a proxy that lists new images late, keeps deleted
ones listed and drops answers *after* the service acted, reproduced on the strict emulator (1 s delays from the
harness, targeted faults), plus the rule that a task which started a job reports changed=true and the job id on
every later failure (issue 10)."""

from __future__ import annotations

import threading
import time

import pytest
import requests

from hwc_harness import REGION, account, image_id, images_named, play, project_id

pytestmark = pytest.mark.emulator_only(reason="controls the emulator's visibility delays and injects faults (control API)")

BUCKET = "demo-images"
AGENCY = "ims_admin_agency"
OS = "Ubuntu 18.04 server 64bit"


def task(label, module, **args):
    return {"name": label, "huaweicloud.cloud." + module: args, "register": "out", "ignore_errors": True}


def outcome(run, label):
    """The result of task ``label`` with ``failed`` set from its recorded status (ignore_errors keeps it out)."""
    entry = [r for r in run.results if r["task"] == label][-1]
    return dict(entry["result"], failed=entry["status"] == "failed")


def from_obs(name):
    return dict(name=name, image_url=BUCKET + ":ubuntu-22.04.qcow2", os_version=OS, min_disk=40)


def register(name):
    return dict(name=name, image_url=BUCKET + ":debian-11.vmdk", register=True, os_version="Debian GNU/Linux 10.0.0 64bit")


def lose_answers(emulator, *rules):
    """Drop the answer of the next call matching each (method, path regex) after the service acted on it."""
    emulator.configure(faults={"rules": [{"method": method, "path": path, "kind": "drop", "when": "after", "times": 1}
                                         for method, path in rules]})


def live(emulator, name, region=REGION, domain="demo"):
    """Images called ``name`` that are not being deleted."""
    state = emulator.state()
    records = state["regions"][region]["projects"][project_id(emulator, domain, region)]["images"]
    return [r["props"] for r in records if r["props"]["name"] == name and not r["deleting"]]


class RawApi:
    """Direct IMS calls (token auth) for setting up situations the collection would never create itself."""

    def __init__(self, emulator, region=REGION):
        acct = account(emulator)
        self.base = "%s/ims/%s" % (emulator.url, region)
        resp = requests.post(emulator.url + "/iam/v3/auth/tokens", timeout=30, json={"auth": {
            "identity": {"methods": ["password"], "password": {"user": {
                "name": acct["user"]["name"], "password": acct["user"]["password"], "domain": {"name": acct["name"]}}}},
            "scope": {"project": {"name": region}}}})
        resp.raise_for_status()
        self.headers = {"X-Auth-Token": resp.headers["X-Subject-Token"]}
        self.project_id = resp.json()["token"]["project"]["id"]

    def call(self, method, path, body=None):
        resp = requests.request(method, self.base + path, json=body, headers=self.headers, timeout=30)
        assert resp.status_code < 300, resp.text
        return resp.json() if resp.content else None

    def wait(self, job_id):
        deadline = time.monotonic() + 30
        while self.call("GET", "/v1/%s/jobs/%s" % (self.project_id, job_id))["status"] != "SUCCESS":
            assert time.monotonic() < deadline
            time.sleep(0.1)


def test_mode1_and_4_lost_create_and_copy_answers_make_one_image_each(emulator, run_playbook):
    """Modes 1 and 4: the answer to each create/copy POST is lost after the service acted. Each task keeps looking
    (the image is listed 1 s late) instead of posting again, and a copy found that way is waited on until active."""
    lose_answers(emulator, ("POST", r"/v2/cloudimages/action$"), ("POST", r"/copy$"),
                 ("POST", r"/cross_region_copy$"))
    run = run_playbook(play(
        task("create", "ims_image", **from_obs("late-obs")),
        task("copy", "ims_image_copy", image="demo-base-image", name="late-copy"),
        task("replicate", "ims_image_copy", image="demo-base-image", name="late-replica", target_region="cn-east-3",
             agency_name=AGENCY),
    ))
    faults = [c for c in emulator.calls() if c.get("fault")]
    assert len(faults) == 3, faults
    for name, region in (("late-obs", REGION), ("late-copy", REGION), ("late-replica", "cn-east-3")):
        assert [i["status"] for i in images_named(emulator, name, region=region)] == ["active"], name
    for label in ("create", "copy", "replicate"):
        result = outcome(run, label)
        assert not result.get("failed"), result
        assert result["changed"] is True and result["image"]["status"] == "active", result


def test_mode2_and_3_lost_register_answers_make_one_image(emulator, run_playbook):
    """Mode 2: the metadata POST's answer is lost; mode 3: the register PUT's answer is lost too (its retry gets
    IMG.0046 and the image is not listed yet). One active image, no queued orphan."""
    lose_answers(emulator, ("POST", r"/v2/images$"), ("PUT", r"/upload$"))
    run = run_playbook(play(task("register", "ims_image", **register("late-reg"))))
    assert len([c for c in emulator.calls() if c.get("fault")]) == 2
    assert not outcome(run, "register").get("failed"), outcome(run, "register")
    assert [i["status"] for i in images_named(emulator, "late-reg")] == ["active"]
    assert [c["method"] for c in emulator.write_calls()].count("POST") == 1


def test_mode2_failed_register_cleans_its_orphan_and_others_do_not_wait_on_one(emulator, run_playbook):
    """A register whose job fails deletes the metadata image it made (changed=true, job id kept); a task that did
    not create a queued empty image fails at once instead of waiting on it."""
    emulator.configure(fail_jobs=[{"job_type": "imsNativeImportImageJob", "error_code": "IMS.0123",
                                   "fail_reason": "Injected register failure."}])
    raw = RawApi(emulator)
    orphan = raw.call("POST", "/v2/images", {"name": "foreign-orphan", "disk_format": "qcow2"})["id"]
    time.sleep(1.1)  # listed
    started = time.monotonic()
    run = run_playbook(play(
        task("register", "ims_image", **register("reg-fails")),
        task("update orphan", "ims_image", name="foreign-orphan", description="x", wait_timeout=60),
    ))
    result = outcome(run, "register")
    assert result["failed"] and "Injected register failure" in result["msg"], result
    assert result["changed"] is True and result["job_id"], result
    assert "was deleted" in result["msg"]
    assert live(emulator, "reg-fails") == []
    other = outcome(run, "update orphan")
    assert other["failed"] and orphan in other["msg"] and "empty metadata image" in other["msg"], other
    assert time.monotonic() - started < 40


def test_mode5_copy_duplicates_are_reported_with_their_ids(emulator, run_playbook):
    """Two images already answer the copy's name (two earlier runs at once): a re-run fails naming both instead of
    returning the newest, in-region and across regions."""
    raw = RawApi(emulator)
    source = image_id(emulator, "demo-base-image")
    for dummy in range(2):
        raw.wait(raw.call("POST", "/v1/cloudimages/%s/copy" % source, {"name": "dup-copy"})["job_id"])
    east = project_id(emulator, "demo", "cn-east-3")
    for dummy in range(2):
        raw.wait(raw.call("POST", "/v1/cloudimages/%s/cross_region_copy" % source, {
            "name": "dup-replica", "region": "cn-east-3", "project_name": "cn-east-3", "agency_name": AGENCY})["job_id"])
    ids = sorted(i["id"] for i in images_named(emulator, "dup-copy"))
    east_ids = sorted(i["id"] for i in images_named(emulator, "dup-replica", region="cn-east-3"))
    assert len(ids) == 2 and len(east_ids) == 2 and east
    emulator.clear_calls()
    run = run_playbook(play(
        task("copy", "ims_image_copy", image="demo-base-image", name="dup-copy"),
        task("replicate", "ims_image_copy", image="demo-base-image",
             name="dup-replica", target_region="cn-east-3", agency_name=AGENCY),
    ))
    for label, wanted in (("copy", ids), ("replicate", east_ids)):
        result = outcome(run, label)
        assert result["failed"], result
        assert all(i in result["msg"] for i in wanted), result["msg"]
    assert emulator.write_calls() == []


def test_mode6_lost_members_answer_is_reconciled(emulator, run_playbook):
    """The members POST's answer is lost after the job took effect: the task reads the members, finds them there
    and succeeds without a second POST."""
    partner = project_id(emulator, "partner", REGION)
    base = image_id(emulator, "demo-base-image")
    lose_answers(emulator, ("POST", r"/v1/cloudimages/members$"))
    emulator.clear_calls()
    run = run_playbook(play(task("share", "ims_image_member", images=["demo-base-image"], projects=[partner])))
    result = outcome(run, "share")
    assert not result.get("failed"), result
    assert result["changed"] is True
    members = {m["member_id"]: m["status"] for m in result["members"][base]}
    assert members == {partner: "pending"}
    assert [c["method"] for c in emulator.write_calls()] == ["POST"]


def test_mode7_absent_then_present_waits_for_the_delete(emulator, run_playbook):
    """absent waits until IMS no longer lists the image, so the next task creates a new one instead of updating
    the one being deleted; with wait=false absent returns at once (no polling after the DELETE). The delete delay
    is longer than ansible's pause between two tasks here."""
    emulator.configure(delete_delay=5)
    try:
        run = run_playbook(play(
            task("create", "ims_image", **from_obs("recycled")),
            task("delete", "ims_image", name="recycled", state="absent"),
            task("create again", "ims_image", description="second life", **from_obs("recycled")),
        ))
    finally:
        emulator.configure(delete_delay=1)
    for label in ("create", "delete", "create again"):
        assert not outcome(run, label).get("failed"), outcome(run, label)
    first, second = outcome(run, "create")["image"]["id"], outcome(run, "create again")["image"]["id"]
    assert first != second and outcome(run, "create again")["job_id"]
    assert [(i["id"], i["status"]) for i in live(emulator, "recycled")] == [(second, "active")]

    emulator.clear_calls()
    run = run_playbook(play(task("delete", "ims_image", name="recycled", state="absent", wait=False)))
    assert outcome(run, "delete")["changed"] is True
    calls = [(c["method"], c["path"]) for c in emulator.calls() if c["path"].startswith("/ims/")]
    delete_at = [index for index, call in enumerate(calls) if call[0] == "DELETE"]
    assert len(delete_at) == 1 and calls[delete_at[0] + 1:] == []


def test_mode8_two_controllers_creating_one_image_do_not_both_succeed(emulator, run_playbook):
    """Two runs create the same image at once (each POSTs before the other's image is listed): after its job the
    later one re-lists the name and fails naming both ids (changed=true, job id kept)."""
    emulator.configure(visibility_delay=6)
    runs = {}

    def go(label):
        runs[label] = run_playbook(play(task("create", "ims_image", **from_obs("raced"))))

    threads = [threading.Thread(target=go, args=(label,)) for label in ("a", "b")]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        emulator.configure(visibility_delay=1)
    ids = sorted(i["id"] for i in images_named(emulator, "raced"))
    assert len(ids) == 2
    failed = [outcome(run, "create") for run in runs.values() if outcome(run, "create").get("failed")]
    assert failed, [outcome(run, "create") for run in runs.values()]
    for result in failed:
        assert all(i in result["msg"] for i in ids), result["msg"]
        assert result["changed"] is True and result["job_id"], result


def test_started_job_means_changed_and_job_id_on_every_failure(emulator, run_playbook):
    """Issue 10: a time-out or a failed job after the task started it still says changed=true with the job id
    (ims_image, ims_image_copy, ims_image_member)."""
    partner = project_id(emulator, "partner", REGION)
    emulator.configure(fail_jobs=[
        {"job_type": "imsCopyImageInRegionJob", "error_code": "IMS.0123", "fail_reason": "Injected copy failure."},
        {"job_type": "imsAddImageMembersJob", "error_code": "IMG.0108", "fail_reason": "Injected member failure."},
        {"job_type": "imsImportImageJob", "error_code": "IMS.0123", "fail_reason": "Injected import failure."},
    ])
    run = run_playbook(play(
        task("image fails", "ims_image", **from_obs("job-fails")),
        task("image times out", "ims_image", wait_timeout=0, **from_obs("job-slow")),
        task("copy fails", "ims_image_copy", image="demo-base-image", name="copy-fails"),
        task("copy times out", "ims_image_copy", image="demo-base-image", name="copy-slow", wait_timeout=0),
        task("member fails", "ims_image_member", images=["demo-base-image"], projects=[partner]),
    ))
    for label, key in (("image fails", "job_id"), ("image times out", "job_id"), ("copy fails", "job_id"),
                       ("copy times out", "job_id"), ("member fails", "job_ids")):
        result = outcome(run, label)
        assert result["failed"], (label, result)
        assert result["changed"] is True and result[key], (label, result)
