"""Long waits (issue 12): the default wait_timeout of each operation, the job's progress in the result, and
job status read through ShowJobProgress (GET /v1/cloudimages/job/{id}); one playbook run for all of it."""

from __future__ import annotations

import re

import pytest

from hwc_harness import ims_calls, images_named, play, project_id

pytestmark = pytest.mark.emulator_only(reason="asserts the emulator's call log")

UTC_STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def task(label, module, **args):
    return {"name": label, "huaweicloud.cloud." + module: args, "register": label.replace("-", "_")}


def test_default_wait_timeout_per_operation_progress_and_job_path(emulator, run_playbook):
    emulator.configure(job_seconds=1)
    emulator.clear_calls()
    partner = project_id(emulator, "partner")
    run = run_playbook(play(
        task("copy", "ims_image_copy", image="demo-base-image", name="waits-copy"),
        task("copy-explicit", "ims_image_copy", image="demo-base-image", name="waits-copy-2", wait_timeout=900),
        task("import", "ims_image", name="waits-import", image_url="demo-images:ubuntu-22.04.qcow2",
             os_version="Ubuntu 18.04 server 64bit", min_disk=40),
        task("share", "ims_image_member", images=["waits-copy"], projects=[partner]),
        task("job", "ims_job", job_id="{{ copy.job_id }}", wait=True),
        # The documented async/poll form (ims_image_copy EXAMPLES): the result, progress included, comes back.
        dict(task("copy-async", "ims_image_copy", image="demo-base-image", name="waits-copy-async"),
             **{"async": 120, "poll": 1}),
    ))
    assert run.rc == 0, run
    copy, explicit, imported, share, job = (run.task(name) for name in
                                            ("copy", "copy-explicit", "import", "share", "job"))
    in_background = run.task("copy-async")
    assert in_background["ansible_job_id"] and in_background["finished"] == 1
    assert in_background["progress"]["status"] == "SUCCESS" and in_background["progress"]["wait_timeout"] == 1800

    # The defaults of the table (module_utils/_waiter.py WAIT_TIMEOUTS); an explicit value wins.
    assert copy["progress"]["wait_timeout"] == 1800
    assert explicit["progress"]["wait_timeout"] == 900
    assert imported["progress"]["wait_timeout"] == 3600
    assert [p["wait_timeout"] for p in share["jobs_progress"]] == [1200]
    assert job["jobs"][0]["progress"]["wait_timeout"] == 3600

    # The progress the task saw: last status and percent, polls, elapsed time and timestamped readings.
    progress = copy["progress"]
    assert progress["job_id"] == copy["job_id"] and progress["status"] == "SUCCESS"
    assert progress["process_percent"] == 1.0 and progress["polls"] == copy["polls"] >= 1
    assert 0.5 <= progress["elapsed"] < 60
    history = progress["history"]
    assert history[-1]["status"] == "SUCCESS" and all(UTC_STAMP.match(entry["time"]) for entry in history)
    assert imported["progress"]["job_id"] == imported["job_id"]
    assert share["jobs_progress"][0]["job_id"] == share["job_ids"][0]

    # The emulator agrees: the copies exist, and job status went through ShowJobProgress; only the ended
    # member job was read once from the deprecated ShowJob path (for its per-project results).
    assert images_named(emulator, "waits-copy")[0]["status"] == "active"
    assert images_named(emulator, "waits-copy-async")[0]["status"] == "active"
    assert images_named(emulator, "waits-import")[0]["status"] == "active"
    paths = [c["path"] for c in ims_calls(emulator) if c["method"] == "GET"]
    new = [p for p in paths if "/v1/cloudimages/job/" in p]
    old = [p for p in paths if re.search(r"/v1/[0-9a-f]+/jobs/", p)]
    assert len(new) >= copy["polls"] + explicit["polls"] + imported["progress"]["polls"]
    assert len(old) == 1 and old[0].endswith("/jobs/" + share["job_ids"][0])


def test_lookup_without_a_match_is_an_empty_list(emulator, run_playbook):
    """Issue 12 check: lookup() and query() both give [] when nothing matches (ansible-core hands an empty
    result through unchanged, with or without wantlist), also with most_recent; no API error."""
    emulator.clear_calls()
    run = run_playbook(play({"name": "none", "ansible.builtin.set_fact": {
        "by_lookup": "{{ lookup('huaweicloud.cloud.ims_image', 'no-such-image-anywhere') }}",
        "by_query": "{{ query('huaweicloud.cloud.ims_image', name_pattern='no-such-*', owner='self') }}",
        "newest": "{{ lookup('huaweicloud.cloud.ims_image', name_pattern='no-such-*', most_recent=true) }}",
        "counted": "{{ query('huaweicloud.cloud.ims_image', 'no-such-image-anywhere') | length }}"}}))
    assert run.rc == 0, run
    facts = run.task("none")["ansible_facts"]
    assert facts == {"by_lookup": [], "by_query": [], "newest": [], "counted": 0}
    assert all(c["status"] == 200 for c in ims_calls(emulator)) and ims_calls(emulator)
