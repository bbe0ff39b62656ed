"""huaweicloud.cloud.ims_image through real ansible-playbook runs; the tests taking ``world`` run on both targets."""

from __future__ import annotations

import pytest

from hwc_harness import account, images_named, play, project_id, tags

# Why the other tests need the emulator.
CALL_LOG = pytest.mark.emulator_only(reason="asserts through the emulator's call log which requests were sent")
SEEDED = pytest.mark.emulator_only(reason="the seeded world's images, servers, volumes, backups or OBS objects")
SEEDED_ACCOUNT = pytest.mark.emulator_only(reason="the seeded account's AK/SK or password")
CLOCK = pytest.mark.emulator_only(reason="sets the emulator's job duration (control API)")
FAULTS = pytest.mark.emulator_only(reason="injects job failures (control API)")
EXPORTS = pytest.mark.emulator_only(reason="exports to the emulator's OBS bucket and reads it (control API)")

REGION = "cn-north-4"
BUCKET = "demo-images"
STOPPED_ECS = "798d4121-4c6f-28dd-f97b-829465e0cafc"
BASE_IMAGE = "demo-base-image"
NAME_RULE = ("1 to 128 characters: letters, digits, hyphens (-), underscores (_), dots (.) "
             "and spaces, not starting or ending with a space")


def image_task(task="image", **args):
    return {"name": task, "huaweicloud.cloud.ims_image": args, "register": "out"}


def assert_refused_before_any_call(emulator, run_playbook, args, message):
    """ims_image with ``args`` fails with exactly ``message`` and sends no API call."""
    emulator.clear_calls()
    run = run_playbook(play(image_task(**args)))
    assert run.rc != 0
    assert run.task("image")["msg"] == message
    assert emulator.calls() == []


def from_obs(name="web-image", **extra):
    args = dict(name=name, image_url=BUCKET + ":ubuntu-22.04.qcow2", os_version="Ubuntu 18.04 server 64bit",
                min_disk=40)
    args.update(extra)
    return args


@pytest.mark.cloud_smoke
def test_create_from_obs_then_idempotent(world, run_playbook):
    args = world.from_obs("web-image", description="base image", tags={"env": "prod", "team": "web"})
    run = run_playbook(play(image_task(**args)))
    assert run.rc == 0, run
    result = run.task("image")
    assert result["changed"] is True
    assert result["job_id"]
    image = result["image"]
    assert image["status"] == "active"
    assert image["name"] == args["name"]
    assert image["description"] == "base image"
    assert image["os_version"] == args["os_version"]
    assert image["min_disk"] == args["min_disk"]
    assert image["tags"] == dict(world.tags, env="prod", team="web")
    assert not any(key.startswith("_") for key in image)
    assert world.image_ids(args["name"]) == [image["id"]]

    world.clear_calls()
    again = run_playbook(play(image_task(**args)))
    assert again.rc == 0, again
    assert again.task("image")["changed"] is False
    assert again.task("image")["image"]["id"] == image["id"]
    assert "job_id" not in again.task("image")
    world.assert_no_writes()


def test_check_mode_create_and_update_make_no_writes(world, run_playbook):
    base_name, dummy = world.base_image(run_playbook)
    args = world.from_obs("web-image")
    world.clear_calls()
    run = run_playbook(play(image_task(**args)), check=True, diff=True)
    assert run.rc == 0, run
    result = run.task("image")
    assert result["changed"] is True
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["name"] == args["name"]
    world.assert_no_writes()
    assert world.images(args["name"]) == []

    world.clear_calls()
    run = run_playbook(play(image_task(name=base_name, description="changed", tags={"env": "prod"})), check=True)
    assert run.rc == 0, run
    assert run.task("image")["changed"] is True
    world.assert_no_writes()
    base = world.images(base_name)[0]
    assert "__description" not in base or base["__description"] != "changed"


