"""huaweicloud.cloud.ims_image_copy (and ims_job on copy jobs); the tests taking ``world`` run on both targets."""

from __future__ import annotations

import pytest

from hwc_harness import image_id, images_named, play, tags

# Why the other tests need the emulator.
SEEDED = pytest.mark.emulator_only(reason="the seeded images, KMS key and regions; asserts the emulator's call log")
FAULTS = pytest.mark.emulator_only(reason="injects job failures and raw API calls (control API)")

AGENCY = "ims_admin_agency"


def copy_task(**args):
    return {"name": "copy", "huaweicloud.cloud.ims_image_copy": args, "register": "out"}


@pytest.mark.cloud_smoke
def test_in_region_copy_then_idempotent(world, run_playbook):
    base_name, source = world.base_image(run_playbook)
    name = world.name("base-copy")
    run = run_playbook(play(copy_task(image=base_name, name=name, description="nightly copy", tags=world.tags)))
    assert run.rc == 0, run
    result = run.task("copy")
    assert result["changed"] is True
    assert result["source_image_id"] == source
    assert result["target_region"] == world.region
    assert result["target_project_id"] == world.project_id()
    assert result["job_id"]
    assert result["image"]["name"] == name
    assert result["image"]["status"] == "active"
    assert result["image"]["description"] == "nightly copy"
    [copied] = world.images(name)
    assert copied["id"] == result["image_id"]
    assert copied["status"] == "active"

    world.clear_calls()
    again = run_playbook(play(copy_task(image=source, name=name, tags=world.tags)))
    assert again.rc == 0, again
    assert again.task("copy")["changed"] is False
    assert again.task("copy")["image_id"] == result["image_id"]
    assert again.task("copy")["job_id"] is None
    world.assert_no_writes()
    assert len(world.images(name)) == 1


@SEEDED
def test_in_region_encrypted_copy(emulator, run_playbook):
    key = "1dd34e35-5426-9d05-8494-92199ed2a0e4"
    run = run_playbook(play(copy_task(image="demo-base-image", name="demo-base-encrypted", cmk_id=key)))
    assert run.rc == 0, run
    [copied] = images_named(emulator, "demo-base-encrypted")
    assert copied["__system__cmkid"] == key
    assert run.task("copy")["image"]["system__cmkid"] == key


@pytest.mark.cloud_long
def test_cross_region_copy_then_idempotent(world, run_playbook):
    region, agency = world.require("copy_region", "agency_name")
    world.long_job()
    base_name, dummy = world.base_image(run_playbook)
    name = world.name("base-east")
    run = run_playbook(play(copy_task(image=base_name, name=name, target_region=region, agency_name=agency,
                                      tags=world.tags)))
    assert run.rc == 0, run
    result = run.task("copy")
    assert result["changed"] is True
    east = world.project_id(region)
    assert result["target_region"] == region
    assert result["target_project_id"] == east
    assert result["image"]["owner"] == east
    [copied] = world.images(name, region=region)
    assert copied["id"] == result["image_id"]
    assert copied["status"] == "active"
    assert world.images(name) == []  # nothing in the source region

    world.clear_calls()
    again = run_playbook(play(copy_task(image=base_name, name=name, target_region=region,
                                        target_project_name=region, agency_name=agency, tags=world.tags)))
    assert again.rc == 0, again
    assert again.task("copy")["changed"] is False
    assert again.task("copy")["image_id"] == result["image_id"]
    world.assert_no_writes()


def test_check_mode_writes_nothing(world, run_playbook):
    region, agency = world.require("copy_region", "agency_name")
    base_name, dummy = world.base_image(run_playbook)
    name = world.name("base-east")
    world.clear_calls()
    run = run_playbook(play(copy_task(image=base_name, name=name, target_region=region, agency_name=agency)),
                       check=True, diff=True)
    assert run.rc == 0, run
    result = run.task("copy")
    assert result["changed"] is True
    assert result["image"] is None and result["job_id"] is None
    assert result["diff"]["after"]["region"] == region
    world.assert_no_writes()
    assert world.images(name, region=region) == []


