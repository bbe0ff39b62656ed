"""Bad input, table driven: every invalid option value makes the task fail with a clear message that names the
option, without a traceback and without a single API call. All cases run in one playbook (one task per case,
ignore_errors) to keep the runtime low."""

from __future__ import annotations

import json

import pytest

from hwc_harness import project_id

# The version-matrix legs skip these (they run only -m matrix); the main leg runs them.
pytestmark = [pytest.mark.slow, pytest.mark.emulator_only(reason="asserts through the emulator's call log that nothing was sent")]

GOOD_URL = "demo-images:ubuntu-22.04.qcow2"
OS = "Ubuntu 18.04 server 64bit"
UUID = "4ca46bf1-5c61-48ff-b4f3-0ad4e5e3ba86"
PROJECT = "0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e"


def obs(**overrides):
    """ims_image options of a valid OBS import, with some replaced."""
    args = {"name": "bad-input", "image_url": GOOD_URL, "min_disk": 40, "os_version": OS}
    args.update(overrides)
    return args


# (case id, module, options, substrings the failure message must contain)
CASES = [
    # ims_image: name rules (1-128 letters, digits, -, _, ., space; no leading/trailing space)
    ("name-empty", "ims_image", obs(name=""), ["name must not be empty"]),
    ("name-too-long", "ims_image", obs(name="n" * 129), ["name is 129 characters long", "at most 128"]),
    ("name-leading-space", "ims_image", obs(name=" web"), ["name must not start or end with a space"]),
    ("name-trailing-space", "ims_image", obs(name="web "), ["name must not start or end with a space"]),
    ("name-slash", "ims_image", obs(name="web/base"), ["name contains '/'", "not allowed"]),
    ("name-angle", "ims_image", obs(name="web<1>"), ["name contains '<'"]),
    ("name-on-update-by-id", "ims_image", {"id": UUID, "name": "a*b"}, ["name contains '*'"]),
    # description: <= 1024, no <, >, line breaks
    ("description-too-long", "ims_image", obs(description="d" * 1025),
     ["description is 1025 characters long", "at most 1024"]),
    ("description-lt", "ims_image", obs(description="a <b> c"), ["description must not contain '<'"]),
    ("description-gt", "ims_image", obs(description="a > c"), ["description must not contain '>'"]),
    ("description-newline", "ims_image", obs(description="two\nlines"),
     ["description must not contain a line break"]),
    # tags: keys 1-36 [letters digits _ -], values 0-43 [letters digits _ . -], at most 10
    ("tag-key-chars", "ims_image", obs(tags={"bad key": "v"}), ["tags: tag key 'bad key' contains ' '"]),
    ("tag-key-dot", "ims_image", obs(tags={"a.b": "v"}), ["tags: tag key 'a.b' contains '.'"]),
    ("tag-key-too-long", "ims_image", obs(tags={"k" * 37: "v"}), ["tags: tag key", "37 characters long"]),
    ("tag-value-too-long", "ims_image", obs(tags={"k": "v" * 44}),
     ["tags: the value of tag 'k' is 44 characters long"]),
    ("tag-value-chars", "ims_image", obs(tags={"k": "a b"}), ["tags: the value of tag 'k' contains ' '"]),
    ("tag-value-dict", "ims_image", obs(tags={"k": {"x": 1}}), ["tags: the value of tag 'k' must be a string"]),
    ("tags-too-many", "ims_image", obs(tags=dict(("k%d" % i, "v") for i in range(11))),
     ["tags has 11 entries", "at most 10"]),
    ("tags-on-update-by-id", "ims_image", {"id": UUID, "tags": {"k": "<v>"}}, ["tags: the value of tag 'k'"]),
    # min_disk ranges per creation call
    ("min-disk-obs-low", "ims_image", obs(min_disk=39), ["min_disk must be between 40 and 255 GB, got 39"]),
    ("min-disk-obs-high", "ims_image", obs(min_disk=256), ["min_disk must be between 40 and 255 GB, got 256"]),
    ("min-disk-quick-high", "ims_image", obs(quick_import=True, min_disk=1025),
     ["min_disk must be between 1 and 1024 GB, got 1025"]),
    ("min-disk-data-high", "ims_image", obs(image_type="DataImage", os_version=None, min_disk=2049),
     ["min_disk must be between 40 and 2048 GB, got 2049"]),
    ("min-disk-missing", "ims_image", obs(min_disk=None), ["min_disk is required"]),
    ("min-disk-not-int", "ims_image", obs(min_disk="forty"), ["min_disk", "int"]),
    ("min-ram-negative", "ims_image", obs(min_ram=-1), ["min_ram must be 0 MB or more, got -1"]),
    ("max-ram-below-min-ram", "ims_image", obs(min_ram=2048, max_ram=1024),
     ["max_ram (1024 MB) must not be less than min_ram (2048 MB)"]),
    # image_url <bucket>:<object>
    ("image-url-no-colon", "ims_image", obs(image_url="demo-images/ubuntu.qcow2"),
     ["image_url must have the form <bucket>:<object>"]),
    ("image-url-no-bucket", "ims_image", obs(image_url=":ubuntu.qcow2"),
     ["image_url must have the form <bucket>:<object> with both parts non-empty"]),
    ("image-url-no-object", "ims_image", obs(image_url="demo-images:"),
     ["image_url must have the form <bucket>:<object> with both parts non-empty"]),
    ("image-url-space-bucket", "ims_image", obs(image_url="demo images:x.qcow2"),
     ["image_url: the bucket name 'demo images' must not contain spaces"]),
    ("data-image-url", "ims_image",
     obs(data_images=[{"name": "bad-input-data", "image_url": "nocolon", "min_disk": 40}]),
     ["data_images[0].image_url must have the form <bucket>:<object>"]),
    ("data-image-name", "ims_image",
     obs(data_images=[{"name": "bad input/data", "image_url": "demo-images:data-disk.qcow2", "min_disk": 40}]),
     ["data_images[0].name contains '/'"]),
    # ids and sources
    ("id-not-uuid", "ims_image", {"id": "web-base", "state": "absent"}, ["id must be a UUID", "'web-base'"]),
    ("instance-id-not-uuid", "ims_image", {"name": "bad-input", "instance_id": "i-123"},
     ["instance_id must be a UUID"]),
    ("cmk-id-not-uuid", "ims_image", obs(cmk_id="my-key"), ["cmk_id must be a UUID"]),
    ("two-sources", "ims_image", obs(instance_id=UUID), ["mutually exclusive", "instance_id", "image_url"]),
    ("filename-missing", "ims_image",
     {"name": "bad-input", "filename": "/nonexistent/disk.qcow2", "min_disk": 40},
     ["filename: /nonexistent/disk.qcow2 does not exist"]),
    ("disk-format-choice", "ims_image", obs(register=True, disk_format="img"), ["disk_format", "img"]),
    ("quick-import-no-os", "ims_image", obs(quick_import=True, os_version=None, min_disk=40),
     ["os_version is required with quick_import=true"]),
    # common connection options
    ("timeout-zero", "ims_image_info", {"timeout": 0}, ["timeout must be between 1 and 3600 seconds, got 0"]),
    ("retries-negative", "ims_image_info", {"max_retries": -1}, ["max_retries must be between 0 and 20, got -1"]),
    ("endpoint-scheme", "ims_image_info", {"ims_endpoint": "ftp://ims.example"},
     ["ims_endpoint must be an http(s) URL"]),
    ("no-region", "ims_image_info", {"region": ""}, ["region must be a region id like cn-north-4"]),
    ("region-url", "ims_image_info", {"region": "https://ims.cn-north-4"}, ["region must be a region id"]),
    # ims_image_info filters
    ("info-limit-zero", "ims_image_info", {"limit": 0}, ["limit must be between 1 and 500, got 0"]),
    ("info-min-disk", "ims_image_info", {"min_disk": -5}, ["min_disk must be 0 or more, got -5"]),
    ("info-created-at", "ims_image_info", {"created_at": "yesterday"}, ["created_at must be operator:time"]),
    ("info-tag", "ims_image_info", {"tag": "=v"}, ["tag must be written key=value"]),
    ("info-empty-name", "ims_image_info", {"names": ["ok", ""]}, ["names must not contain empty entries"]),
    ("info-visibility", "ims_image_info", {"visibility": "everyone"}, ["visibility", "everyone"]),
    # ims_image_copy
    ("copy-name", "ims_image_copy", {"image": UUID, "name": " copy"},
     ["name must not start or end with a space"]),
    ("copy-description", "ims_image_copy", {"image": UUID, "name": "copy", "description": "<x>"},
     ["description must not contain '<'"]),
    ("copy-no-agency", "ims_image_copy", {"image": UUID, "name": "copy", "target_region": "cn-east-3"},
     ["agency_name is required"]),
    ("copy-same-region", "ims_image_copy",
     {"image": UUID, "name": "copy", "target_region": "cn-north-4", "agency_name": "a"},
     ["target_region is the source region cn-north-4"]),
    ("copy-cmk-cross-region", "ims_image_copy",
     {"image": UUID, "name": "copy", "target_region": "cn-east-3", "agency_name": "a", "cmk_id": UUID},
     ["cmk_id applies to in-region copies only"]),
    ("copy-empty-image", "ims_image_copy", {"image": "", "name": "copy"}, ["image must be an image id or name"]),
    # ims_image_member: project ids are 32 hex digits
    ("member-project-id", "ims_image_member", {"images": [UUID], "projects": ["partner-project"]},
     ["projects must be 32 hexadecimal characters", "'partner-project'"]),
    ("member-project-id-short", "ims_image_member", {"images": [UUID], "projects": [PROJECT[:31]]},
     ["projects must be 32 hexadecimal characters"]),
    ("member-no-images", "ims_image_member", {"images": [], "projects": [PROJECT]},
     ["images must list at least one image"]),
    ("member-status-and-projects", "ims_image_member",
     {"images": [UUID], "projects": [PROJECT], "status": "accepted"}, ["projects is for the image owner"]),
    ("member-vault-without-status", "ims_image_member",
     {"images": [UUID], "projects": [PROJECT], "vault_id": UUID}, ["vault_id is only used with"]),
    ("member-status-choice", "ims_image_member", {"images": [UUID], "status": "maybe"}, ["status", "maybe"]),
    # ims_job
    ("job-id-empty", "ims_job", {"job_id": " "}, ["job_id must be a job id", "got ' '"]),
    ("job-ids-empty-entry", "ims_job", {"job_ids": ["ff80808288d41e1b018f0c7e2f4b0a5c", ""]},
     ["job_ids must be a job id", "got ''"]),
    ("job-both", "ims_job", {"job_id": "a", "job_ids": ["b"]}, ["mutually exclusive", "job_id", "job_ids"]),
    # The input contract (issue 16): every option with a declared format, before any call.
    ("name-chinese", "ims_image", obs(name=u"\u955c\u50cf"), ["name contains", "not allowed"]),
    ("delete-backup-present", "ims_image", obs(delete_backup=True), ["delete_backup only applies to state=absent"]),
    ("id-trailing-newline", "ims_image", {"id": UUID + "\n", "state": "absent"}, ["id must be a UUID"]),
    ("vault-id-absent", "ims_image", {"name": "x", "state": "absent", "vault_id": "v-1"}, ["vault_id must be a UUID"]),
    ("enterprise-project", "ims_image", obs(enterprise_project_id="default"),
     ["enterprise_project_id must be 0 (the default enterprise project) or a UUID"]),
    ("name-over-long-string", "ims_image", obs(description="d" * 5000), ["description is 5000 characters long"]),
    ("min-disk-bool", "ims_image", obs(min_disk=True), ["min_disk must be an integer"]),
    ("copy-agency-slash", "ims_image_copy",
     {"image": UUID, "name": "copy", "target_region": "cn-east-3", "agency_name": "a/b"},
     ["agency_name must be 1 to 64 letters"]),
    ("copy-target-region-host", "ims_image_copy",
     {"image": UUID, "name": "copy", "target_region": "x@127.0.0.1:9/#", "agency_name": "a"},
     ["target_region must be a region id"]),
    ("copy-target-project", "ims_image_copy",
     {"image": UUID, "name": "copy", "target_region": "cn-east-3", "agency_name": "a", "target_project_name": "x y"},
     ["target_project_name must be a project name"]),
    ("copy-cmk", "ims_image_copy", {"image": UUID, "name": "copy", "cmk_id": "key"}, ["cmk_id must be a UUID"]),
    ("info-owner", "ims_image_info", {"owner": "me"}, ["owner must be self or a project id (32 hexadecimal characters)"]),
    ("info-image-ids", "ims_image_info", {"image_ids": ["web"]}, ["image_ids must be a UUID"]),
    ("info-cmk", "ims_image_info", {"cmk_id": "k"}, ["cmk_id must be a UUID"]),
    ("member-vault", "ims_image_member", {"images": [UUID], "status": "accepted", "vault_id": "v"},
     ["vault_id must be a UUID"]),
    ("member-project-newline", "ims_image_member", {"images": [UUID], "projects": [PROJECT + "\n"]},
     ["projects must be 32 hexadecimal characters"]),
    ("job-id-slash", "ims_job", {"job_id": "ff80808288d41e1b018f0c7e2f4b0a5c/../x"}, ["job_id must be a job id"]),
    ("job-ids-query", "ims_job", {"job_ids": ["ff80808288d41e1b018f0c7e2f4b0a5c?x=1"]}, ["job_ids must be a job id"]),
    ("timeout-huge", "ims_image_info", {"timeout": 10 ** 12}, ["timeout must be between 1 and 3600 seconds"]),
    ("retries-huge", "ims_image_info", {"max_retries": 1000000000}, ["max_retries must be between 0 and 20"]),
    ("wait-timeout-huge", "ims_job", {"job_id": "ff80808288d41e1b018f0c7e2f4b0a5c", "wait_timeout": 10 ** 9},
     ["wait_timeout must be between 0 and 604800 seconds"]),
    ("endpoint-no-host", "ims_image_info", {"ims_endpoint": "http://:80/x"}, ["ims_endpoint must name a host"]),
    ("endpoint-query", "ims_image_info", {"iam_endpoint": "http://127.0.0.1:1/iam?x=1"},
     ["iam_endpoint must not have a query or fragment"]),
    ("endpoint-bad-port", "ims_image_info", {"ims_endpoint": "http://127.0.0.1:99999/{region}"},
     ["ims_endpoint is not a valid URL"]),
    ("region-trailing-newline", "ims_image_info", {"region": "cn-north-4\n"}, ["region must be a region id"]),
    ("project-id-format", "ims_image_info", {"project_id": "p1"}, ["project_id must be 32 hexadecimal characters"]),
    ("user-control-char", "ims_image_info", {"user": "a\x01b", "password": "x", "domain": "d", "access_key": "",
                                             "secret_key": ""}, ["user must be 1 to 64 characters"]),
    # ims_image attributes (module_utils/_attributes.py), on creation and on an existing image
    ("attr-firmware-choice", "ims_image", obs(hw_firmware_type="efi"), ["hw_firmware_type", "bios, uefi", "efi"]),
    ("attr-architecture-choice", "ims_image", obs(architecture="amd64"), ["architecture", "x86, arm", "amd64"]),
    ("attr-multiqueue-bool", "ims_image", {"id": UUID, "hw_vif_multiqueue_enabled": "several"},
     ["hw_vif_multiqueue_enabled", "bool"]),
    ("attr-support-kvm-bool", "ims_image", {"id": UUID, "support_kvm": "maybe"}, ["support_kvm", "bool"]),
    ("attr-config-init-bool", "ims_image", obs(is_config_init="done"), ["is_config_init", "bool"]),
    ("attr-gpu-type-choice", "ims_image", {"id": UUID, "support_kvm_gpu_type": "A100"},
     ["support_kvm_gpu_type", "A100"]),
    ("attr-gpu-type-with-kvm", "ims_image", {"id": UUID, "support_kvm_gpu_type": "V100", "support_kvm": True},
     ["support_kvm_gpu_type cannot be combined with support_kvm=true"]),
    ("attr-xen-gpu-with-xen", "ims_image", obs(support_xen_gpu_type="M60_vGPU", support_xen=True),
     ["support_xen_gpu_type cannot be combined with support_xen=true"]),
    ("attr-property-reserved", "ims_image", {"id": UUID, "properties": {"min_disk": "40"}},
     ["properties: 'min_disk' is an IMS image attribute"]),
    ("attr-property-option-name", "ims_image", obs(properties={"hw_firmware_type": "uefi"}),
     ["properties: 'hw_firmware_type' is an IMS image attribute", "use its own option"]),
    ("attr-property-underscore", "ims_image", {"id": UUID, "properties": {"__support_kvm": "true"}},
     ["properties: '__support_kvm' is not a usable property name"]),
    ("attr-property-value-dict", "ims_image", {"id": UUID, "properties": {"owner_team": {"a": 1}}},
     ["properties: the value of 'owner_team' must be a string"]),
    ("attr-property-value-long", "ims_image", {"id": UUID, "properties": {"note": "v" * 256}},
     ["properties: the value of 'note' is longer than 255 characters"]),
    # ims_image sources (module_utils/_sources.py): options a source does not take
    ("source-architecture-volume", "ims_image",
     {"name": "bad-input", "volume_id": UUID, "os_version": OS, "architecture": "arm"},
     ["architecture cannot be used when creating an image from volume_id"]),
    ("source-cmk-quick-import", "ims_image", obs(quick_import=True, cmk_id=UUID),
     ["cmk_id cannot be used when creating an image from image_url with quick_import=true"]),
    ("source-disk-format-obs", "ims_image", obs(disk_format="qcow2"),
     ["disk_format cannot be used when creating an image from image_url"]),
    ("source-iso-volume", "ims_image",
     {"name": "bad-input", "volume_id": UUID, "os_version": OS, "image_type": "IsoImage"},
     ["image_type=IsoImage is only used with image_url"]),
    ("source-option-without-source", "ims_image", {"name": "bad-input", "os_version": OS},
     ["os_version is only used when creating an image; give a source"]),
    # ims_image_copy tags
    ("copy-tags-key", "ims_image_copy", {"image": UUID, "name": "copy", "tags": {"bad key": "v"}},
     ["tags: tag key 'bad key' contains ' '"]),
    ("copy-tags-too-many", "ims_image_copy",
     {"image": UUID, "name": "copy", "tags": dict(("k%d" % i, "v") for i in range(11))},
     ["tags has 11 entries", "at most 10"]),
    ("copy-tags-value", "ims_image_copy", {"image": UUID, "name": "copy", "tags": {"k": "<v>"}},
     ["tags: the value of tag 'k'"]),
    ("copy-copy-tags-bool", "ims_image_copy", {"image": UUID, "name": "copy", "copy_tags": "sometimes"},
     ["copy_tags", "bool"]),
    ("copy-purge-tags-bool", "ims_image_copy", {"image": UUID, "name": "copy", "purge_tags": "sometimes"},
     ["purge_tags", "bool"]),
    # ims_image_info discovery options
    ("info-name-regex", "ims_image_info", {"name_regex": "web-(["}, ["name_regex is not a valid regular expression"]),
    ("info-member-status-private", "ims_image_info", {"member_status": "pending", "visibility": "private"},
     ["member_status only applies to shared images"]),
    ("info-tags-empty-key", "ims_image_info", {"tags": {"": "v"}}, ["tags must not contain an empty key"]),
    ("info-updated-at", "ims_image_info", {"updated_at": "gt:2024-01-01"}, ["updated_at must be operator:time"]),
    ("info-image-ids-empty", "ims_image_info", {"image_ids": [""]}, ["image_ids must be a UUID", "got ''"]),
    ("info-min-ram", "ims_image_info", {"min_ram": -1}, ["min_ram must be 0 or more, got -1"]),
    ("info-sort-dir", "ims_image_info", {"sort_dir": "up"}, ["sort_dir", "up"]),
    ("info-os-bit", "ims_image_info", {"os_bit": "16"}, ["os_bit", "16"]),
    # ims_image_prune retention
    ("prune-keep-newest-negative", "ims_image_prune", {"keep_newest": -1}, ["keep_newest must be 0 or more, got -1"]),
    ("prune-keep-days-negative", "ims_image_prune", {"keep_days": -2}, ["keep_days must be 0 or more, got -2"]),
]