@SEEDED
def test_update_description_and_tags_with_diff(emulator, run_playbook):
    args = {"name": BASE_IMAGE, "description": "patched base", "min_ram": 1024, "max_ram": 8192,
            "tags": {"team": "web", "tier": "gold"}}
    run = run_playbook(play(image_task(**args)), diff=True)
    assert run.rc == 0, run
    result = run.task("image")
    assert result["changed"] is True
    assert result["diff"] == {
        "before": {"name": BASE_IMAGE, "description": "", "min_ram": 0, "max_ram": None, "tags": {"env": "test"}},
        "after": {"name": BASE_IMAGE, "description": "patched base", "min_ram": 1024, "max_ram": 8192,
                  "tags": {"team": "web", "tier": "gold"}},
    }
    assert result["image"]["description"] == "patched base"
    assert result["image"]["tags"] == {"team": "web", "tier": "gold"}
    assert result["image"]["min_ram"] == 1024
    assert str(result["image"]["max_ram"]) == "8192"
    writes = sorted((c["method"], c["path"].split("/", 3)[-1]) for c in emulator.write_calls())
    base_id = result["image"]["id"]
    # Tags go through the IMS tag API (create the new keys, delete the dropped one), never a Glance PATCH.
    tag_action = "v2/%s/images/%s/tags/action" % (project_id(emulator), base_id)
    assert writes == [("PATCH", "v2/cloudimages/%s" % base_id), ("POST", tag_action), ("POST", tag_action)]
    assert tags(images_named(emulator, BASE_IMAGE)[0]) == {"team": "web", "tier": "gold"}

    emulator.clear_calls()
    again = run_playbook(play(image_task(**args)), diff=True)
    assert again.rc == 0, again
    assert again.task("image")["changed"] is False
    assert emulator.write_calls() == []

    # purge_tags=false only adds.
    run = run_playbook(play(image_task(name=BASE_IMAGE, tags={"extra": "1"}, purge_tags=False)))
    assert run.rc == 0, run
    assert run.task("image")["image"]["tags"] == {"team": "web", "tier": "gold", "extra": "1"}


def test_rename_by_id(world, run_playbook):
    base_name, base_id = world.base_image(run_playbook)
    run = run_playbook(play(image_task(id=base_id, name=world.name("renamed-base"))))
    assert run.rc == 0, run
    assert run.task("image")["changed"] is True
    assert run.task("image")["image"]["name"] == world.name("renamed-base")
    assert world.images(base_name) == []
    assert world.image_ids(world.name("renamed-base")) == [base_id]


@pytest.mark.cloud_smoke
def test_delete_and_delete_again(world, run_playbook):
    base_name, base_id = world.base_image(run_playbook)
    run = run_playbook(play(image_task(name=base_name, state="absent")), diff=True)
    assert run.rc == 0, run
    result = run.task("image")
    assert result["changed"] is True
    assert result["image"]["id"] == base_id
    assert result["diff"]["after"] == {}
    assert world.images(base_name) == []

    world.clear_calls()
    run = run_playbook(play(image_task(name=base_name, state="absent"), image_task("by id", id=base_id, state="absent")))
    assert run.rc == 0, run
    assert run.changed == []
    world.assert_no_writes()


@SEEDED
def test_register_obs_file(emulator, run_playbook):
    args = dict(name="registered", image_url=BUCKET + ":debian-11.vmdk", register=True,
                os_version="Debian GNU/Linux 10.0.0 64bit", description="registered image", tags={"src": "obs"})
    run = run_playbook(play(image_task(**args)))
    assert run.rc == 0, run
    result = run.task("image")
    assert result["changed"] is True
    assert result["job_id"]
    assert result["image"]["status"] == "active"
    assert result["image"]["description"] == "registered image"
    assert result["image"]["tags"] == {"src": "obs"}
    writes = [(c["method"], c["path"].split("/", 3)[-1]) for c in emulator.write_calls()]
    image_id = result["image"]["id"]
    # key/value tags through the IMS tag API right after the metadata exists (Glance tags cannot hold them)
    assert writes[:3] == [("POST", "v2/images"),
                          ("POST", "v2/%s/images/%s/tags/action" % (project_id(emulator), image_id)),
                          ("PUT", "v1/cloudimages/%s/upload" % image_id)]
    assert tags(images_named(emulator, "registered")[0]) == {"src": "obs"}

    emulator.clear_calls()
    again = run_playbook(play(image_task(**args)))
    assert again.rc == 0 and again.task("image")["changed"] is False, again
    assert emulator.write_calls() == []


@CALL_LOG
def test_upload_local_file(emulator, run_playbook, tmp_path):
    disk = tmp_path / "tiny.qcow2"
    disk.write_bytes(b"QFI\xfb" + b"\0" * 65536)
    args = dict(name="uploaded", filename=str(disk), disk_format="qcow2", min_disk=40,
                os_version="Ubuntu 18.04 server 64bit")
    run = run_playbook(play(image_task(**args)))
    assert run.rc == 0, run
    result = run.task("image")
    assert result["changed"] is True
    assert result["image"]["status"] == "active"
    writes = [(c["method"], c["path"].split("/", 3)[-1]) for c in emulator.write_calls()]
    assert writes == [("POST", "v2/images"), ("PUT", "v2/images/%s/file" % result["image"]["id"])]

    emulator.clear_calls()
    again = run_playbook(play(image_task(**args)))
    assert again.rc == 0 and again.task("image")["changed"] is False, again
    assert emulator.write_calls() == []


