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
from ansible_collections.huaweicloud.cloud.plugins.module_utils._waiter import JobWaiter


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
    assert clock.sleeps == [0.5, 0.75, 1.125]


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
    assert clock.sleeps[:6] == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]
    assert max(clock.sleeps) == 4.0
    # The last sleep is cut to the deadline.
    assert clock.sleeps[-1] <= 4.0 and sum(clock.sleeps) == pytest.approx(25.5)


def test_default_backoff_reaches_ten_seconds():
    waiter, clock = make_waiter(Jobs(j1=["RUNNING"] * 30 + ["SUCCESS"]))
    waiter.wait("j1", 3600)
    assert clock.sleeps[0] == 0.5
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

def test_ims_api_polls_the_job_endpoint(fake_session, response):
    path = "/v1/p1/jobs/j-7"
    fake_session.add("GET", path, response(200, {"status": "RUNNING"}),
                     response(200, {"status": "SUCCESS", "entities": {"image_id": "img-1"}}))
    client = HuaweiCloudClient(Credentials(access_key="AK", secret_key="SK"), "cn-north-9", project_id="p1",
                               ims_endpoint="https://ims.example.com", session=fake_session,
                               retry_policy=RetryPolicy(sleep=lambda seconds: None))
    clock = FakeClock()
    api = ImsApi(client)
    api.waiter = JobWaiter(api.get_job, clock=clock, sleep=clock.sleep)

    job = api.wait_job("j-7", 60)

    assert job == {"status": "SUCCESS", "entities": {"image_id": "img-1"}, "job_id": "j-7"}
    assert fake_session.count("GET", path) == 2
    assert clock.sleeps == [0.5]
