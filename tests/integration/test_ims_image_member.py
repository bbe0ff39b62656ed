"""huaweicloud.cloud.ims_image_member through real ansible-playbook runs; the tests taking ``world`` run on both
targets."""

from __future__ import annotations

import pytest
import yaml

from hwc_harness import REGION, WORLD_FILE, image_id, ims_calls, members, play, project_id, start_emulator

# Why the other tests need the emulator.
CALL_LOG = pytest.mark.emulator_only(reason="asserts through the emulator's call log which requests were sent")
THIRD = pytest.mark.emulator_only(reason="needs two foreign projects (a third seeded account)")
CONSUMER = pytest.mark.emulator_only(reason="acts as the consumer with the seeded partner account's credentials")
SEEDED = pytest.mark.emulator_only(reason="the seeded encrypted image")
FAULTS = pytest.mark.emulator_only(reason="injects member job failures (control API)")

BASE_IMAGE = "demo-base-image"
THIRD_PROJECT = "5b0d2c7e9a4f4e1b8c3d6a2f0e9b7c41"


@pytest.fixture(scope="module")
def emulator(tmp_path_factory):
    """The seeded world plus a third account, so member sets of two foreign projects can be tested."""
    world = yaml.safe_load(WORLD_FILE.read_text())
    world["domains"].append({
        "name": "third",
        "id": "0d7c3b5e8f1a4c6e9b2d4f6a8c0e2b4d",
        "users": [{"name": "third_user", "password": "Third-Passw0rd!"}],
        "credentials": [{"access": "THIRDEMULATORAK00001", "secret": "ThirdEmulatorSecretKey00000000000000001"}],
        "agencies": [],
        "projects": [{"region": REGION, "name": REGION, "id": THIRD_PROJECT}],
    })
    tmp = tmp_path_factory.mktemp("member-world")
    config = tmp / "world.yml"
    config.write_text(yaml.safe_dump(world, sort_keys=False))
    emu = start_emulator(tmp, config=config)
    yield emu
    emu.process.terminate()
    emu.process.wait(timeout=10)


def share(images, projects, **extra):
    args = {"images": images, "projects": projects}
    args.update(extra)
    return {"name": "share", "huaweicloud.cloud.ims_image_member": args, "register": "out"}


def test_add_then_idempotent(world, run_playbook):
    [partner] = world.require("share_project_id")
    base_name, base = world.base_image(run_playbook)
    run = run_playbook(play(share([base_name], [partner])))
    assert run.rc == 0, run
    result = run.task("share")
    assert result["changed"] is True
    assert result["images"] == [base]
    assert len(result["job_ids"]) == 1
    assert [m["member_id"] for m in result["members"][base]] == [partner]
    assert result["members"][base][0]["status"] == "pending"
    assert result["diff"] == {"before": {base: []}, "after": {base: [partner]}}
    assert world.members(base) == {partner: "pending"}

    world.clear_calls()
    again = run_playbook(play(share([base], [partner])))
    assert again.rc == 0, again
    assert again.task("share")["changed"] is False
    assert again.task("share")["job_ids"] == []
    world.assert_no_writes()


@THIRD
def test_exclusive_replaces_members_in_one_run(emulator, run_playbook):
    partner = project_id(emulator, "partner")
    base = image_id(emulator, BASE_IMAGE)
    assert run_playbook(play(share([base], [partner]))).rc == 0

    emulator.clear_calls()
    run = run_playbook(play(share([base], [THIRD_PROJECT], exclusive=True)))
    assert run.rc == 0, run
    result = run.task("share")
    assert result["changed"] is True
    assert result["diff"] == {"before": {base: [partner]}, "after": {base: [THIRD_PROJECT]}}
    assert members(emulator, base) == {THIRD_PROJECT: "pending"}
    writes = [(c["method"], c["path"].split("/", 3)[-1]) for c in emulator.write_calls()]
    assert sorted(writes) == [("DELETE", "v1/cloudimages/members"), ("POST", "v1/cloudimages/members")]

    # Without exclusive, other members are left alone.
    run = run_playbook(play(share([base], [partner])))
    assert run.rc == 0, run
    assert members(emulator, base) == {THIRD_PROJECT: "pending", partner: "pending"}