@SEEDED
def test_create_from_ecs_instance(emulator, run_playbook):
    run = run_playbook(play(image_task(name="from-ecs", instance_id=STOPPED_ECS, min_ram=1024,
                                       tags={"from": "ecs"})))
    assert run.rc == 0, run
    result = run.task("image")
    assert result["changed"] is True
    assert result["image"]["status"] == "active"
    assert result["image"]["min_ram"] == 1024
    assert result["image"]["tags"] == {"from": "ecs"}
    posts = [c["path"].split("/", 3)[-1] for c in emulator.write_calls() if c["method"] == "POST"]
    assert posts == ["v2/cloudimages/action"]


@CLOCK
def test_wait_false_returns_job_id_then_rerun_waits(emulator, run_playbook):
    emulator.configure(job_seconds=3)
    try:
        run = run_playbook(play(image_task(**from_obs(name="nowait", wait=False))))
        assert run.rc == 0, run
        result = run.task("image")
        assert result["changed"] is True
        assert len(result["job_id"]) == 32
        # IMS lists a new image late: the task returns once it is listed, so a re-run finds it.
        [created] = images_named(emulator, "nowait")
        assert result["image"]["id"] == created["id"]
        assert result["image"]["status"] in ("queued", "saving")

        # A second run finds the image still being created: it waits, never creates twice.
        emulator.clear_calls()
        run = run_playbook(play(image_task(**from_obs(name="nowait"))))
        assert run.rc == 0, run
        assert run.task("image")["image"]["status"] == "active"
        assert run.task("image")["image"]["id"] == created["id"]
        assert emulator.write_calls() == []
        assert len(images_named(emulator, "nowait")) == 1
    finally:
        emulator.configure(job_seconds=0.3)


@FAULTS
def test_failed_job_reports_code_and_reason(emulator, run_playbook):
    reason = "The image file is empty, not found, or in incorrect format."
    emulator.configure(fail_jobs=[{"job_type": "*", "error_code": "IMG.0057", "fail_reason": reason}])
    run = run_playbook(play(image_task(**from_obs(name="doomed"))))
    assert run.rc != 0
    result = run.task("image")
    assert result["error_code"] == "IMG.0057"
    assert result["job_id"]
    assert result["msg"] == "IMG.0057: job %s failed: %s" % (result["job_id"], reason)


@CALL_LOG
def test_bad_name_fails_before_any_call(emulator, run_playbook):
    emulator.clear_calls()
    run = run_playbook(play(image_task(**from_obs(name="bad<name"))))
    assert run.rc != 0
    result = run.task("image")
    assert result["msg"] == "name contains '<', which is not allowed; use " + NAME_RULE
    assert emulator.calls() == []


@pytest.mark.parametrize("args, message", [
    (dict(name="x", description="a\nb"), "description must not contain a line break (IMS rejects <, > and line breaks)"),
    (dict(name="x", tags={"bad key": "v"}),
     "tags: tag key 'bad key' contains ' '; keys may contain only letters, digits, Chinese characters, "
     "underscores (_) and hyphens (-)"),
    (dict(name="x", image_url="no-colon", min_disk=40), "image_url must have the form <bucket>:<object>, got 'no-colon'"),
    (dict(name="x", image_url="b:o", min_disk=20), "min_disk must be between 40 and 255 GB, got 20"),
    (dict(name="x", instance_id=STOPPED_ECS, volume_id=STOPPED_ECS),
     "instance_id, volume_id are mutually exclusive: give one source to create the image from"),
    (dict(id="nope"), "id must be a UUID like 4ca46bf1-5c61-48ff-b4f3-0ad4e5e3ba86, got 'nope'"),
    (dict(name="x", filename="/does/not/exist.qcow2"), "filename: /does/not/exist.qcow2 does not exist"),
])
@CALL_LOG
def test_invalid_input_fails_before_any_call(emulator, run_playbook, args, message):
    assert_refused_before_any_call(emulator, run_playbook, args, message)


@SEEDED_ACCOUNT
def test_wrong_secret_key_fails_with_apigw_code(emulator, run_playbook):
    run = run_playbook(play(image_task(**from_obs())), env={"HUAWEICLOUD_SECRET_KEY": "wrong"})
    assert run.rc != 0
    result = run.task("image")
    assert result["error_code"] == "APIGW.0301"
    assert "APIGW.0301" in result["msg"]
    assert result["http_status"] == 401