MODULES = sorted(set(case[1] for case in CASES))


def _task(case_id, module, args):
    args = dict((k, v) for k, v in args.items() if v is not None)
    return {"name": case_id, "huaweicloud.cloud." + module: args, "ignore_errors": True}


def test_cases_are_unique():
    assert len(set(c[0] for c in CASES)) == len(CASES)


def test_every_bad_value_fails_clearly_without_an_api_call(emulator, run_playbook, tmp_path):
    # One inventory host per case (all local), one task per module: the cases run in parallel forks.
    inventory = {"cases": {"hosts": dict(
        (case_id, {"ansible_connection": "local", "case_module": module,
                   "case_args": dict((k, v) for k, v in args.items() if v is not None)})
        for case_id, module, args, dummy in CASES)}}
    inventory_file = tmp_path / "cases.yml"
    inventory_file.write_text(json.dumps(inventory))
    play = [{"hosts": "cases", "gather_facts": False, "tasks": [
        # Templated args (ansible warns that they are unsafe in general; here they are our own inventory).
        {"name": module, "action": "huaweicloud.cloud." + module, "args": "{{ case_args }}",
         "when": "case_module == %r" % module, "ignore_errors": True}
        for module in MODULES]}]
    emulator.clear_calls()
    run = run_playbook(play, args=("-i", str(inventory_file), "--forks", "8"))
    calls = emulator.calls()

    assert "Traceback" not in run.stdout and "Traceback" not in run.stderr, run
    problems = []
    by_case = dict((r["host"], r) for r in run.results if r["status"] != "skipped")
    for case_id, module, args, expected in CASES:
        record = by_case.get(case_id)
        if record is None:
            problems.append("%s: no result recorded" % case_id)
            continue
        result = record["result"]
        message = str(result.get("msg", ""))
        if record["status"] != "failed":
            problems.append("%s: did not fail (%s)" % (case_id, message or result))
            continue
        missing = [s for s in expected if s not in message]
        if missing:
            problems.append("%s: message %r lacks %r" % (case_id, message, missing))
        # ansible-core 2.19 sets exception="(traceback unavailable)" on every fail_json; a crash has a traceback.
        if "module_stderr" in result or "Traceback" in str(result.get("exception", "")):
            problems.append("%s: crashed instead of failing cleanly: %s" % (case_id, message))
    assert not problems, "\n".join(problems)
    assert calls == [], "bad input made API calls: %s" % calls


def test_a_valid_twin_does_reach_the_api(emulator, run_playbook):
    """Control: the same harness sees API calls when the input is valid, so an empty call log above means the
    modules stopped before calling, not that nothing was recorded."""
    emulator.clear_calls()
    run = run_playbook([{"hosts": "localhost", "gather_facts": False, "tasks": [
        _task("good-info", "ims_image_info", {"names": ["demo-base-image"],
                                               "project_id": project_id(emulator)}),
    ]}])
    assert run.rc == 0, run
    assert emulator.calls(), "the valid twin made no API call"