@SEEDED
def test_start_several_without_wait_then_wait_together(emulator, run_playbook):
    start = copy_task(image="demo-base-image", name="demo-base-fanout", target_region="{{ item }}",
                      agency_name=AGENCY, wait=False, copy_tags=False)
    start["loop"] = ["cn-east-3", "cn-south-1", "ap-southeast-1"]
    wait = {"name": "wait", "register": "job", "huaweicloud.cloud.ims_job": {
        "job_ids": "{{ out.results | map(attribute='job_id') | list }}", "wait": True, "wait_timeout": 120}}
    run = run_playbook(play(start, wait))
    assert run.rc == 0, run
    started = run.task("copy")
    assert started["changed"] is True
    waited = run.task("wait")
    assert waited["status"] == "SUCCESS"
    assert waited["changed"] is False
    assert [j["job_type"] for j in waited["jobs"]] == ["imsCopyImageCrossUserJob"] * 3
    new_ids = set()
    for region in ("cn-east-3", "cn-south-1", "ap-southeast-1"):
        [copied] = images_named(emulator, "demo-base-fanout", region=region)
        assert copied["status"] == "active"
        new_ids.add(copied["id"])
    assert set(waited["image_ids"]) == new_ids

    emulator.clear_calls()
    again = run_playbook(play(start))
    assert again.rc == 0, again
    assert again.changed == []
    assert emulator.write_calls() == []


def test_single_job_wait(world, run_playbook):
    base_name, dummy = world.base_image(run_playbook)
    name = world.name("base-later")
    run = run_playbook(play(
        copy_task(image=base_name, name=name, wait=False, tags=world.tags),
        {"name": "wait", "huaweicloud.cloud.ims_job": {"job_id": "{{ out.job_id }}", "wait": True}},
        # A copy started with wait=false gets its tags (the run tag, for cleanup) from a later run.
        dict(copy_task(image=base_name, name=name, tags=world.tags), name="tag"),
    ))
    assert run.rc == 0, run
    # Returned once listed (IMS lists a new image late), so the "tag" re-run finds it and copies nothing.
    assert run.task("copy")["image"]["id"] == run.task("copy")["image_id"]
    waited = run.task("wait")
    assert waited["status"] == "SUCCESS"
    assert waited["job_id"] == run.task("copy")["job_id"]
    assert waited["job_type"] == "imsCopyImageInRegionJob"
    [copied] = world.images(name)
    assert waited["image_ids"] == [copied["id"]]
    assert waited["entities"]["image_id"] == copied["id"]
    assert run.task("tag")["image_id"] == copied["id"] == run.task("copy")["image_id"]


@SEEDED
def test_rerun_right_after_wait_false_copies_nothing_twice(emulator, run_playbook):
    """IMS lists a copy late: a wait=false task returns once its copy is listed, so the same task re-run right
    after it (wait=true; in-region and cross-region) finds that copy and waits for it instead of copying again."""
    tasks = []
    for name, target in (("here", {}), ("east", dict(target_region="cn-east-3", agency_name=AGENCY))):
        args = dict(image="demo-base-image", name="demo-base-rerun", copy_tags=False, **target)
        tasks += [dict(copy_task(wait=False, **args), name=name), dict(copy_task(**args), name=name + " again")]
    emulator.clear_calls()
    run = run_playbook(play(*tasks))
    assert run.rc == 0, run
    assert len([call for call in emulator.write_calls() if call["path"].endswith("copy")]) == 2
    for name, region in (("here", None), ("east", "cn-east-3")):
        first, again = run.task(name), run.task(name + " again")
        assert first["changed"] is True and len(first["job_id"]) == 32
        assert again["image"]["status"] == "active" and again["job_id"] is None
        [copied] = images_named(emulator, "demo-base-rerun", **({"region": region} if region else {}))
        assert first["image"]["id"] == first["image_id"] == again["image_id"] == copied["id"]


@pytest.mark.parametrize("args, message", [
    (dict(image="demo-encrypted-image", name="x-east", target_region="cn-east-3", agency_name=AGENCY),
     "encrypted images cannot be copied across regions (IMG.0143)"),
    (dict(image="demo-large-image", name="x-east", target_region="cn-east-3", agency_name=AGENCY),
     "larger than 128 GB"),
    (dict(image="demo-whole-image", name="x-copy"), "whole images cannot be copied within a region (IMG.0130)"),
    (dict(image="demo-base-image", name="x-east", target_region="cn-east-3"), "agency_name is required"),
    (dict(image="demo-base-image", name="x", target_region="cn-north-4", agency_name=AGENCY), "IMG.0142"),
    (dict(image="demo-base-image", name="x", agency_name=AGENCY), "agency_name applies to cross-region copies"),
    (dict(image="demo-base-image", name="x", target_region="cn-east-3", agency_name=AGENCY,
          cmk_id="1dd34e35-5426-9d05-8494-92199ed2a0e4"), "cmk_id applies to in-region copies only"),
    (dict(image="demo-base-image", name="bad<name>"), "name contains '<'"),
    (dict(image="demo-base-image", name="demo-base-image"), "needs a name other than the source's"),
    (dict(image="no-such-image", name="x"), "no own image named 'no-such-image'"),
    # target_regions: every copy is checked before the first one starts.
    (dict(image="demo-whole-image", name="x-multi", agency_name=AGENCY,
          target_regions=[{"region": "cn-east-3", "vault_id": "3b5816b5-f29c-4172-9d9a-76c719a659ce"},
                          {"region": "cn-south-1"}]), "copy to cn-south-1: image"),
])
@SEEDED
def test_refused_before_any_write(emulator, run_playbook, args, message):
    emulator.clear_calls()
    run = run_playbook(play(copy_task(**args)))
    assert run.rc != 0
    assert message in run.task("copy")["msg"]
    assert emulator.write_calls() == []
    if message == "IMG.0142":
        assert run.task("copy")["error_code"] == "IMG.0142"