def test_duplicate_names_fail_clearly(world, run_playbook):
    twin_a, twin_b = world.from_obs("twin-a"), world.from_obs("twin-b")
    first = run_playbook(play(image_task(**twin_a), image_task("b", **twin_b)))
    assert first.rc == 0, first
    a_id, b_id = first.task("image")["image"]["id"], first.task("b")["image"]["id"]
    # Names are not unique in IMS: renaming by id makes two images share one.
    rename = run_playbook(play(image_task(id=b_id, name=twin_a["name"])))
    assert rename.rc == 0, rename

    world.clear_calls()
    run = run_playbook(play(image_task(name=twin_a["name"], description="which one?")))
    assert run.rc != 0
    ids = ", ".join(sorted([a_id, b_id]))
    assert run.task("image")["msg"].startswith(
        "2 images are named '%s' in your project in region %s (%s): names are not unique in IMS, so "
        "give the id of the one to manage" % (twin_a["name"], world.region, ids))
    world.assert_no_writes()

    run = run_playbook(play(image_task(id=a_id, description="this one")))
    assert run.rc == 0, run
    assert run.task("image")["changed"] is True


@SEEDED_ACCOUNT
def test_token_auth_works_too(emulator, run_playbook):
    acct = account(emulator)
    env = {"HUAWEICLOUD_ACCESS_KEY": "", "HUAWEICLOUD_SECRET_KEY": "",
           "HUAWEICLOUD_USER": acct["users"][0]["name"], "HUAWEICLOUD_PASSWORD": acct["users"][0]["password"],
           "HUAWEICLOUD_DOMAIN": acct["name"]}
    run = run_playbook(play(image_task(name=BASE_IMAGE, description="via token")), env=env)
    assert run.rc == 0, run
    assert run.task("image")["changed"] is True


SOURCES = {
    "system-from-volume": dict(volume_id="12e91511-ee62-d4f7-0699-1ebdf754c7d7", os_version="Ubuntu 18.04 server 64bit"),
    "data-from-volume": dict(volume_id="db3bd4e8-2d49-0b7b-6604-1ddc7f1bac99", image_type="DataImage",
                             description="data disk", tags={"kind": "data"}),
    "data-from-obs": dict(image_url=BUCKET + ":data-disk.qcow2", image_type="DataImage", min_disk=40, os_type="Linux"),
    "quick-import": dict(image_url=BUCKET + ":large-disk.zvhd2", quick_import=True, min_disk=200,
                         os_version="CentOS 7.6 64bit", architecture="x86"),
    "quick-import-data": dict(image_url=BUCKET + ":large-disk.raw", quick_import=True, image_type="DataImage",
                              min_disk=150),
    "iso": dict(image_url=BUCKET + ":windows.iso", image_type="IsoImage", min_disk=40, os_type="Windows",
                os_version="Windows Server 2019 Datacenter 64bit"),
    "encrypted": dict(image_url=BUCKET + ":centos-7.vhd", min_disk=40, cmk_id="1dd34e35-5426-9d05-8494-92199ed2a0e4",
                      is_config=True),
    "whole-from-backup": dict(backup_id="ab546101-fa67-5cb6-63a7-a664c30281fe"),
    "whole-from-instance": dict(instance_id=STOPPED_ECS, vault_id="07864e9b-dffa-5e75-e9ca-67b5b13d0fe7"),
}


@pytest.mark.parametrize("label", sorted(SOURCES))
@SEEDED
def test_other_sources_create_once(emulator, run_playbook, label):
    args = dict(SOURCES[label], name="img-" + label)
    run = run_playbook(play(image_task(**args)))
    assert run.rc == 0, run
    result = run.task("image")
    assert result["changed"] is True
    assert result["job_id"]
    assert result["image"]["status"] == "active"
    assert result["image"]["name"] == "img-" + label
    for key, value in (("description", args.get("description")), ("tags", args.get("tags"))):
        if value is not None:
            assert result["image"][key] == value

    emulator.clear_calls()
    again = run_playbook(play(image_task(**args)))
    assert again.rc == 0, again
    assert again.task("image")["changed"] is False
    assert emulator.write_calls() == []
    assert len(images_named(emulator, "img-" + label)) == 1


