# -*- coding: utf-8 -*-
# Copyright: huaweicloud.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""JobWaiter with a fake clock: no real sleeping."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.huaweicloud.cloud.plugins.module_utils._client import Credentials, HuaweiCloudClient
from ansible_collections.huaweicloud.cloud.plugins.module_utils._errors import JobFailedError, WaitTimeoutError
from ansible_collections.huaweicloud.cloud.plugins.module_utils._ims import ImsApi
from ansible_collections.huaweicloud.cloud.plugins.module_utils._retries import RetryPolicy
from ansible_collections.huaweicloud.cloud.plugins.module_utils._waiter import WAIT_TIMEOUTS, JobWaiter, wait_timeout
from ansible_collections.huaweicloud.cloud.plugins.module_utils import _sources as sources


class FakeClock(object):
    def __init__(self):
        self.now = 1000.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        assert seconds >= 0
        self.sleeps.append(seconds)
        self.now += seconds


class Jobs(object):
    """get_job stand-in: each job walks through its statuses, the last one repeats."""

    def __init__(self, **statuses):
        self.statuses = dict((job_id, list(walk)) for job_id, walk in statuses.items())
        self.polls = dict((job_id, 0) for job_id in statuses)
        self.extra = {}

    def __call__(self, job_id):
        walk = self.statuses[job_id]
        status = walk[min(self.polls[job_id], len(walk) - 1)]
        self.polls[job_id] += 1
        job = {"job_id": job_id, "status": status, "entities": {}}
        if status == "FAIL":
            job.update(error_code="IMG.0145", fail_reason="the source image is being deleted")
        job.update(self.extra.get(job_id, {}))
        return job


def make_waiter(jobs, **kwargs):
    clock = FakeClock()
    return JobWaiter(jobs, clock=clock, sleep=clock.sleep, **kwargs), clock


def test_success_returns_the_job_without_sleeping():
    jobs = Jobs(j1=["SUCCESS"])
    waiter, clock = make_waiter(jobs)
    assert waiter.wait("j1", 60)["status"] == "SUCCESS"
    assert clock.sleeps == [] and jobs.polls["j1"] == 1


def test_pending_statuses_are_polled_until_success():
    jobs = Jobs(j1=["INIT", "RUNNING", "RUNNING", "SUCCESS"])
    waiter, clock = make_waiter(jobs)
    assert waiter.wait("j1", 600)["status"] == "SUCCESS"
    assert jobs.polls["j1"] == 4
    # 0.5 s growing by 1.5, but never two reads of a job less than a second apart
    assert clock.sleeps == [1.0, 1.0, 1.125]


def test_fail_raises_with_code_and_reason():
    waiter, clock = make_waiter(Jobs(j1=["RUNNING", "FAIL"]))
    with pytest.raises(JobFailedError) as info:
        waiter.wait("j1", 600)
    error = info.value
    assert error.code == "IMG.0145"
    assert "the source image is being deleted" in str(error) and "j1" in str(error)
    result = error.to_result()
    assert result["job_id"] == "j1" and result["error_code"] == "IMG.0145"
    assert result["job"]["status"] == "FAIL"


def test_fail_without_reason():
    jobs = Jobs(j1=["FAIL"])
    jobs.extra["j1"] = {"error_code": None, "fail_reason": None}
    waiter, clock = make_waiter(jobs)
    with pytest.raises(JobFailedError) as info:
        waiter.wait("j1", 10)
    assert "no reason given" in str(info.value)


def test_timeout_names_the_job_and_ims_job():
    jobs = Jobs(j1=["RUNNING"])
    waiter, clock = make_waiter(jobs)
    with pytest.raises(WaitTimeoutError) as info:
        waiter.wait("j1", 30)
    error = info.value
    message = str(error)
    assert "j1" in message and "ims_job" in message and "30" in message and "RUNNING" in message
    assert error.job_id == "j1"
    assert error.to_result()["job_id"] == "j1"
    assert error.to_result()["job"]["status"] == "RUNNING"
    # It waited the whole timeout and not beyond it.
    assert clock.now == pytest.approx(1030.0)
    assert sum(clock.sleeps) == pytest.approx(30.0)


