# -*- coding: utf-8 -*-
# Copyright: huaweicloud.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Late visibility helpers: the bounded look after an ambiguous create, waits that tolerate a not-yet-listed
image, waiting for an asynchronous delete, and the one duplicates rule."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.huaweicloud.cloud.plugins.module_utils import _images as images
from ansible_collections.huaweicloud.cloud.plugins.module_utils._errors import AmbiguousRequestError, JobFailedError
from ansible_collections.huaweicloud.cloud.plugins.module_utils._ims import create_once, look_for
from ansible_collections.huaweicloud.cloud.plugins.module_utils._lookup import (
    DuplicateImagesError,
    single_image,
    wait_until_listed,
)


class Clock(object):
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


class Images(object):
    """get_image answers from a script of statuses (None: not listed)."""

    def __init__(self, states):
        self.states = list(states)

    def get_image(self, image_id):
        state = self.states.pop(0) if len(self.states) > 1 else self.states[0]
        return None if state is None else {"id": image_id, "status": state}


def lost_then(result, losses=1):
    calls = []

    def create():
        calls.append(1)
        if len(calls) <= losses:
            raise AmbiguousRequestError("lost")
        return result
    return create, calls


def test_create_once_keeps_looking_within_the_window_before_posting_again():
    clock = Clock()
    create, calls = lost_then("second")
    # The first attempt's image shows up 3 s after the lost answer.
    found = create_once(create, lambda: "first" if clock.now >= 3 else None, window=10, clock=clock,
                        sleep=clock.sleep)
    assert found == "first" and len(calls) == 1


def test_create_once_posts_again_only_after_the_window():
    clock = Clock()
    create, calls = lost_then("second")
    assert create_once(create, lambda: None, window=5, clock=clock, sleep=clock.sleep) == "second"
    assert len(calls) == 2 and clock.now == 5


def test_create_once_gives_up_after_its_retries():
    clock = Clock()
    create, calls = lost_then("never", losses=10)
    with pytest.raises(AmbiguousRequestError):
        create_once(create, lambda: None, window=1, retries=2, clock=clock, sleep=clock.sleep)
    assert len(calls) == 3


def test_look_for_without_window_looks_once():
    clock = Clock()
    seen = []
    assert look_for(lambda: seen.append(1), 0, clock=clock, sleep=clock.sleep) is None
    assert seen == [1]


def test_wait_for_image_treats_not_listed_as_pending_within_the_grace():
    clock = Clock()
    image = images.wait_for_image(Images([None, None, "saving", "active"]), "i", 60, sleep=clock.sleep, clock=clock,
                                  unlisted_grace=10)
    assert image["status"] == "active"
    clock = Clock()
    with pytest.raises(images.ImageWaitError, match="disappeared"):
        images.wait_for_image(Images([None]), "i", 60, sleep=clock.sleep, clock=clock, unlisted_grace=2)
    assert 2 <= clock.now < 4


def test_wait_until_gone():
    clock = Clock()
    images.wait_until_gone(Images(["active", "active", None]), "i", 10, sleep=clock.sleep, clock=clock)
    images.wait_until_gone(Images(["deleted"]), "i", 10, sleep=clock.sleep, clock=clock)
    clock = Clock()
    with pytest.raises(images.ImageWaitError, match="timed out after 3s waiting for image i to be deleted"):
        images.wait_until_gone(Images(["active"]), "i", 3, sleep=clock.sleep, clock=clock)


def test_single_image_names_every_duplicate():
    assert single_image([], "named 'x'") is None
    assert single_image([{"id": "a"}], "named 'x'") == {"id": "a"}
    with pytest.raises(DuplicateImagesError) as info:
        single_image([{"id": "b"}, {"id": "a"}], "named 'x'")
    assert str(info.value).startswith("2 images are named 'x' (a, b): names are not unique in IMS")


class Jobs(object):
    """get_job answers from a script of statuses; the last one repeats."""

    def __init__(self, statuses):
        self.statuses = list(statuses)
        self.reads = 0

    def get_job(self, job_id):
        self.reads += 1
        status = self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]
        return {"job_id": job_id, "status": status, "fail_reason": "bad file", "error_code": "IMG.0057"}


def listed_after(looks, image):
    """A look-up by name that finds ``image`` from its ``looks``-th call on."""
    calls = []

    def find():
        calls.append(1)
        return image if len(calls) >= looks else None
    return find, calls


def test_wait_until_listed_returns_the_image_once_listed_polling_once_a_second():
    clock = Clock()
    find, calls = listed_after(3, {"id": "i"})
    jobs = Jobs(["RUNNING"])
    assert wait_until_listed(jobs, "j", find, 60, clock=clock, sleep=clock.sleep) == {"id": "i"}
    assert len(calls) == 3 and clock.now == 2.0 and jobs.reads == 0  # the job is read only from job_after on


def test_wait_until_listed_gives_up_after_the_window():
    clock = Clock()
    find, calls = listed_after(100, {"id": "i"})
    assert wait_until_listed(Jobs(["RUNNING", "SUCCESS"]), "j", find, 5, clock=clock, sleep=clock.sleep) is None
    assert clock.now == 5.0 and len(calls) == 6


def test_wait_until_listed_reports_a_failed_job():
    clock = Clock()
    find, calls = listed_after(100, {"id": "i"})
    with pytest.raises(JobFailedError) as info:
        wait_until_listed(Jobs(["RUNNING", "FAIL"]), "j", find, 60, clock=clock, sleep=clock.sleep, job_after=2)
    assert info.value.to_result()["job_id"] == "j" and info.value.code == "IMG.0057"
    assert len(calls) == 4 and clock.now == 3.0  # job read at 2 s (RUNNING) and 3 s (FAIL)


def test_wait_until_listed_without_a_job_only_looks():
    clock = Clock()
    find, calls = listed_after(2, {"id": "i"})
    jobs = Jobs(["FAIL"])
    assert wait_until_listed(jobs, None, find, 60, clock=clock, sleep=clock.sleep, job_after=0) == {"id": "i"}
    assert jobs.reads == 0