@SEEDED
def test_obs_image_with_data_images(emulator, run_playbook):
    args = dict(name="erp", image_url=BUCKET + ":centos-7.vhd", min_disk=40, os_version="CentOS 7.6 64bit",
                data_images=[dict(name="erp-data-1", image_url=BUCKET + ":data-disk.qcow2", min_disk=100),
                             dict(name="erp-data-2", image_url=BUCKET + ":data-disk-2.vhd", min_disk=50,
                                  tags={"disk": "2"})])
    run = run_playbook(play(image_task(**args)))
    assert run.rc == 0, run
    result = run.task("image")
    assert result["image"]["name"] == "erp"
    data_ids = result["data_image_ids"]
    assert len(data_ids) == 2
    names = dict((image["id"], image) for image in images_named(emulator))
    assert sorted(names[i]["name"] for i in data_ids) == ["erp-data-1", "erp-data-2"]
    assert all(names[i]["virtual_env_type"] == "DataImage" for i in data_ids)

    emulator.clear_calls()
    again = run_playbook(play(image_task(**args)))
    assert again.rc == 0 and again.task("image")["changed"] is False, again
    assert emulator.write_calls() == []


@CLOCK
def test_wait_timeout_names_the_job(emulator, run_playbook):
    emulator.configure(job_seconds=30)
    try:
        run = run_playbook(play(image_task(**from_obs(name="slow", wait_timeout=1))))
    finally:
        emulator.configure(job_seconds=0.3)
    assert run.rc != 0
    result = run.task("image")
    job_id = result["job_id"]
    assert len(job_id) == 32
    assert result["msg"].startswith("timed out after 1s waiting for job %s (last status " % job_id)
    assert "huaweicloud.cloud.ims_job job_id=%s wait=true" % job_id in result["msg"]


@SEEDED
def test_delete_whole_image_with_its_backup(emulator, run_playbook):
    """delete_backup=true deletes the whole image's CBR backup with it (reference 6.1.5); without it the backup
    stays."""
    whole = dict(instance_id=STOPPED_ECS, vault_id="07864e9b-dffa-5e75-e9ca-67b5b13d0fe7")
    run = run_playbook(play(image_task("a", name="whole-a", **whole), image_task("b", name="whole-b", **whole)))
    assert run.rc == 0, run
    backup_a, backup_b = (images_named(emulator, name)[0]["__backup_id"] for name in ("whole-a", "whole-b"))
    assert {backup_a, backup_b} <= set(emulator.state()["cbr_backups"])
    emulator.clear_calls()
    run = run_playbook(play(image_task("a", name="whole-a", state="absent"),
                            image_task("b", name="whole-b", state="absent", delete_backup=True)))
    assert run.rc == 0, run
    assert run.task("b")["changed"] is True
    assert images_named(emulator, "whole-a") == [] and images_named(emulator, "whole-b") == []
    backups = emulator.state()["cbr_backups"]
    assert backup_a in backups and backup_b not in backups
    deletes = [c for c in emulator.write_calls() if c["method"] == "DELETE"]
    assert [c["path"].rsplit("/", 1)[-1] for c in deletes] == [run.task(t)["image"]["id"] for t in ("a", "b")]


@CLOCK
def test_delete_waits_for_an_image_being_created(emulator, run_playbook):
    emulator.configure(job_seconds=3)
    try:
        # IMS lists the new image late (1 s here): a delete by name right after the create could not see it yet.
        run = run_playbook(play(image_task(**from_obs(name="short-lived", wait=False)),
                                {"name": "listed", "ansible.builtin.pause": {"seconds": 2}},
                                image_task("delete", name="short-lived", state="absent")))
    finally:
        emulator.configure(job_seconds=0.3)
    assert run.rc == 0, run
    assert run.task("delete")["changed"] is True
    assert images_named(emulator, "short-lived") == []


# ----------------------------------------------------------------------------------------------- export

EXPORT_BUCKET = "demo-exports"


def obs_objects(emu, bucket=EXPORT_BUCKET):
    """{key: object record} of one of the emulator's OBS buckets."""
    return emu.state()["obs"][bucket]["objects"]


def export_posts(emu):
    return [c["path"].split("/", 3)[-1] for c in emu.write_calls()
            if c["method"] == "POST" and c["path"].endswith("/file")]