def test_zero_timeout_polls_once():
    waiter, clock = make_waiter(Jobs(done=["SUCCESS"], busy=["RUNNING"]))
    assert waiter.wait("done", 0)["status"] == "SUCCESS"
    with pytest.raises(WaitTimeoutError):
        waiter.wait("busy", 0)
    assert clock.sleeps == []


def test_backoff_grows_and_is_capped():
    waiter, clock = make_waiter(Jobs(j1=["RUNNING"]), first_delay=0.5, factor=2.0, max_delay=4.0)
    with pytest.raises(WaitTimeoutError):
        waiter.wait("j1", 25.5)
    assert clock.sleeps[:6] == [1.0, 1.0, 2.0, 4.0, 4.0, 4.0]
    assert max(clock.sleeps) == 4.0
    # The last sleep is cut to the deadline.
    assert clock.sleeps[-1] <= 4.0 and sum(clock.sleeps) == pytest.approx(25.5)


def test_default_backoff_reaches_ten_seconds():
    waiter, clock = make_waiter(Jobs(j1=["RUNNING"] * 30 + ["SUCCESS"]))
    waiter.wait("j1", 3600)
    assert clock.sleeps[0] == 1.0
    assert all(later >= earlier for earlier, later in zip(clock.sleeps, clock.sleeps[1:]))
    assert max(clock.sleeps) == 10.0 and clock.sleeps[-1] == 10.0


def test_wait_all_returns_every_job():
    jobs = Jobs(a=["SUCCESS"], b=["RUNNING", "RUNNING", "SUCCESS"], c=["INIT", "SUCCESS"])
    waiter, clock = make_waiter(jobs)
    finished = waiter.wait_all(["a", "b", "c"], 600)
    assert sorted(finished) == ["a", "b", "c"]
    assert all(job["status"] == "SUCCESS" for job in finished.values())
    # A finished job is not polled again.
    assert jobs.polls == {"a": 1, "b": 3, "c": 2}


def test_wait_all_raises_for_a_failure_only_after_all_ended():
    jobs = Jobs(a=["RUNNING", "FAIL"], b=["RUNNING", "RUNNING", "RUNNING", "SUCCESS"])
    waiter, clock = make_waiter(jobs)
    with pytest.raises(JobFailedError) as info:
        waiter.wait_all(["a", "b"], 600)
    assert info.value.job["job_id"] == "a"
    assert jobs.polls["b"] == 4  # b was followed to its end first
    assert jobs.polls["a"] == 2


def test_wait_all_shares_one_deadline():
    jobs = Jobs(a=["RUNNING"] * 3 + ["SUCCESS"], b=["RUNNING"])
    waiter, clock = make_waiter(jobs)
    with pytest.raises(WaitTimeoutError) as info:
        waiter.wait_all(["a", "b"], 20)
    assert "b" in str(info.value) and "ims_job" in str(info.value)
    assert info.value.job_id == "b"
    assert clock.now == pytest.approx(1020.0)


def test_wait_all_timeout_lists_every_pending_job():
    waiter, clock = make_waiter(Jobs(a=["RUNNING"], b=["RUNNING"]))
    with pytest.raises(WaitTimeoutError) as info:
        waiter.wait_all(["a", "b"], 5)
    assert info.value.job_id == "a, b"


# Through ImsApi ---------------------------------------------------------------------------

def api_on_fake_clock(fake_session):
    """An ImsApi on ``fake_session`` whose waiter runs on a FakeClock (returned too)."""
    client = HuaweiCloudClient(Credentials(access_key="AK", secret_key="SK"), "cn-north-9", project_id="p1",
                               ims_endpoint="https://ims.example.com", session=fake_session,
                               retry_policy=RetryPolicy(sleep=lambda seconds: None))
    clock = FakeClock()
    api = ImsApi(client)
    api.waiter = JobWaiter(api.get_job, clock=clock, sleep=clock.sleep)
    return api, clock