@FAULTS
def test_copy_job_failure_is_reported(emulator, run_playbook):
    emulator.configure(fail_jobs=[{"job_type": "imsCopyImageInRegionJob", "error_code": "IMG.0061",
                                   "fail_reason": "Unknown system error."}])
    run = run_playbook(play(copy_task(image="demo-base-image", name="demo-base-doomed")))
    assert run.rc != 0
    result = run.task("copy")
    assert result["error_code"] == "IMG.0061"
    assert "Unknown system error." in result["msg"]
    assert result["job_id"] in result["msg"]


@FAULTS
def test_copy_is_matched_to_its_source_and_killed_images_are_never_the_result(emulator, run_playbook):
    """An image with the copy's name that is not a copy of this source (in-region or in the target region), or a
    killed one, fails clearly and is never returned; a real copy of the source still answers changed=false."""
    from test_late_visibility import RawApi

    raw = RawApi(emulator)
    base = image_id(emulator, "demo-base-image")
    jobs = [raw.call("POST", "/v1/cloudimages/%s/copy" % base, {"name": name})["job_id"] for name in ("src2", "clash")]
    jobs.append(raw.call("POST", "/v1/cloudimages/%s/cross_region_copy" % base, {
        "name": "east-clash", "region": "cn-east-3", "project_name": "cn-east-3", "agency_name": AGENCY})["job_id"])
    for job in jobs:
        raw.wait(job)
    killed = raw.call("POST", "/v2/images", {"name": "killed-copy", "disk_format": "qcow2"})["id"]
    emulator.configure(fail_jobs=[{"job_type": "imsNativeImportImageJob", "error_code": "IMS.0123"}])
    raw.call("PUT", "/v1/cloudimages/%s/upload" % killed, {"image_url": "demo-images:ubuntu-22.04.qcow2"})
    wait_status(emulator, "killed-copy", "killed")
    [src2] = [i["id"] for i in images_named(emulator, "src2")]
    [clash] = [i["id"] for i in images_named(emulator, "clash")]
    [east_clash] = images_named(emulator, "east-clash", region="cn-east-3")
    emulator.clear_calls()

    def attempt(label, **args):
        return {"name": label, "huaweicloud.cloud.ims_image_copy": args, "register": "out", "ignore_errors": True}

    run = run_playbook(play(
        attempt("other source", image=src2, name="clash"),
        attempt("other source east", image=src2, name="east-clash", target_region="cn-east-3", agency_name=AGENCY),
        attempt("killed", image=base, name="killed-copy"),
        attempt("own copy", image=base, name="clash", copy_tags=False),
    ))
    for label, other, parent in (("other source", clash, base), ("other source east", east_clash["id"], base),
                                 ("killed", killed, None)):
        result = run.task(label)
        assert [r["status"] for r in run.results if r["task"] == label] == ["failed"], result
        assert other in result["msg"] and "is not a copy of image" in result["msg"], result["msg"]
        assert ("parent image %s" % parent if parent else "no parent image") in result["msg"]
        assert result["changed"] is False and not result.get("image_id"), result
    own = run.task("own copy")
    assert own["changed"] is False and own["image_id"] == clash, own
    assert emulator.write_calls() == []
    assert len(images_named(emulator, "clash")) == 1


def wait_status(emulator, name, status, region="cn-north-4"):
    import time

    deadline = time.monotonic() + 30
    while [i["status"] for i in images_named(emulator, name, region=region)] != [status]:
        assert time.monotonic() < deadline
        time.sleep(0.1)