@EXPORTS
def test_export_create_and_export_in_one_task_then_idempotent(emulator, run_playbook):
    export = {"bucket_url": EXPORT_BUCKET + ":exported.qcow2", "file_format": "qcow2"}
    run = run_playbook(play(image_task(**from_obs(name="exported", export=export))))
    assert run.rc == 0, run
    result = run.task("image")
    assert result["changed"] is True
    image_id = result["image"]["id"]
    assert result["image"]["status"] == "active"
    assert len(result["export_job_id"]) == 32 and result["export_job_id"] != result["job_id"]
    obj = obs_objects(emulator)["exported.qcow2"]
    assert obj["exported_from"] == image_id
    assert obj["format"] == "qcow2"
    assert export_posts(emulator) == ["v1/cloudimages/%s/file" % image_id]

    # IMS cannot tell whether the file is still there: an existing image is not exported again.
    emulator.clear_calls()
    again = run_playbook(play(image_task(**from_obs(name="exported", export=export))))
    assert again.rc == 0, again
    assert again.task("image")["changed"] is False
    assert "export_job_id" not in again.task("image")
    assert emulator.write_calls() == []

    # force=true always exports (here to a new file, since IMS refuses to overwrite one).
    forced = dict(export, bucket_url=EXPORT_BUCKET + ":exported-again.vmdk", file_format="vmdk", force=True)
    emulator.clear_calls()
    run = run_playbook(play(image_task(name="exported", export=forced)))
    assert run.rc == 0, run
    assert run.task("image")["changed"] is True
    assert run.task("image")["export_job_id"]
    assert export_posts(emulator) == ["v1/cloudimages/%s/file" % image_id]
    assert len(emulator.write_calls()) == 1
    assert obs_objects(emulator)["exported-again.vmdk"]["format"] == "vmdk"


@EXPORTS
def test_export_quick_of_an_existing_image_with_force(emulator, run_playbook):
    export = {"bucket_url": EXPORT_BUCKET + ":large.zvhd2", "quick": True, "force": True}
    run = run_playbook(play(image_task(name="demo-large-image", export=export)))
    assert run.rc == 0, run
    assert run.task("image")["changed"] is True
    obj = obs_objects(emulator)["large.zvhd2"]
    assert obj["exported_from"] == run.task("image")["image"]["id"]
    assert obj["format"] == "zvhd2"


@EXPORTS
def test_export_check_mode_makes_no_writes(emulator, run_playbook):
    export = {"bucket_url": EXPORT_BUCKET + ":checked.qcow2", "file_format": "qcow2"}
    emulator.clear_calls()
    run = run_playbook(play(image_task(**from_obs(name="checked", export=export)),
                            image_task("forced", name=BASE_IMAGE, export=dict(export, force=True))), check=True)
    assert run.rc == 0, run
    assert run.task("image")["changed"] is True
    assert run.task("forced")["changed"] is True
    assert "export_job_id" not in run.task("forced")
    assert emulator.write_calls() == []
    assert obs_objects(emulator) == {}
    assert images_named(emulator, "checked") == []


@EXPORTS
def test_export_wait_false_returns_the_job_and_wait_timeout_names_it(emulator, run_playbook):
    emulator.configure(job_seconds=30)
    try:
        started = run_playbook(play(image_task(name="demo-large-image", wait=False, export={
            "bucket_url": EXPORT_BUCKET + ":nowait.zvhd2", "quick": True, "force": True})))
        slow = run_playbook(play(image_task(name=BASE_IMAGE, wait_timeout=1, export={
            "bucket_url": EXPORT_BUCKET + ":slow.qcow2", "file_format": "qcow2", "force": True})))
    finally:
        emulator.configure(job_seconds=0.3)
    assert started.rc == 0, started
    assert started.task("image")["changed"] is True
    assert len(started.task("image")["export_job_id"]) == 32
    assert "nowait.zvhd2" not in obs_objects(emulator)  # still running

    assert slow.rc != 0
    result = slow.task("image")
    job_id = result["job_id"]
    assert len(job_id) == 32 and job_id != started.task("image")["export_job_id"]
    assert result["msg"].startswith("timed out after 1s waiting for job %s (last status " % job_id)
    assert "huaweicloud.cloud.ims_job job_id=%s wait=true" % job_id in result["msg"]


@CALL_LOG
def test_export_new_image_needs_wait(emulator, run_playbook):
    export = {"bucket_url": EXPORT_BUCKET + ":new.qcow2", "file_format": "qcow2"}
    emulator.clear_calls()
    run = run_playbook(play(image_task(**from_obs(name="nowait-export", export=export, wait=False))))
    assert run.rc != 0
    assert run.task("image")["msg"] == ("export needs wait=true to export the image this task creates: IMS only "
                                        "exports active images")
    assert emulator.write_calls() == []