def test_ims_api_polls_the_job_endpoint(fake_session, response):
    """ShowJobProgress (GET /v1/cloudimages/job/{id}), not the deprecated ShowJob path."""
    path = "/v1/cloudimages/job/j-7"
    fake_session.add("GET", path, response(200, {"status": "RUNNING"}),
                     response(200, {"status": "SUCCESS", "entities": {"image_id": "img-1"}}))
    api, clock = api_on_fake_clock(fake_session)

    job = api.wait_job("j-7", 60)

    assert job == {"status": "SUCCESS", "entities": {"image_id": "img-1"}, "job_id": "j-7"}
    assert fake_session.count("GET", path) == 2
    assert fake_session.count("GET", "/v1/p1/jobs/j-7") == 0
    assert clock.sleeps == [1.0]


def test_ended_member_job_is_read_once_from_show_job_for_its_results(fake_session, response):
    """JobProgressEntities has no per-project results: only an ended member job is read from ShowJob, once."""
    progress = "/v1/cloudimages/job/j-8"
    full = "/v1/p1/jobs/j-8"
    member = {"job_type": "imsAddImageMembersJob", "entities": {"process_percent": 1.0}}
    fake_session.add("GET", progress, response(200, dict(member, status="RUNNING")),
                     response(200, dict(member, status="SUCCESS")))
    results = [{"image_id": "img-1", "project_id": "p2", "status": "success"}]
    fake_session.add("GET", full, response(200, {"status": "SUCCESS", "job_type": "imsAddImageMembersJob",
                                                 "entities": {"results": results}}))
    api, _clock = api_on_fake_clock(fake_session)

    job = api.wait_job("j-8", 60)

    assert job["entities"]["results"] == results
    assert (fake_session.count("GET", progress), fake_session.count("GET", full)) == (2, 1)


# The schedule follows the job's progress -------------------------------------------------

class ProgressJob(object):
    """A job like the emulator's: INIT for its first tenth, then RUNNING with process_percent growing linearly,
    SUCCESS from ``duration + tail`` on (``tail``: a last step that the progress does not show)."""

    def __init__(self, clock, duration, tail=0.0, started=0.0):
        self.clock = clock
        self.begin = clock.now - started
        self.duration = duration
        self.tail = tail
        self.reads = []

    @property
    def end(self):
        return self.begin + self.duration + self.tail

    def __call__(self, job_id):
        now = self.clock.now
        self.reads.append(now)
        elapsed = now - self.begin
        if now >= self.end:
            return {"job_id": job_id, "status": "SUCCESS", "entities": {"process_percent": 1.0}}
        if elapsed < self.duration / 10:
            return {"job_id": job_id, "status": "INIT", "entities": {"process_percent": 0.0}}
        percent = round(min(0.99, elapsed / self.duration), 2)
        return {"job_id": job_id, "status": "RUNNING", "entities": {"process_percent": percent}}


@pytest.mark.parametrize("duration", [3.0, 10.0, 47.0, 600.0, 888.0])
def test_polls_land_just_after_the_expected_end_at_most_once_a_second(duration):
    clock = FakeClock()
    job = ProgressJob(clock, duration)
    waiter = JobWaiter(job, clock=clock, sleep=clock.sleep)
    assert waiter.wait("j1", 3600)["status"] == "SUCCESS"
    latency = clock.now - job.end
    # At worst one poll interval after the end (plus the landing's settle time); for short jobs (issue 14: 3 s
    # and 10 s) within half a second.
    assert 0 <= latency <= (0.5 if duration <= 10 else waiter.min_interval + waiter.settle)
    # Never more than one poll per second of the job on average, nor two polls closer than 1 s.
    assert waiter.polls["j1"] == len(job.reads) <= max(3, duration)
    assert min(later - earlier for earlier, later in zip(job.reads, job.reads[1:])) >= 1.0
    # Fast right after the start, then slower: the first gaps are short, the middle ones long.
    assert job.reads[1] - job.reads[0] == 1.0
    if duration >= 47:
        assert max(later - earlier for earlier, later in zip(job.reads, job.reads[1:])) == 10.0


