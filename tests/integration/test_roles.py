"""Roles ims_import, ims_share, ims_replicate and the ready playbooks (incl. the README demo), run with real
ansible-playbook (the tests taking ``world`` on both targets): end state, idempotency (second run changes nothing and writes nothing),
check mode (no write calls) and input validation."""

from __future__ import annotations

from datetime import datetime

import pytest

from hwc_harness import REPO, World, account, image_id, images_named, members, project_id, project_state, tags

# The version-matrix legs skip these (they run only -m matrix); the main leg runs them.
pytestmark = pytest.mark.slow

# Why the other tests need the emulator.
CALL_LOG = pytest.mark.emulator_only(reason="asserts through the emulator's call log which requests were sent")
SEEDED = pytest.mark.emulator_only(reason="the seeded world's OBS objects, KMS key, encrypted image or regions")
CONSUMER = pytest.mark.emulator_only(reason="acts as the consumer with the seeded partner account's credentials")
CLOCK = pytest.mark.emulator_only(reason="sets the emulator's job durations (control API) and reads its job log")
EXPORTS = pytest.mark.emulator_only(reason="exports to the emulator's OBS bucket and reads it (control API)")

REGION = "cn-north-4"
OTHER_REGIONS = ["cn-east-3", "cn-south-1", "ap-southeast-1", "ap-southeast-3", "la-south-2"]
PLAYBOOKS = REPO / "playbooks"
AGENCY = "ims_admin_agency"
BASE_IMAGE = "demo-base-image"
KMS_KEY = "1dd34e35-5426-9d05-8494-92199ed2a0e4"


# ----------------------------------------------------------------------------------------------- helpers


def secrets(emu, domain):
    acct = account(emu, domain)
    return [acct["secret_key"], acct["user"]["password"]]


def partner_auth(emu):
    acct = account(emu, "partner")
    return {"access_key": acct["access_key"], "secret_key": acct["secret_key"]}


def task(run, name):
    """Result of the (last) task called ``name``, with or without its "role : " prefix."""
    matches = [r["result"] for r in run.results if r["task"] == name or r["task"].endswith(" : " + name)]
    assert matches, "no task %r in %s" % (name, [r["task"] for r in run.results])
    return matches[-1]


def changed(run):
    """Names of the tasks that changed something, without their "role : " prefix."""
    return [name.split(" : ", 1)[-1] for name in run.changed]


def role_play(role, **role_vars):
    return [{"hosts": "localhost", "gather_facts": False,
             "roles": [{"role": "huaweicloud.cloud." + role, "vars": role_vars}]}]


def assert_converged(emu, run_playbook, playbook, **kwargs):
    """A second run reports no change and makes no write call; so does a check-mode run. ``emu``: an emulator
    or a World (whose target may have no call log)."""
    if not isinstance(emu, World):
        emu = World(None, emu)
    emu.clear_calls()
    again = run_playbook(playbook, **kwargs)
    assert again.rc == 0, again
    assert again.changed == [], again
    emu.assert_no_writes()
    emu.clear_calls()
    checked = run_playbook(playbook, check=True, **kwargs)
    assert checked.rc == 0, checked
    assert checked.changed == [], checked
    emu.assert_no_writes()


def parse_time(text):
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ")


def copy_batches(emu):
    """How many copy requests went out between job polls, in call-log order: [2, 2, 1] means
    two copies, then waiting, two more, waiting, one more. Ordering, not timing."""
    sizes = []
    polling = True
    for call in emu.calls():
        if call["method"] == "POST" and call["path"].endswith("copy"):
            if polling:
                sizes.append(0)
                polling = False
            sizes[-1] += 1
        elif "/jobs/" in call["path"] or "/cloudimages/job/" in call["path"]:
            polling = True
    return sizes


def cross_region_jobs(emu, region=REGION):
    return [j for j in project_state(emu, "demo", region)["jobs"] if j["job_type"] == "imsCopyImageCrossUserJob"]


# ----------------------------------------------------------------------------------------------- demo