@pytest.mark.parametrize("image, export, message", [
    ("demo-whole-image", {"bucket_url": EXPORT_BUCKET + ":w.qcow2", "file_format": "qcow2", "force": True},
     "image 6145bd11-d64e-2895-7fc2-c9a40b1d2ac7 (demo-whole-image) is a full-ECS image, which IMS cannot export"),
    ("demo-large-image", {"bucket_url": EXPORT_BUCKET + ":l.qcow2", "file_format": "qcow2", "force": True},
     "image 30cab0d1-cf0a-8f20-5901-0f88f3c6668b (demo-large-image) is 214748364800 bytes; images larger than "
     "128 GB can only be exported with export.quick=true"),
])
@SEEDED
def test_export_refused_by_ims_rules_makes_no_writes(emulator, run_playbook, image, export, message):
    emulator.clear_calls()
    run = run_playbook(play(image_task(name=image, export=export)))
    assert run.rc != 0
    assert run.task("image")["msg"] == message
    assert emulator.write_calls() == []


@pytest.mark.parametrize("args, message", [
    (dict(name=BASE_IMAGE, export={"bucket_url": "no-colon", "file_format": "qcow2", "force": True}),
     "export.bucket_url must have the form <bucket>:<object>, got 'no-colon'"),
    (dict(name=BASE_IMAGE, export={"bucket_url": EXPORT_BUCKET + ":", "file_format": "qcow2"}),
     "export.bucket_url must have the form <bucket>:<object> with both parts non-empty, got 'demo-exports:'"),
    (dict(name=BASE_IMAGE, export={"bucket_url": EXPORT_BUCKET + ":q.zvhd2", "quick": True, "file_format": "vhd"}),
     "export.file_format cannot be used with export.quick=true: a quick export keeps the image's own format"),
    (dict(name=BASE_IMAGE, export={"bucket_url": EXPORT_BUCKET + ":f.qcow2"}),
     "export.file_format (qcow2, vhd, zvhd, vmdk) is required unless export.quick=true"),
    (dict(name=BASE_IMAGE, state="absent", export={"bucket_url": EXPORT_BUCKET + ":a.qcow2", "file_format": "qcow2"}),
     "export is only used with state=present; an image that is deleted cannot be exported"),
    (dict(name="whole", backup_id="ab546101-fa67-5cb6-63a7-a664c30281fe",
          export={"bucket_url": EXPORT_BUCKET + ":b.qcow2", "file_format": "qcow2"}),
     "export cannot be used with a full-ECS image (backup_id): IMS does not export them"),
    (dict(name="iso", image_url=BUCKET + ":windows.iso", image_type="IsoImage", min_disk=40, os_type="Windows",
          os_version="Windows Server 2019 Datacenter 64bit",
          export={"bucket_url": EXPORT_BUCKET + ":i.qcow2", "file_format": "qcow2"}),
     "export cannot be used with an ISO image: IMS does not export them"),
])
@CALL_LOG
def test_export_invalid_input_fails_before_any_call(emulator, run_playbook, args, message):
    assert_refused_before_any_call(emulator, run_playbook, args, message)


@EXPORTS
def test_export_failure_after_creation_says_how_to_retry(emulator, run_playbook):
    args = dict(name="big-export", image_url=BUCKET + ":large-disk.zvhd2", quick_import=True, min_disk=200,
                os_version="CentOS 7.6 64bit")
    export = {"bucket_url": EXPORT_BUCKET + ":big.qcow2", "file_format": "qcow2"}
    run = run_playbook(play(image_task(**dict(args, export=export))))
    assert run.rc != 0
    [image] = images_named(emulator, "big-export")
    assert run.task("image")["msg"] == (
        "image %s (big-export) is 214748364800 bytes; images larger than 128 GB can only be exported with "
        "export.quick=true; image %s was created, but a later run exports an existing image only with "
        "export.force=true" % (image["id"], image["id"]))
    assert export_posts(emulator) == []

    # The image exists now, so the same task does nothing; force=true with a quick export does the export.
    emulator.clear_calls()
    again = run_playbook(play(image_task(**dict(args, export=export))))
    assert again.rc == 0 and again.task("image")["changed"] is False, again
    assert emulator.write_calls() == []
    forced = {"bucket_url": EXPORT_BUCKET + ":big.zvhd2", "quick": True, "force": True}
    run = run_playbook(play(image_task(**dict(args, export=forced))))
    assert run.rc == 0, run
    assert obs_objects(emulator)["big.zvhd2"]["exported_from"] == image["id"]


