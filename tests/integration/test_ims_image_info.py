"""huaweicloud.cloud.ims_image_info; the tests taking ``world`` run on both targets."""

from __future__ import annotations

import pytest

from hwc_harness import image_id, play, project_id, project_state

# Why the other tests need the emulator.
SEEDED = pytest.mark.emulator_only(reason="filters over the seeded world's images, quota and members")
CALL_LOG = pytest.mark.emulator_only(reason="asserts through the emulator's call log which requests were sent")
CONSUMER = pytest.mark.emulator_only(reason="acts as the consumer with the seeded partner account's credentials")

OWN_IMAGES = {"demo-base-image", "demo-encrypted-image", "demo-whole-image", "demo-large-image"}
PUBLIC_IMAGES = {"Ubuntu 18.04 server 64bit", "CentOS 7.6 64bit", "Windows Server 2019 Datacenter 64bit"}


def info(task="info", **args):
    return {"name": task, "huaweicloud.cloud.ims_image_info": args}


def names(result):
    return {image["name"] for image in result["images"]}


@SEEDED
def test_filters(emulator, run_playbook):
    own = project_id(emulator)
    run = run_playbook(play(
        info("private", imagetype="private"),
        info("owner", owner=own, sort_key="name", sort_dir="asc"),
        info("gold", imagetype="gold", visibility="public", protected=True),
        info("windows", imagetype="gold", os_type="Windows"),
        info("tag", tag="env=test"),
        info("whole", whole_image=True),
        info("big_disk", min_disk=200),
        info("by_name", name="demo-base-image"),
        info("by_names", names=["demo-base-image", "demo-large-image", "missing"]),
        info("by_id", image_ids=[image_id(emulator, "demo-whole-image")]),
        info("by_id_and_filter", image_ids=[image_id(emulator, "demo-whole-image")], whole_image=False),
        info("encrypted", cmk_id="1dd34e35-5426-9d05-8494-92199ed2a0e4"),
        info("created_after", owner=own, created_at="gt:2000-01-01T00:00:00Z"),
        info("created_before", owner=own, created_at="lt:2000-01-01T00:00:00Z"),
        info("kvm", owner=own, support_kvm=True, virtual_env_type="FusionCompute", status="active"),
    ))
    assert run.rc == 0, run
    assert names(run.task("private")) == OWN_IMAGES
    owner_sorted = [i["name"] for i in run.task("owner")["images"]]
    assert owner_sorted == sorted(OWN_IMAGES)
    assert names(run.task("gold")) == PUBLIC_IMAGES
    assert names(run.task("windows")) == {"Windows Server 2019 Datacenter 64bit"}
    assert names(run.task("tag")) == {"demo-base-image"}
    assert names(run.task("whole")) == {"demo-whole-image"}
    assert names(run.task("big_disk")) == {"demo-large-image"}
    assert names(run.task("by_name")) == {"demo-base-image"}
    assert names(run.task("by_names")) == {"demo-base-image", "demo-large-image"}
    assert names(run.task("by_id")) == {"demo-whole-image"}
    assert run.task("by_id_and_filter")["images"] == []
    assert names(run.task("encrypted")) == {"demo-encrypted-image"}
    assert names(run.task("created_after")) == OWN_IMAGES
    assert run.task("created_before")["images"] == []
    assert names(run.task("kvm")) == OWN_IMAGES
    assert not run.changed


@pytest.mark.cloud_smoke
def test_normalized_records(world, run_playbook):
    base_name, base_id = world.base_image(run_playbook)
    run = run_playbook(play(info(name=base_name)))
    assert run.rc == 0, run
    [image] = run.task("info")["images"]
    assert image["id"] == base_id
    assert image["os_version"] == world.target.settings["os_version"]
    assert image["imagetype"] == "private"
    assert image["tags"] == world.image_tags(base_name)
    assert not any(key.startswith("_") for key in image)


@CALL_LOG
def test_pagination_follows_markers(emulator, run_playbook):
    visible = len(project_state(emulator)["images"]) + len(emulator.state()["public_images"]["cn-north-4"])
    assert visible == 7
    emulator.clear_calls()
    run = run_playbook(play(info(limit=2)))
    assert run.rc == 0, run
    images = run.task("info")["images"]
    assert len(images) == visible
    assert len({i["id"] for i in images}) == visible
    pages = [c for c in emulator.calls() if c["method"] == "GET" and c["path"].endswith("/v2/cloudimages")]
    assert len(pages) == 4  # 2 + 2 + 2 + 1
    assert emulator.write_calls() == []


@SEEDED
def test_members_and_quota(emulator, run_playbook):
    partner = project_id(emulator, "partner")
    base = image_id(emulator, "demo-base-image")
    run = run_playbook(play(
        {"name": "share", "huaweicloud.cloud.ims_image_member": {"images": [base], "projects": [partner]}},
        info(owner=project_id(emulator), include_members=True, include_quota=True),
        info("public", imagetype="gold", include_members=True),
    ))
    assert run.rc == 0, run
    result = run.task("info")
    by_name = {i["name"]: i for i in result["images"]}
    assert [(m["member_id"], m["status"]) for m in by_name["demo-base-image"]["members"]] == [(partner, "pending")]
    assert by_name["demo-large-image"]["members"] == []
    assert by_name["demo-base-image"]["visibility"] == "shared"
    [quota] = result["quota"]["resources"]
    assert quota["type"] == "image" and quota["used"] == 4
    assert all(i["members"] == [] for i in run.task("public")["images"])
    assert "quota" not in run.task("public")


@CONSUMER
def test_consumer_view_by_member_status(emulator, run_playbook):
    partner = project_id(emulator, "partner")
    base = image_id(emulator, "demo-base-image")
    assert run_playbook(play({"name": "share", "huaweicloud.cloud.ims_image_member": {
        "images": [base], "projects": [partner]}})).rc == 0
    run = run_playbook(play(
        info("pending", member_status="pending"),
        info("accepted", member_status="accepted"),
        info("default"),
    ), domain="partner")
    assert run.rc == 0, run
    assert [i["id"] for i in run.task("pending")["images"]] == [base]
    assert run.task("pending")["images"][0]["imagetype"] == "shared"
    assert run.task("accepted")["images"] == []
    assert base not in {i["id"] for i in run.task("default")["images"]}


def test_check_mode_is_a_normal_read(world, run_playbook):
    run = run_playbook(play(info(imagetype="private")), check=True)
    assert run.rc == 0, run
    # Test runs (other workers') create and delete images meanwhile: compare the account's others.
    listed = {name for name in names(run.task("info")) if not name.startswith("hwct-")}
    assert listed == {image["name"] for image in world.images() if not image["name"].startswith("hwct-")}
    if world.emulator is not None:
        assert names(run.task("info")) == OWN_IMAGES


@pytest.mark.parametrize("args, message", [
    (dict(created_at="after:2024-01-01"), "created_at must be operator:time"),
    (dict(updated_at="gt:yesterday"), "updated_at must be operator:time"),
    (dict(limit=0), "limit must be between 1 and 500"),
    (dict(member_status="pending", visibility="private"), "member_status only applies to shared images"),
    (dict(os_bit="16"), "value of os_bit must be one of"),
])
@CALL_LOG
def test_invalid_filters_are_refused_before_any_call(emulator, run_playbook, args, message):
    emulator.clear_calls()
    run = run_playbook(play(info(**args)))
    assert run.rc != 0
    assert message in run.task("info")["msg"]
    assert emulator.calls() == []
