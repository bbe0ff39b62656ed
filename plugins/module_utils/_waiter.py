# -*- coding: utf-8 -*-
# Copyright: huaweicloud.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Polling IMS asynchronous jobs until they end."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import time

from ansible_collections.huaweicloud.cloud.plugins.module_utils._errors import (
    DeadlineError,
    JobFailedError,
    WaitTimeoutError,
)

TERMINAL_STATUSES = ("SUCCESS", "FAIL")


class JobWaiter(object):
    """Polls with a growing interval, capped, so short jobs return quickly and
    long ones (real copies take ~10 minutes) do not hammer the API.

    ``time_limit(seconds)`` (the client's) makes every status read end by the
    wait's deadline, so a slow or hanging server cannot stretch the wait."""

    def __init__(self, get_job, first_delay=0.5, factor=1.5, max_delay=10.0, clock=time.monotonic, sleep=time.sleep,
                 time_limit=None):
        self._get_job = get_job
        self.first_delay = first_delay
        self.factor = factor
        self.max_delay = max_delay
        self._clock = clock
        self._sleep = sleep
        self._time_limit = time_limit or _no_limit

    def wait(self, job_id, timeout):
        """Return the finished job; raise JobFailedError or WaitTimeoutError."""
        return self.wait_all([job_id], timeout)[job_id]

    def wait_all(self, job_ids, timeout):
        """Wait on several jobs that run concurrently; one deadline for all.

        Returns {job_id: job}; raises for the first failed job only after every
        job has ended, so the caller learns the whole outcome.
        """
        deadline = self._clock() + timeout
        pending = list(job_ids)
        finished = {}
        last = {}
        delay = self.first_delay
        try:
            with self._time_limit(timeout):
                while True:
                    for job_id in list(pending):
                        job = last[job_id] = self._get_job(job_id)
                        if job.get("status") in TERMINAL_STATUSES:
                            finished[job_id] = job
                            pending.remove(job_id)
                    if not pending:
                        break
                    remaining = deadline - self._clock()
                    if remaining <= 0:
                        raise DeadlineError("wait ended")
                    self._sleep(min(delay, remaining))
                    delay = min(delay * self.factor, self.max_delay)
        except DeadlineError:
            raise WaitTimeoutError(", ".join(pending), timeout, last.get(pending[0]))
        for job in finished.values():
            if job.get("status") == "FAIL":
                raise JobFailedError(job)
        return finished


@contextlib.contextmanager
def _no_limit(seconds):
    yield