@SEEDED
def test_export_ims_error_is_reported_with_its_code(emulator, run_playbook):
    # IMS does not overwrite an OBS file.
    run = run_playbook(play(image_task(name=BASE_IMAGE, export={
        "bucket_url": BUCKET + ":ubuntu-22.04.qcow2", "file_format": "qcow2", "force": True})))
    assert run.rc != 0
    assert run.task("image")["error_code"] == "IMG.0070"


ATTRIBUTES = dict(hw_firmware_type="uefi", hw_vif_multiqueue_enabled=True, support_kvm=True, is_config_init=True,
                  properties={"build": 42, "owner-team": "web"})


@SEEDED
def test_settable_attributes_create_update_idempotent_and_validated(emulator, run_playbook):
    """Every attribute of the table: set on a new image, compared on a re-run, changed on an existing image with
    a diff (a false support_* flag removes it), and bad values refused before any call."""
    new = from_obs(name="attr-image", architecture="arm", **ATTRIBUTES)
    existing = dict(name=BASE_IMAGE, hw_firmware_type="uefi", support_kvm=False, support_xen=True,
                    support_diskintensive=True, support_highperformance=True, is_config_init=False,
                    hw_vif_multiqueue_enabled=False, properties={"build": "43"})
    gpu = dict(name=BASE_IMAGE, support_xen=False, support_kvm_gpu_type="V100")
    run = run_playbook(play(image_task("new", **new), image_task("existing", **existing),
                            image_task("gpu", **gpu)), diff=True)
    assert run.rc == 0, run
    [created] = images_named(emulator, "attr-image")
    assert {k: created.get(k) for k in ("hw_firmware_type", "hw_vif_multiqueue_enabled", "__support_kvm",
                                        "__is_config_init", "build", "owner-team", "__support_arm")} == {
        "hw_firmware_type": "uefi", "hw_vif_multiqueue_enabled": "true", "__support_kvm": "true",
        "__is_config_init": "true", "build": "42", "owner-team": "web", "__support_arm": "true"}
    assert run.task("new")["image"]["support_kvm"] == "true"
    result = run.task("existing")
    assert result["changed"] is True
    assert result["diff"]["before"]["attributes"] == {
        "hw_firmware_type": "bios", "hw_vif_multiqueue_enabled": None, "__support_kvm": "true",
        "__support_xen": None, "__support_diskintensive": None, "__support_highperformance": None,
        "__is_config_init": None, "build": None}
    assert result["diff"]["after"]["attributes"] == {
        "hw_firmware_type": "uefi", "hw_vif_multiqueue_enabled": "false", "__support_kvm": None,
        "__support_xen": "true", "__support_diskintensive": "true", "__support_highperformance": "true",
        "__is_config_init": "false", "build": "43"}
    [base] = images_named(emulator, BASE_IMAGE)
    assert "__support_kvm" not in base and "__support_xen" not in base
    assert base["__support_kvm_gpu_type"] == "V100" and base["__support_diskintensive"] == "true"
    assert base["hw_firmware_type"] == "uefi" and base["build"] == "43"

    emulator.clear_calls()
    existing["support_xen"] = False  # the gpu task removed it
    again = run_playbook(play(image_task("new", **new), image_task("existing", **existing), image_task("gpu", **gpu)))
    assert again.rc == 0, again
    assert again.changed == []
    assert emulator.write_calls() == []

    refused = [
        (dict(name=BASE_IMAGE, properties={"__support_arm": "true"}), "properties: '__support_arm' is not a usable"),
        (dict(name=BASE_IMAGE, properties={"min_disk": 1}), "properties: 'min_disk' is an IMS image attribute"),
        (dict(name=BASE_IMAGE, support_kvm=True, support_kvm_gpu_type="P100"),
         "support_kvm_gpu_type cannot be combined with support_kvm=true"),
        (dict(name=BASE_IMAGE, hw_firmware_type="efi"), "value of hw_firmware_type must be one of: bios, uefi"),
        (dict(name=BASE_IMAGE, support_xen_gpu_type="A100"), "value of support_xen_gpu_type must be one of"),
    ]
    emulator.clear_calls()
    run = run_playbook(play(*[dict(image_task("bad%d" % i, **args), ignore_errors=True)
                              for i, (args, dummy) in enumerate(refused)]))
    for i, (dummy, message) in enumerate(refused):
        assert message in run.task("bad%d" % i)["msg"], run.task("bad%d" % i)
    assert [c for c in emulator.calls() if c["path"].startswith("/ims/")] == []