def test_a_job_that_started_before_the_wait_is_estimated_from_two_readings():
    clock = FakeClock()
    job = ProgressJob(clock, 20.0, started=12.0)  # ims_job following a copy started earlier
    waiter = JobWaiter(job, clock=clock, sleep=clock.sleep)
    waiter.wait("j1", 600)
    assert 0 <= clock.now - job.end <= 0.5
    assert waiter.polls["j1"] <= 8


def test_a_last_step_slower_than_the_progress_is_polled_every_second_then_less():
    clock = FakeClock()
    job = ProgressJob(clock, 10.0, tail=30.0)  # stays at 99% for 30 s more
    waiter = JobWaiter(job, clock=clock, sleep=clock.sleep)
    waiter.wait("j1", 600)
    assert 0 <= clock.now - job.end <= 10.0
    gaps = [later - earlier for earlier, later in zip(job.reads, job.reads[1:])]
    assert min(gaps) >= 1.0
    # Every second for up to max_delay past the expected end, then slower again.
    assert 8 <= gaps.count(1.0) <= 15 and max(gaps) > 5


def test_wait_all_polls_each_job_on_its_own_schedule_in_one_loop():
    clock = FakeClock()
    short, long_ = ProgressJob(clock, 4.0), ProgressJob(clock, 30.0)
    jobs = {"short": short, "long": long_}
    waiter = JobWaiter(lambda job_id: jobs[job_id](job_id), clock=clock, sleep=clock.sleep)
    finished = waiter.wait_all(["short", "long"], 600)
    assert sorted(finished) == ["long", "short"]
    assert 0 <= clock.now - long_.end <= 0.5
    assert short.reads[-1] - short.end <= 0.5 and len(short.reads) <= 4
    assert waiter.polls == {"short": len(short.reads), "long": len(long_.reads)}
    assert len(long_.reads) <= 30


def test_a_job_this_process_started_is_first_read_after_first_delay_and_timed_from_its_request():
    clock = FakeClock()
    asked = clock.now
    job = ProgressJob(clock, 3.0)
    clock.now += 0.2  # the create request's round trip: the wait starts later than the job
    waiter = JobWaiter(job, clock=clock, sleep=clock.sleep)
    waiter.wait("j1", 600, started={"j1": asked})
    assert job.reads[0] == asked + 0.5
    assert 0 <= clock.now - job.end <= 0.2 and len(job.reads) == 2


def test_ims_api_times_the_jobs_it_starts(fake_session, response):
    fake_session.add("POST", "/v1/cloudimages/i-1/copy", response(200, {"job_id": "j-9"}))
    api, _clock = api_on_fake_clock(fake_session)
    assert api.copy("i-1", {"name": "c"}) == "j-9"
    assert api.started == {"j-9": 1000.0}


# Progress in the result and the log during long waits (issue 12) -----------------------------

def test_progress_keeps_a_timestamped_reading_about_every_minute_and_logs_it():
    """A 10-minute wait: a reading at the first poll, then one per log_every (60 s) and the last; each goes to
    the log with its UTC timestamp; the record names the polls, elapsed time and the time-out in force."""
    walk = ["INIT"] + ["RUNNING"] * 200 + ["SUCCESS"]
    jobs = Jobs(j1=walk)
    lines = []
    clock = FakeClock()
    waiter = JobWaiter(jobs, clock=clock, sleep=clock.sleep, log=lines.append, max_delay=10.0,
                       wall=lambda: 1764000000.0 + clock.now)
    waiter.wait("j1", 3600)
    progress = waiter.progress("j1")
    history = progress["history"]
    assert (progress["status"], progress["polls"], progress["wait_timeout"]) == ("SUCCESS", len(walk), 3600)
    assert progress["elapsed"] == pytest.approx(clock.now - 1000.0, abs=0.1)
    assert history[0]["status"] == "INIT" and history[-1]["status"] == "SUCCESS"
    gaps = [b["elapsed"] - a["elapsed"] for a, b in zip(history, history[1:-1])]
    assert gaps and all(59.8 <= gap <= 70 for gap in gaps), gaps  # one a minute, give or take one poll
    assert len(lines) == len(history)
    assert lines[0].startswith("2025-11-24T") and "IMS job j1: INIT" in lines[0] and "at most 3600 s" in lines[0]
    assert history[0]["time"].endswith("Z") and "j1: SUCCESS" in lines[-1]


