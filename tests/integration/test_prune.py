"""Role huaweicloud.cloud.ims_prune and playbooks/prune.yml against the emulator (issue 12): dry run by
default, never touching kept, shared or server-used images, deletions in parallel."""

from __future__ import annotations

import pytest

from hwc_harness import REPO, images_named, play, project_id

SERVER_SEEDED = pytest.mark.emulator_only(reason="boots an ECS server from an image (control API) and reads the call log")

PRUNE = REPO / "playbooks" / "prune.yml"
GENERATIONS = ["web-%d" % n for n in range(1, 6)]
SERVER = "5d1c9f4e-0b7a-4c2e-9a51-3f6b2d8e7c10"


def create(name, image_tags=None):
    return {"name": "create " + name, "huaweicloud.cloud.ims_image": {
        "name": name, "image_url": "demo-images:ubuntu-22.04.qcow2", "os_version": "Ubuntu 18.04 server 64bit",
        "min_disk": 40, "tags": image_tags or {}}}


def ids_by_name(emulator):
    return {r["name"]: r["id"] for r in images_named(emulator)}


def seed(emulator, run_playbook):
    """web-1..web-5 plus api-1; web-2 tagged keep, web-3 shared, web-4 booted by a server. Returns the names
    the rule keep_newest=1 may delete."""
    tasks = [create(name, {"keep": "yes"} if name == "web-2" else None) for name in GENERATIONS]
    tasks.append(create("api-1"))
    tasks.append({"name": "share", "huaweicloud.cloud.ims_image_member": {
        "images": ["web-3"], "projects": [project_id(emulator, "partner")]}})
    run = run_playbook(play(*tasks))
    assert run.rc == 0, run
    ids = ids_by_name(emulator)
    emulator.control("POST", "/ecs/servers", json={"id": SERVER, "name": "web-server", "region": "cn-north-4",
                                                   "domain": "demo", "image_id": ids["web-4"]})
    records = [r for r in images_named(emulator) if r["name"] in GENERATIONS]
    newest = max(records, key=lambda r: (r["created_at"][:19], r["id"]))["name"]
    return sorted(set(GENERATIONS) - {"web-2", "web-3", "web-4", newest})


@SERVER_SEEDED
def test_dry_run_by_default_lists_what_would_go(emulator, run_playbook):
    doomed = seed(emulator, run_playbook)
    before = ids_by_name(emulator)
    emulator.clear_calls()
    run = run_playbook(PRUNE, extra_vars={"ims_prune_name_pattern": "web-*", "ims_prune_keep_newest": 1})
    assert run.rc == 0, run
    result = run.task("huaweicloud.cloud.ims_prune : Record what went (or would go)")["ansible_facts"]["ims_prune_result"]
    assert result["applied"] is False
    assert sorted(i["name"] for i in result["deleted"]) == doomed
    reasons = dict((i["name"], i["reason"]) for i in result["kept"])
    assert reasons["web-2"] == "tagged keep"
    assert reasons["web-3"] == "shared with other projects"
    assert reasons["web-4"] == "used by an ECS server"
    assert "api-1" not in reasons
    assert ids_by_name(emulator) == before
    assert emulator.write_calls() == []
    assert any(c["path"].startswith("/ecs/cn-north-4/v1/") for c in emulator.calls())


@SERVER_SEEDED
def test_apply_deletes_in_parallel_and_never_touches_kept_images(emulator, run_playbook):
    doomed = seed(emulator, run_playbook)
    before = ids_by_name(emulator)
    emulator.clear_calls()
    run = run_playbook(PRUNE, extra_vars={"ims_prune_name_pattern": "web-*", "ims_prune_keep_newest": 1,
                                          "ims_prune_apply": True})
    assert run.rc == 0, run
    result = run.task("huaweicloud.cloud.ims_prune : Record what went (or would go)")["ansible_facts"]["ims_prune_result"]
    assert result["applied"] is True
    assert sorted(i["name"] for i in result["deleted"]) == doomed
    after = ids_by_name(emulator)
    assert sorted(set(before) - set(after)) == doomed
    assert {"web-2", "web-3", "web-4", "api-1"} <= set(after)
    # All deletes were sent before the first check that they are gone: the deletions ran together.
    calls = emulator.calls()
    deletes = [n for n, c in enumerate(calls) if c["method"] == "DELETE"]
    assert len(deletes) == len(doomed)
    checks = [n for n, c in enumerate(calls) if c["method"] == "GET" and n > deletes[0]]
    assert checks and max(deletes) < min(checks)
    # Re-run: nothing left to delete.
    emulator.clear_calls()
    again = run_playbook(PRUNE, extra_vars={"ims_prune_name_pattern": "web-*", "ims_prune_keep_newest": 1,
                                            "ims_prune_apply": True})
    assert again.rc == 0, again
    assert emulator.write_calls() == []


@pytest.mark.cloud_smoke
def test_shared_images_go_only_when_asked(world, run_playbook):
    [partner] = world.require("share_project_id")
    shared = world.from_obs("web-3")
    run = run_playbook(play({"name": "create", "huaweicloud.cloud.ims_image": shared},
                            {"name": "share", "huaweicloud.cloud.ims_image_member": {
                                "images": [shared["name"]], "projects": [partner]}}))
    assert run.rc == 0, run
    run = run_playbook(PRUNE, extra_vars={"ims_prune_name_pattern": shared["name"], "ims_prune_keep_newest": 0,
                                          "ims_prune_apply": True})
    assert run.rc == 0, run
    assert len(world.images(shared["name"])) == 1
    run = run_playbook(PRUNE, extra_vars={"ims_prune_name_pattern": shared["name"], "ims_prune_keep_newest": 0,
                                          "ims_prune_include_shared": True, "ims_prune_apply": True})
    assert run.rc == 0, run
    assert world.images(shared["name"]) == []