@pytest.mark.emulator_only(reason="the demo playbook's fixed names and regions, the seeded partner credentials")
def test_demo_playbook_end_to_end(emulator, run_playbook):
    partner = partner_auth(emulator)
    env = {"DEMO_PARTNER_ACCESS_KEY": partner["access_key"], "DEMO_PARTNER_SECRET_KEY": partner["secret_key"]}
    demo = PLAYBOOKS / "demo.yml"

    run = run_playbook(demo, env=env)
    assert run.rc == 0, run
    [image] = images_named(emulator, "demo-web-base")
    assert image["status"] == "active"
    assert tags(image) == {"app": "web", "owner": "demo"}
    assert members(emulator, image["id"]) == {project_id(emulator, "partner"): "accepted"}
    replicas = {}
    for region in ("cn-east-3", "cn-south-1"):
        [copy] = images_named(emulator, "demo-web-base", region=region)
        assert copy["status"] == "active"
        replicas[region] = copy["id"]
    for region in ("ap-southeast-1", "ap-southeast-3", "la-south-2"):
        assert images_named(emulator, "demo-web-base", region=region) == []
    summary = "\n".join(run.task("Summary")["msg"])
    assert image["id"] in summary and "accepted" in summary
    assert all(image_id in summary for image_id in replicas.values())
    for secret in secrets(emulator, "demo") + secrets(emulator, "partner"):
        assert secret not in run.stdout

    assert_converged(emulator, run_playbook, demo, env=env)


@pytest.mark.emulator_only(reason="the demo playbook's fixed names and regions, the seeded partner credentials")
def test_demo_playbook_check_mode_on_a_fresh_account_writes_nothing(emulator, run_playbook):
    emulator.clear_calls()
    run = run_playbook(PLAYBOOKS / "demo.yml", check=True)
    assert run.rc == 0, run
    assert emulator.write_calls() == []
    assert images_named(emulator, "demo-web-base") == []


# ----------------------------------------------------------------------------------------------- import

def test_import_playbook_from_obs_with_tags(world, run_playbook):
    obs = world.from_obs("web-base")
    name = obs["name"]
    extra = {"ims_import_name": name, "ims_import_image_url": obs["image_url"],
             "ims_import_os_version": obs["os_version"], "ims_import_description": "web base",
             "ims_import_tags": dict(world.tags, team="web", env="prod")}
    run = run_playbook(PLAYBOOKS / "import.yml", extra_vars=extra)
    assert run.rc == 0, run
    [image] = world.images(name)
    assert image["status"] == "active"
    assert image.get("__description", image.get("description")) == "web base"
    assert world.image_tags(name) == dict(world.tags, team="web", env="prod")
    assert task(run, "Create the image and wait until it is active")["image"]["id"] == image["id"]
    assert image["id"] in run.task("Show the image")["msg"]

    assert_converged(world, run_playbook, PLAYBOOKS / "import.yml", extra_vars=extra)

    # A tag change: check mode reports it without writing, a real run applies it (purging the other tag).
    retagged = dict(extra, ims_import_tags=dict(world.tags, team="platform"))
    world.clear_calls()
    checked = run_playbook(PLAYBOOKS / "import.yml", extra_vars=retagged, check=True)
    assert checked.rc == 0, checked
    assert changed(checked) == ["Create the image and wait until it is active"]
    world.assert_no_writes()
    applied = run_playbook(PLAYBOOKS / "import.yml", extra_vars=retagged)
    assert applied.rc == 0, applied
    assert world.image_tags(name) == dict(world.tags, team="platform")