@THIRD
def test_remove_given_and_all(emulator, run_playbook):
    partner = project_id(emulator, "partner")
    base = image_id(emulator, BASE_IMAGE)
    assert run_playbook(play(share([base], [partner, THIRD_PROJECT]))).rc == 0
    assert members(emulator, base) == {partner: "pending", THIRD_PROJECT: "pending"}

    run = run_playbook(play(share([base], [partner], state="absent")))
    assert run.rc == 0, run
    assert run.task("share")["changed"] is True
    assert members(emulator, base) == {THIRD_PROJECT: "pending"}

    emulator.clear_calls()
    run = run_playbook(play(share([base], [partner], state="absent")))
    assert run.rc == 0 and run.task("share")["changed"] is False, run
    assert emulator.write_calls() == []

    remove_all = {"name": "unshare", "huaweicloud.cloud.ims_image_member": {"images": [base], "state": "absent"}}
    run = run_playbook(play(remove_all))
    assert run.rc == 0, run
    assert run.task("unshare")["changed"] is True
    assert run.task("unshare")["members"] == {base: []}
    assert members(emulator, base) == {}


def test_check_mode_and_diff_write_nothing(world, run_playbook):
    [partner] = world.require("share_project_id")
    base_name, base = world.base_image(run_playbook)
    world.clear_calls()
    run = run_playbook(play(share([base_name], [partner])), check=True, diff=True)
    assert run.rc == 0, run
    result = run.task("share")
    assert result["changed"] is True
    assert result["job_ids"] == []
    assert result["members"][base] == [{"member_id": partner, "status": "pending", "image_id": base}]
    assert "+" in run.stdout and partner in run.stdout  # the diff is shown
    world.assert_no_writes()
    assert world.members(base) == {}


@pytest.mark.cloud_smoke
def test_no_wait_then_ims_job(world, run_playbook):
    [partner] = world.require("share_project_id")
    dummy, base = world.base_image(run_playbook)
    run = run_playbook(play(
        share([base], [partner], wait=False),
        {"name": "wait", "huaweicloud.cloud.ims_job": {"job_ids": "{{ out.job_ids }}", "wait": True}},
    ))
    assert run.rc == 0, run
    assert len(run.task("share")["job_ids"]) == 1
    assert run.task("wait")["status"] == "SUCCESS"
    assert run.task("wait")["jobs"][0]["job_type"] == "imsAddImageMembersJob"
    assert run.task("wait")["image_ids"] == [base]
    assert world.members(base) == {partner: "pending"}


@CONSUMER
def test_consumer_accepts_by_name_then_idempotent(emulator, run_playbook):
    partner = project_id(emulator, "partner")
    base = image_id(emulator, BASE_IMAGE)
    assert run_playbook(play(share([base], [partner]))).rc == 0

    accept = {"name": "accept", "huaweicloud.cloud.ims_image_member": {"images": [BASE_IMAGE], "status": "accepted"}}
    listing = {"name": "list", "huaweicloud.cloud.ims_image_info": {"member_status": "accepted"}}
    run = run_playbook(play(accept, listing), domain="partner")
    assert run.rc == 0, run
    result = run.task("accept")
    assert result["changed"] is True
    assert result["project_id"] == partner
    assert result["members"][base][0]["status"] == "accepted"
    assert result["diff"] == {"before": {base: "pending"}, "after": {base: "accepted"}}
    assert members(emulator, base) == {partner: "accepted"}
    assert [i["id"] for i in run.task("list")["images"]] == [base]

    emulator.clear_calls()
    again = run_playbook(play(accept), domain="partner")
    assert again.rc == 0 and again.task("accept")["changed"] is False, again
    assert emulator.write_calls() == []

    reject = {"name": "reject", "huaweicloud.cloud.ims_image_member": {"images": [base], "status": "rejected"}}
    run = run_playbook(play(reject), domain="partner", check=True)
    assert run.rc == 0 and run.task("reject")["changed"] is True, run
    assert members(emulator, base) == {partner: "accepted"}
    run = run_playbook(play(reject), domain="partner")
    assert run.rc == 0, run
    assert members(emulator, base) == {partner: "rejected"}