@FAULTS
def test_copies_carry_tags_and_reruns_converge_them(emulator, run_playbook):
    """copy_tags (default) gives the copy the source's tags (env=test), tags override and add, copy_tags=false
    leaves the copy untagged; a re-run changes nothing, purge_tags=false keeps a foreign tag, the default drops it."""
    from test_late_visibility import RawApi

    copies = play(
        dict(copy_task(image="demo-base-image", name="tagged-copy", tags={"team": "web"}), name="in-region"),
        dict(copy_task(image="demo-base-image", name="tagged-east", target_region="cn-east-3", agency_name=AGENCY,
                       tags={"team": "web", "env": "prod"}), name="east"),
        dict(copy_task(image="demo-base-image", name="untagged-copy", copy_tags=False), name="untagged"),
    )
    run = run_playbook(copies, diff=True)
    assert run.rc == 0, run
    [in_region] = images_named(emulator, "tagged-copy")
    [east] = images_named(emulator, "tagged-east", region="cn-east-3")
    [untagged] = images_named(emulator, "untagged-copy")
    assert tags(in_region) == {"env": "test", "team": "web"}
    assert tags(east) == {"env": "prod", "team": "web"}
    assert tags(untagged) == {}
    assert run.task("east")["image"]["tags"] == {"env": "prod", "team": "web"}
    assert run.task("in-region")["diff"]["after"]["tags"] == {"env": "test", "team": "web"}

    emulator.clear_calls()
    again = run_playbook(copies)
    assert again.rc == 0, again
    assert again.changed == []
    assert emulator.write_calls() == []

    raw = RawApi(emulator)
    raw.call("POST", "/v2/%s/images/%s/tags/action" % (raw.project_id, in_region["id"]),
             {"action": "create", "tags": [{"key": "stray", "value": "x"}]})
    run = run_playbook(play(
        dict(copy_task(image="demo-base-image", name="tagged-copy", tags={"team": "web"}, purge_tags=False),
             name="keep"),
        dict(copy_task(image="demo-base-image", name="tagged-copy", tags={"team": "web"}), name="purge"),
    ))
    assert run.rc == 0, run
    assert run.task("keep")["changed"] is False
    assert run.task("purge")["changed"] is True and run.task("purge")["job_id"] is None
    assert tags(images_named(emulator, "tagged-copy")[0]) == {"env": "test", "team": "web"}
    assert len(images_named(emulator, "tagged-copy")) == 1


@SEEDED
def test_copies_to_several_regions_from_one_task(emulator, run_playbook):
    """target_regions: one module run starts every cross-region copy before the first job poll, one poll loop waits
    for all, each copy gets its tags; a re-run reads each resource once and writes nothing; a bad entry is refused
    before any call."""
    regions = ["cn-east-3", "cn-south-1"]
    task = copy_task(image="demo-base-image", name="demo-base-multi", agency_name=AGENCY, tags={"team": "web"},
                     target_regions=[{"region": region} for region in regions])
    emulator.clear_calls()
    run = run_playbook(play(task))
    assert run.rc == 0, run
    result = run.task("copy")
    assert result["changed"] is True and len(result["job_ids"]) == 2
    assert [c["target_region"] for c in result["copies"]] == regions
    calls = emulator.calls()
    starts = [i for i, c in enumerate(calls) if c["path"].endswith("/cross_region_copy")]
    polls = [i for i, c in enumerate(calls) if "/job/" in c["path"] or "/jobs/" in c["path"]]
    assert len(starts) == 2 and polls and max(starts) < min(polls), calls
    for region, copied in zip(regions, result["copies"]):
        [image] = images_named(emulator, "demo-base-multi", region=region)
        assert image["status"] == "active" and copied["image_id"] == image["id"]
        assert tags(image) == {"env": "test", "team": "web"}

    emulator.clear_calls()
    again = run_playbook(play(task))
    assert again.rc == 0 and again.changed == [], again
    assert emulator.write_calls() == []
    # The source (by name, its tags from that record) and each copy: one read each.
    reads = [c for c in emulator.calls() if c["path"].startswith("/ims/")]
    assert len(reads) == 3, reads

    emulator.clear_calls()
    bad = run_playbook(play(copy_task(image="demo-base-image", name="demo-base-multi", agency_name=AGENCY,
                                      target_regions=[{"region": "cn-east-3"}, {"region": "cn-north-4"}])))
    assert bad.rc != 0
    assert "target_regions[1].region is the source region" in bad.task("copy")["msg"]
    assert emulator.calls() == []