@SEEDED
def test_import_role_quick_import_register_and_local_upload(emulator, run_playbook, tmp_path):
    disk = tmp_path / "tools.qcow2"
    disk.write_bytes(b"QFI\xfb" + b"\0" * 65536)
    plays = role_play("ims_import", ims_import_name="big-db", ims_import_image_url="demo-images:large-disk.zvhd2",
                      ims_import_quick_import=True, ims_import_os_version="CentOS 7.6 64bit",
                      ims_import_min_disk=200, ims_import_region=REGION)
    plays += role_play("ims_import", ims_import_name="appliance", ims_import_image_url="demo-images:debian-11.vmdk",
                       ims_import_register=True,
                       ims_import_os_version="Debian GNU/Linux 10.0.0 64bit", ims_import_tags={"src": "obs"})
    plays += role_play("ims_import", ims_import_name="tools", ims_import_filename=str(disk),
                       ims_import_disk_format="qcow2", ims_import_tags={"src": "local"})
    run = run_playbook(plays)
    assert run.rc == 0, run
    state = emulator.state()
    for name, wanted_tags in (("big-db", {}), ("appliance", {"src": "obs"}), ("tools", {"src": "local"})):
        [image] = images_named(emulator, name, state=state)
        assert image["status"] == "active", name
        assert tags(image) == wanted_tags, name
    [big] = images_named(emulator, "big-db", state=state)
    assert big["min_disk"] == 200
    writes = [(c["method"], c["path"].split("/", 3)[-1]) for c in emulator.write_calls()]
    assert ("POST", "v2/cloudimages/quickimport/action") in writes, writes
    assert any(w[1].endswith("/upload") for w in writes), writes
    assert any(w[0] == "PUT" and w[1].endswith("/file") for w in writes), writes

    assert_converged(emulator, run_playbook, plays)


@pytest.mark.parametrize("role_vars, message", [
    ({"ims_import_image_url": "demo-images:ubuntu-22.04.qcow2"}, "missing required arguments: ims_import_name"),
    ({"ims_import_name": "x"}, "set exactly one of ims_import_image_url"),
    ({"ims_import_name": "x", "ims_import_image_url": "demo-images:ubuntu-22.04.qcow2",
      "ims_import_filename": "/tmp/disk.qcow2"}, "set exactly one of ims_import_image_url"),
    ({"ims_import_name": "x", "ims_import_image_url": "ubuntu-22.04.qcow2"},
     "ims_import_image_url must be"),
    ({"ims_import_name": "x", "ims_import_image_url": "demo-images:large-disk.zvhd2",
      "ims_import_quick_import": True}, "quick import of a system disk image needs ims_import_os_version"),
    ({"ims_import_name": "x", "ims_import_image_url": "demo-images:ubuntu-22.04.qcow2",
      "ims_import_connection": {"acces_key": "typo"}}, "ims_import_connection.acces_key"),
    ({"ims_import_name": "x", "ims_import_image_url": "demo-images:ubuntu-22.04.qcow2",
      "ims_import_min_disk": "forty"}, "ims_import_min_disk"),
])
@CALL_LOG
def test_import_role_rejects_bad_input_before_any_call(emulator, run_playbook, role_vars, message):
    emulator.clear_calls()
    run = run_playbook(role_play("ims_import", **role_vars))
    assert run.rc != 0, run
    assert message in run.stdout, run
    assert emulator.calls() == []


# ----------------------------------------------------------------------------------------------- share

@CONSUMER
def test_share_playbook_producer_and_consumer(emulator, run_playbook):
    base = image_id(emulator, BASE_IMAGE)
    partner = project_id(emulator, "partner")
    extra = {"ims_share_images": [BASE_IMAGE], "ims_share_projects": [partner],
             "ims_share_consumer_status": "accepted", "ims_share_consumer_auth": partner_auth(emulator)}
    run = run_playbook(PLAYBOOKS / "share.yml", extra_vars=extra, verbosity=3)
    assert run.rc == 0, run
    assert members(emulator, base) == {partner: "accepted"}
    assert task(run, "Share the images (producer)")["members"][base][0]["member_id"] == partner
    for secret in secrets(emulator, "partner") + secrets(emulator, "demo"):
        assert secret not in run.stdout
        assert secret not in run.stderr
    # The consumer task is no_log; its result reaches no callback.
    consumer = task(run, "Accept or reject the images with the consumer credentials")
    assert "censored" in str(consumer)

    # A re-run reads the image and its membership once each: the producer's read shows the share already
    # accepted, so the consumer side is skipped and reads nothing.
    emulator.clear_calls()
    again = run_playbook(PLAYBOOKS / "share.yml", extra_vars=extra)
    assert again.rc == 0 and again.changed == [], again
    reads = [(c["method"], c["path"]) for c in emulator.calls() if c["path"].startswith("/ims/")]
    assert reads == [("GET", "/ims/%s/v2/cloudimages" % REGION),
                     ("GET", "/ims/%s/v2/images/%s/members" % (REGION, base))]
    assert task(again, "Record the share results")["ansible_facts"]["ims_share_consumer"] == {
        "changed": False, "status": "accepted", "images": [base]}

    assert_converged(emulator, run_playbook, PLAYBOOKS / "share.yml", extra_vars=extra)

    # The consumer changes its mind.
    rejected = dict(extra, ims_share_projects=[], ims_share_consumer_status="rejected")
    run = run_playbook(PLAYBOOKS / "share.yml", extra_vars=rejected)
    assert run.rc == 0, run
    assert members(emulator, base) == {partner: "rejected"}

    # Exclusive with no projects stops sharing; check mode first writes nothing.
    unshare = {"ims_share_images": [base], "ims_share_exclusive": True}
    emulator.clear_calls()
    checked = run_playbook(PLAYBOOKS / "share.yml", extra_vars=unshare, check=True)
    assert checked.rc == 0 and changed(checked) == ["Share the images (producer)"], checked
    assert emulator.write_calls() == []
    assert members(emulator, base) == {partner: "rejected"}
    run = run_playbook(PLAYBOOKS / "share.yml", extra_vars=unshare)
    assert run.rc == 0, run
    assert members(emulator, base) == {}
    assert_converged(emulator, run_playbook, PLAYBOOKS / "share.yml", extra_vars=unshare)