@CONSUMER
def test_consumer_on_image_not_shared(emulator, run_playbook):
    base = image_id(emulator, BASE_IMAGE)
    accept = {"name": "accept", "huaweicloud.cloud.ims_image_member": {"images": [base], "status": "accepted"}}
    run = run_playbook(play(accept), domain="partner")
    assert run.rc != 0
    assert "not shared with project %s" % project_id(emulator, "partner") in run.task("accept")["msg"]
    assert emulator.write_calls() == []


@CALL_LOG
def test_sharing_with_own_project_is_refused_before_any_ims_call(emulator, run_playbook):
    own = project_id(emulator, "demo")
    emulator.clear_calls()
    run = run_playbook(play(share([BASE_IMAGE], [own])))
    assert run.rc != 0
    result = run.task("share")
    assert "own project %s" % own in result["msg"]
    assert result["error_code"] == "IMG.0076"
    assert ims_calls(emulator) == []


@CALL_LOG
def test_invalid_project_id_is_refused_before_any_call(emulator, run_playbook):
    emulator.clear_calls()
    run = run_playbook(play(share([BASE_IMAGE], ["not-a-project"])))
    assert run.rc != 0
    assert "32 hexadecimal characters" in run.task("share")["msg"]
    assert emulator.calls() == []


@SEEDED
def test_encrypted_image_cannot_be_shared(emulator, run_playbook):
    partner = project_id(emulator, "partner")
    run = run_playbook(play(share(["demo-encrypted-image"], [partner])))
    assert run.rc != 0
    result = run.task("share")
    assert result["error_code"] == "IMG.0098"
    assert "encrypted" in result["msg"].lower()
    assert members(emulator, image_id(emulator, "demo-encrypted-image")) == {}


@CALL_LOG
def test_option_conflicts(emulator, run_playbook):
    partner = project_id(emulator, "partner")
    bad = {"name": "bad", "huaweicloud.cloud.ims_image_member": {
        "images": [BASE_IMAGE], "projects": [partner], "status": "accepted"}}
    emulator.clear_calls()
    run = run_playbook(play(bad))
    assert run.rc != 0
    assert "cannot be combined with status" in run.task("bad")["msg"]
    assert emulator.calls() == []


def test_unknown_image_name(world, run_playbook):
    [partner] = world.require("share_project_id")
    missing = world.name("no-such-image")
    world.clear_calls()
    run = run_playbook(play(share([missing], [partner])))
    assert run.rc != 0
    assert "no own image named '%s'" % missing in run.task("share")["msg"]
    world.assert_no_writes()


@FAULTS
def test_member_job_that_fails_for_one_project_fails_the_task_naming_it(emulator, run_playbook):
    """A batch add that IMS carries out for some projects only (entities.results[] per project) is a failed task
    naming the failed project; the members that were added are there, and a re-run adds only the missing one."""
    partner = project_id(emulator, "partner")
    base = image_id(emulator, BASE_IMAGE)
    emulator.configure(fail_members=[{"project_id": THIRD_PROJECT, "error_code": "IMG.0108"}])
    run = run_playbook(play(share([BASE_IMAGE], [partner, THIRD_PROJECT])))
    assert run.rc != 0, run
    result = run.task("share")
    assert "failed for project(s) %s" % THIRD_PROJECT in result["msg"] and partner not in result["msg"]
    assert result["error_code"] == "IMG.0108"
    assert result["changed"] is True and len(result["job_ids"]) == 1
    assert result["failed_members"] == [{"project_id": THIRD_PROJECT, "image_id": base, "status": "failed"}]
    assert members(emulator, base) == {partner: "pending"}
    assert [m["member_id"] for m in result["members"][base]] == [partner]

    emulator.clear_calls()
    again = run_playbook(play(share([BASE_IMAGE], [partner, THIRD_PROJECT])))
    assert again.rc == 0, again
    assert again.task("share")["diff"]["before"] == {base: [partner]}
    assert members(emulator, base) == {partner: "pending", THIRD_PROJECT: "pending"}
    added = [c for c in emulator.write_calls() if c["method"] == "POST"]
    assert len(added) == 1