def test_short_wait_logs_its_first_and_last_reading_only():
    jobs = Jobs(j1=["INIT", "RUNNING", "SUCCESS"])
    lines = []
    waiter, clock = make_waiter(jobs, log=lines.append)
    waiter.wait("j1", 60)
    assert [entry["status"] for entry in waiter.progress("j1")["history"]] == ["INIT", "SUCCESS"]
    assert len(lines) == 2


def test_progress_history_stays_bounded_on_a_week_long_wait():
    jobs = Jobs(j1=["RUNNING"])
    waiter, clock = make_waiter(jobs, log_every=1.0)
    with pytest.raises(WaitTimeoutError) as info:
        waiter.wait("j1", 7 * 24 * 3600)
    history = info.value.progress["history"]
    assert len(history) == JobWaiter.HISTORY_MAX and history[0]["elapsed"] < 1
    assert info.value.to_result()["progress"]["wait_timeout"] == 7 * 24 * 3600


def test_failed_and_timed_out_waits_carry_the_progress():
    waiter, clock = make_waiter(Jobs(j1=["RUNNING", "FAIL"]))
    with pytest.raises(JobFailedError) as info:
        waiter.wait("j1", 60)
    assert info.value.to_result()["progress"]["status"] == "FAIL"
    waiter, clock = make_waiter(Jobs(j2=["RUNNING"]))
    with pytest.raises(WaitTimeoutError) as info:
        waiter.wait("j2", 5)
    result = info.value.to_result()
    assert result["progress"]["status"] == "RUNNING" and result["progress"]["wait_timeout"] == 5
    assert waiter.progress("never-read") is None


# Default wait_timeout per operation -----------------------------------------------------------

def test_wait_timeout_defaults_per_operation_and_an_explicit_value_wins():
    # Observed durations (NOTES.md): each default leaves about twice the longest one.
    observed = {"copy": 700, "cross_region_copy": 888, "whole_cross_region_copy": 1761, "members": 430}
    for operation, seconds in observed.items():
        assert WAIT_TIMEOUTS[operation] >= 1.3 * seconds, operation
    assert WAIT_TIMEOUTS["whole_cross_region_copy"] > 1800  # 1800 was too tight for ~1761 s
    assert WAIT_TIMEOUTS["job"] == max(WAIT_TIMEOUTS.values())
    for operation in WAIT_TIMEOUTS:
        assert wait_timeout({"wait_timeout": None}, operation) == WAIT_TIMEOUTS[operation]
        assert wait_timeout({"wait_timeout": 7}, operation) == 7
        assert wait_timeout({"wait_timeout": 0}, operation) == 0
    with pytest.raises(KeyError):
        wait_timeout({"wait_timeout": None}, "no-such-operation")


def test_wait_timeout_table_is_the_documented_one():
    """The WAIT doc fragment states every default of the table (one table, documented once)."""
    from ansible_collections.huaweicloud.cloud.plugins.doc_fragments.ims import ModuleDocFragment
    text = " ".join(ModuleDocFragment.WAIT.split())
    documented = {"import": "import from OBS, register or upload 3600", "quick_import": "quick import 1800",
                  "instance": "ECS or EVS disk 1800", "whole_image": "CBR backup) 3600",
                  "copy": "in-region copy 1800", "cross_region_copy": "cross-region copy 1800",
                  "whole_cross_region_copy": "whole-system image 3600", "export": "export to OBS 3600",
                  "members": "accept) 1200", "delete": "deletion until IMS no longer lists the image 600"}
    for operation, phrase in documented.items():
        assert phrase in text, operation
        assert phrase.endswith(str(WAIT_TIMEOUTS[operation])), operation
    assert set(documented) | {"job"} == set(WAIT_TIMEOUTS)


@pytest.mark.parametrize("source", sources.SOURCES, ids=lambda source: source.kind)
def test_every_ims_image_source_has_a_default(source):
    assert source.operation in WAIT_TIMEOUTS