@pytest.mark.cloud_smoke
def test_share_role_additive_and_absent(world, run_playbook):
    [partner] = world.require("share_project_id")
    dummy, base = world.base_image(run_playbook)
    run = run_playbook(role_play("ims_share", ims_share_images=[base], ims_share_projects=[partner]))
    assert run.rc == 0, run
    assert world.members(base) == {partner: "pending"}
    run = run_playbook(role_play("ims_share", ims_share_images=[base], ims_share_projects=[partner],
                                 ims_share_state="absent"))
    assert run.rc == 0, run
    assert world.members(base) == {}
    unshare = role_play("ims_share", ims_share_images=[base], ims_share_projects=[partner], ims_share_state="absent")
    assert_converged(world, run_playbook, unshare)


@CONSUMER
def test_share_role_consumer_error_stays_readable_without_secrets(emulator, run_playbook):
    # Nothing is shared with the partner: accepting fails, and the no_log task's error is repeated.
    run = run_playbook(role_play("ims_share", ims_share_images=[BASE_IMAGE], ims_share_consumer_status="accepted",
                                 ims_share_consumer_auth=partner_auth(emulator)), verbosity=2)
    assert run.rc != 0, run
    assert "ims_share consumer side failed:" in run.stdout, run
    assert BASE_IMAGE in run.stdout
    for secret in secrets(emulator, "partner"):
        assert secret not in run.stdout


@pytest.mark.parametrize("role_vars, message", [
    ({}, "missing required arguments: ims_share_images"),
    ({"ims_share_images": [BASE_IMAGE]}, "nothing to do"),
    ({"ims_share_images": [BASE_IMAGE], "ims_share_projects": ["partner"]},
     "must be project ids (32 hexadecimal digits)"),
    ({"ims_share_images": [BASE_IMAGE], "ims_share_exclusive": True, "ims_share_state": "absent"},
     "ims_share_exclusive=true needs ims_share_state=present"),
    ({"ims_share_images": [BASE_IMAGE], "ims_share_consumer_status": "accept"},
     "ims_share_consumer_status must be one of"),
])
@CALL_LOG
def test_share_role_rejects_bad_input_before_any_call(emulator, run_playbook, role_vars, message):
    emulator.clear_calls()
    run = run_playbook(role_play("ims_share", **role_vars))
    assert run.rc != 0, run
    assert message in run.stdout, run
    assert emulator.calls() == []


# ----------------------------------------------------------------------------------------------- replicate

