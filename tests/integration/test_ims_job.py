"""huaweicloud.cloud.ims_job: status, waits, failures and time-outs (the tests without ``emulator`` run on both
targets)."""

from __future__ import annotations

import pytest

from hwc_harness import images_named, play

# Why the other tests need the emulator.
CLOCK = pytest.mark.emulator_only(reason="sets the emulator's job duration (control API)")
FAULTS = pytest.mark.emulator_only(reason="injects job failures (control API)")
CALL_LOG = pytest.mark.emulator_only(reason="asserts through the emulator's call log that nothing was sent")


def start_copy(name):
    return {"name": "start", "register": "started", "huaweicloud.cloud.ims_image_copy": {
        "image": "demo-base-image", "name": name, "wait": False}}


def job(name="job", **args):
    return {"name": name, "huaweicloud.cloud.ims_job": args}


@CLOCK
def test_status_without_wait_then_wait(emulator, run_playbook):
    # A job long enough that looking at it certainly finds it unfinished, however loaded the machine is.
    emulator.configure(job_seconds=60)
    run = run_playbook(play(start_copy("demo-job-long"), job("peek", job_id="{{ started.job_id }}")))
    assert run.rc == 0, run
    peek = run.task("peek")
    assert peek["status"] in ("INIT", "RUNNING")
    assert peek["changed"] is False

    emulator.configure(job_seconds=1)
    run = run_playbook(play(
        start_copy("demo-job-copy"),
        job("wait", job_id="{{ started.job_id }}", wait=True, wait_timeout=60),
    ))
    assert run.rc == 0, run
    wait = run.task("wait")
    assert wait["status"] == "SUCCESS"
    assert wait["error_code"] is None and wait["fail_reason"] is None
    assert wait["job"]["job_id"] == wait["job_id"] == run.task("start")["job_id"]
    [copied] = images_named(emulator, "demo-job-copy")
    assert wait["image_ids"] == [copied["id"]]
    assert wait["jobs"][0]["image_ids"] == [copied["id"]]


@FAULTS
def test_failed_job_fails_the_task_with_its_error(emulator, run_playbook):
    emulator.configure(fail_jobs=[{"job_type": "imsCopyImageInRegionJob", "error_code": "IMG.0061",
                                   "fail_reason": "Unknown system error."}])
    run = run_playbook(play(
        start_copy("demo-job-doomed"),
        job(job_id="{{ started.job_id }}", wait=True),
    ))
    assert run.rc != 0
    result = run.task("job")
    job_id = run.task("start")["job_id"]
    assert result["msg"] == "job %s (imsCopyImageInRegionJob) failed: IMG.0061: Unknown system error." % job_id
    assert result["status"] == "FAIL"
    assert result["error_code"] == "IMG.0061"
    assert result["fail_reason"] == "Unknown system error."


@FAULTS
def test_failed_job_reported_without_failing(emulator, run_playbook):
    emulator.configure(fail_jobs=[{"job_type": "imsCopyImageInRegionJob", "error_code": "IMG.0061",
                                   "fail_reason": "Unknown system error."}])
    run = run_playbook(play(
        start_copy("demo-job-doomed"),
        job(job_ids=["{{ started.job_id }}"], wait=True, fail_on_error=False),
    ))
    assert run.rc == 0, run
    result = run.task("job")
    assert result["status"] == "FAIL"
    assert result["error_code"] == "IMG.0061"
    assert result["jobs"][0]["status"] == "FAIL"
    assert result["jobs"][0]["fail_reason"] == "Unknown system error."


@CLOCK
def test_timeout_names_the_job(emulator, run_playbook):
    emulator.configure(job_seconds=30)
    run = run_playbook(play(
        start_copy("demo-job-slow"),
        job(job_id="{{ started.job_id }}", wait=True, wait_timeout=1),
    ))
    assert run.rc != 0
    result = run.task("job")
    job_id = run.task("start")["job_id"]
    assert "timed out after 1s waiting for job %s" % job_id in result["msg"]
    assert "job_id=%s wait=true" % job_id in result["msg"]
    assert result["job_id"] == job_id


@pytest.mark.cloud_smoke
def test_unknown_job(run_playbook):
    run = run_playbook(play(job(job_id="ff80808100000000000000000000dead")))
    assert run.rc != 0
    result = run.task("job")
    assert result["http_status"] == 404
    assert result["error_code"] == "IMG.0023"


@CALL_LOG
def test_job_id_and_job_ids_are_exclusive(emulator, run_playbook):
    emulator.clear_calls()
    run = run_playbook(play(job(job_id="a", job_ids=["b"])))
    assert run.rc != 0
    assert "mutually exclusive" in run.task("job")["msg"]
    assert emulator.calls() == []