@CLOCK
def test_replicate_playbook_batches_cross_region_copies(emulator, run_playbook):
    """Five target regions, at most two at a time: three batches whose copies run together."""
    emulator.configure(job_seconds=4)
    try:
        extra = {"ims_replicate_image": BASE_IMAGE, "ims_replicate_regions": OTHER_REGIONS,
                 "ims_replicate_agency_name": AGENCY, "ims_replicate_concurrency": 2}
        run = run_playbook(PLAYBOOKS / "replicate.yml", extra_vars=extra)
        assert run.rc == 0, run
        state = emulator.state()
        for region in OTHER_REGIONS:
            [copy] = images_named(emulator, BASE_IMAGE, region=region, state=state)
            assert copy["status"] == "active", region
        jobs = sorted(cross_region_jobs(emulator), key=lambda j: j["begin_time"])
        assert len(jobs) == 5
        assert all(j["status"] == "SUCCESS" for j in jobs)
        assert copy_batches(emulator) == [2, 2, 1]
        # Each batch starts once the previous one has ended.
        assert parse_time(jobs[2]["begin_time"]) >= max(parse_time(j["end_time"]) for j in jobs[:2])
        assert parse_time(jobs[4]["begin_time"]) >= max(parse_time(j["end_time"]) for j in jobs[2:4])
        shown = [r for r in run.results if r["task"] == "Show the copies"]
        assert shown and OTHER_REGIONS[0] in str(shown)

        assert_converged(emulator, run_playbook, PLAYBOOKS / "replicate.yml", extra_vars=extra)
    finally:
        emulator.configure(job_seconds=0.3)


@pytest.mark.cloud_long
def test_replicate_role_tags_every_copy(world, run_playbook):
    """ims_replicate passes tags, copy_tags and purge_tags to every copy, in-region and across regions; the
    copies, started without waiting, are tagged once active, and a re-run converges."""
    region, agency = world.require("copy_region", "agency_name")
    world.long_job()
    base_name, dummy = world.base_image(run_playbook)
    source_tags = world.image_tags(base_name)
    plays = role_play("ims_replicate", ims_replicate_image=base_name, ims_replicate_regions=[region],
                      ims_replicate_agency_name=agency, ims_replicate_tags=dict(world.tags, release="1"),
                      ims_replicate_in_region=[{"name": world.name("base-tagged")}])
    run = run_playbook(plays)
    assert run.rc == 0, run
    [in_region] = world.images(world.name("base-tagged"))
    [copy] = world.images(base_name, region=region)
    assert world.image_tags(world.name("base-tagged")) == world.image_tags(base_name, region=region) == dict(
        source_tags, release="1", **world.tags)
    assert in_region["status"] == copy["status"] == "active"
    assert_converged(world, run_playbook, plays)


@CLOCK
def test_replicate_role_in_region_and_cross_region_together(emulator, run_playbook):
    emulator.configure(job_seconds=3)
    try:
        base = image_id(emulator, BASE_IMAGE)
        role_vars = {"ims_replicate_image": base, "ims_replicate_region": REGION,
                     "ims_replicate_regions": ["cn-east-3"], "ims_replicate_agency_name": AGENCY,
                     "ims_replicate_in_region": [{"name": "demo-base-encrypted", "cmk_id": KMS_KEY}]}
        plays = role_play("ims_replicate", **role_vars)

        emulator.clear_calls()
        checked = run_playbook(plays, check=True)
        assert checked.rc == 0, checked
        assert emulator.write_calls() == []

        run = run_playbook(plays)
        assert run.rc == 0, run
        state = emulator.state()
        [encrypted] = images_named(emulator, "demo-base-encrypted", state=state)
        assert encrypted["status"] == "active"
        assert encrypted.get("__system__cmkid") == KMS_KEY
        [copy] = images_named(emulator, BASE_IMAGE, region="cn-east-3", state=state)  # name taken from the id
        assert copy["status"] == "active"
        jobs = [j for j in project_state(emulator, state=state)["jobs"] if "Copy" in j["job_type"]]
        assert len(jobs) == 2
        assert copy_batches(emulator) == [2], emulator.calls()  # started together, waited on together

        assert_converged(emulator, run_playbook, plays)

        # Adding a region copies to that region only.
        emulator.clear_calls()
        more = role_play("ims_replicate", **{**role_vars, "ims_replicate_regions": ["cn-east-3", "cn-south-1"]})
        run = run_playbook(more)
        assert run.rc == 0, run
        copies = [c for c in emulator.write_calls() if c["path"].endswith("/cross_region_copy")]
        assert len(copies) == 1
        [copy] = images_named(emulator, BASE_IMAGE, region="cn-south-1")
        assert copy["status"] == "active"
    finally:
        emulator.configure(job_seconds=0.3)


@CLOCK
def test_replicate_role_starts_every_copy_before_any_wait_and_reads_once(emulator, run_playbook):
    """In-region and cross-region copies all start before the first job poll, one ims_job polls them all, the
    source is looked up once (by name), and a re-run reads each resource once."""
    regions = ["cn-east-3", "cn-south-1", "ap-southeast-1"]
    emulator.configure(job_seconds=2, job_seconds_by_region={"cn-east-3": 2, "cn-south-1": 3, "ap-southeast-1": 4})
    try:
        role_vars = {"ims_replicate_image": BASE_IMAGE, "ims_replicate_regions": regions,
                     "ims_replicate_agency_name": AGENCY,
                     "ims_replicate_in_region": [{"name": "demo-base-replica", "cmk_id": KMS_KEY}]}
        plays = role_play("ims_replicate", **role_vars)
        emulator.clear_calls()
        run = run_playbook(plays)
        assert run.rc == 0, run
        assert copy_batches(emulator) == [4], emulator.calls()
        waits = [r for r in run.results if r["action"] == "huaweicloud.cloud.ims_job" and r["status"] != "skipped"]
        assert len(waits) == 1 and len(waits[0]["result"]["jobs"]) == 4
        assert all(job["polls"] >= 1 for job in waits[0]["result"]["jobs"])
        name_queries = [c for c in emulator.calls() if c["path"] == "/ims/%s/v2/cloudimages" % REGION
                        and "name=" + BASE_IMAGE + "&" in c["query"] + "&"]
        assert len(name_queries) == 1, name_queries
        jobs = cross_region_jobs(emulator)
        durations = sorted(round((parse_time(j["end_time"]) - parse_time(j["begin_time"])).total_seconds())
                           for j in jobs)
        assert durations == [2, 3, 4]
        state = emulator.state()
        for region in regions:
            [copy] = images_named(emulator, BASE_IMAGE, region=region, state=state)
            assert copy["status"] == "active"
        published = task(run, "Publish the replication result")["ansible_facts"]["ims_replicate_images"]
        assert sorted(r["region"] for r in published) == sorted(regions + [REGION])
        assert all(r["image_id"] and r["changed"] for r in published)

        emulator.clear_calls()
        again = run_playbook(plays)
        assert again.rc == 0 and again.changed == [], again
        ims = [c for c in emulator.calls() if c["path"].startswith("/ims/")]
        assert all(c["method"] == "GET" for c in ims)
        # The source and the four copies: one read each. With copy_tags (default) the source's tags come from its
        # one read and each copy's from its record, so the tag API is not read when nothing is to change.
        assert len([c for c in ims if not c["path"].endswith("/tags")]) == 5, ims
        assert len([c for c in ims if c["path"].endswith("/tags")]) == 0, ims
    finally:
        emulator.configure(job_seconds=0.3, job_seconds_by_region={})


@pytest.mark.parametrize("role_vars, message", [
    ({"ims_replicate_regions": ["cn-east-3"], "ims_replicate_agency_name": AGENCY},
     "missing required arguments: ims_replicate_image"),
    ({"ims_replicate_image": BASE_IMAGE}, "must list at least one target"),
    ({"ims_replicate_image": BASE_IMAGE, "ims_replicate_regions": ["cn-east-3"]},
     "cross-region copies need ims_replicate_agency_name"),
    ({"ims_replicate_image": BASE_IMAGE, "ims_replicate_regions": ["cn-east-3"], "ims_replicate_agency_name": AGENCY,
      "ims_replicate_concurrency": 6}, "ims_replicate_concurrency must be 1 to 5"),
    ({"ims_replicate_image": BASE_IMAGE, "ims_replicate_regions": ["cn-east-3", "cn-east-3"],
      "ims_replicate_agency_name": AGENCY}, "no region or in-region copy name twice"),
    ({"ims_replicate_image": BASE_IMAGE, "ims_replicate_regions": [REGION], "ims_replicate_region": REGION,
      "ims_replicate_agency_name": AGENCY}, "cannot be a target of a cross-region copy"),
    ({"ims_replicate_image": BASE_IMAGE, "ims_replicate_in_region": [{"cmk_id": KMS_KEY}]},
     "missing required arguments: name found in ims_replicate_in_region"),
])
@CALL_LOG
def test_replicate_role_rejects_bad_input_before_any_call(emulator, run_playbook, role_vars, message):
    emulator.clear_calls()
    run = run_playbook(role_play("ims_replicate", **role_vars))
    assert run.rc != 0, run
    assert message in run.stdout, run
    assert emulator.calls() == []


@SEEDED
def test_replicate_role_reports_ims_errors(emulator, run_playbook):
    # Encrypted images cannot be copied across regions (IMG.0143): the error surfaces with its code.
    run = run_playbook(role_play("ims_replicate", ims_replicate_image="demo-encrypted-image",
                                 ims_replicate_regions=["cn-east-3"], ims_replicate_agency_name=AGENCY))
    assert run.rc != 0, run
    assert "IMG.0143" in run.stdout, run
    assert images_named(emulator, "demo-encrypted-image", region="cn-east-3") == []


@CLOCK
def test_replicate_role_waits_for_copies_an_interrupted_run_left_running(emulator, run_playbook):
    emulator.configure(job_seconds=6)
    try:
        start = [{"hosts": "localhost", "gather_facts": False, "tasks": [{
            "name": "start a copy and give up",
            "huaweicloud.cloud.ims_image_copy": {"image": BASE_IMAGE, "name": BASE_IMAGE, "target_region": "cn-east-3",
                                                 "agency_name": AGENCY, "wait": False}}]}]
        run = run_playbook(start)
        assert run.rc == 0, run
        [copy] = images_named(emulator, BASE_IMAGE, region="cn-east-3")
        assert copy["status"] != "active"

        emulator.clear_calls()
        run = run_playbook(role_play("ims_replicate", ims_replicate_image=BASE_IMAGE,
                                     ims_replicate_regions=["cn-east-3"], ims_replicate_agency_name=AGENCY))
        assert run.rc == 0, run
        # No second copy: the only writes tag the copy with the source's tags once it is active.
        assert [c for c in emulator.write_calls() if not c["path"].endswith("/tags/action")] == []
        [copy] = images_named(emulator, BASE_IMAGE, region="cn-east-3")
        assert copy["status"] == "active"
        assert tags(copy) == {"env": "test"}
    finally:
        emulator.configure(job_seconds=0.3)


@EXPORTS
def test_import_role_exports_the_image_it_creates(emulator, run_playbook):
    plays = role_play("ims_import", ims_import_name="exported-base", ims_import_image_url="demo-images:ubuntu-22.04.qcow2",
                      ims_import_os_version="Ubuntu 18.04 server 64bit",
                      ims_import_export={"bucket_url": "demo-exports:exported-base.vhd", "file_format": "vhd"})
    run = run_playbook(plays)
    assert run.rc == 0, run
    [image] = images_named(emulator, "exported-base")
    assert image["status"] == "active"
    result = task(run, "Create the image and wait until it is active")
    assert result["export_job_id"]
    exported = emulator.state()["obs"]["demo-exports"]["objects"]["exported-base.vhd"]
    assert exported["exported_from"] == image["id"]
    assert exported["format"] == "vhd"
    exports = [c for c in emulator.write_calls() if c["method"] == "POST" and c["path"].endswith("/file")]
    assert len(exports) == 1

    # The image exists now: no second export, no write at all (check mode neither).
    assert_converged(emulator, run_playbook, plays)

    # A bad export reference fails before any call.
    emulator.clear_calls()
    bad = role_play("ims_import", ims_import_name="exported-base", ims_import_image_url="demo-images:ubuntu-22.04.qcow2",
                    ims_import_export={"bucket_url": "demo-exports:x.qcow2", "file_format": "raw"})
    run = run_playbook(bad)
    assert run.rc != 0, run
    assert "value of file_format must be one of: qcow2, vhd, zvhd, vmdk, got: raw found in ims_import_export" \
        in run.stdout, run
    assert emulator.calls() == []
