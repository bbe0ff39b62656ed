# -*- coding: utf-8 -*-
# Copyright: huaweicloud.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Polling IMS asynchronous jobs until they end."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.huaweicloud.cloud.plugins.module_utils._errors import JobFailedError, WaitTimeoutError

TERMINAL_STATUSES = ("SUCCESS", "FAIL")


class JobWaiter(object):
    """Polls with a growing interval, capped, so short jobs return quickly and
    long ones (real copies take ~10 minutes) do not hammer the API."""

    def __init__(self, get_job, first_delay=0.5, factor=1.5, max_delay=10.0, clock=time.monotonic, sleep=time.sleep):
        self._get_job = get_job
        self.first_delay = first_delay
        self.factor = factor
        self.max_delay = max_delay
        self._clock = clock
        self._sleep = sleep

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
        delay = self.first_delay
        while True:
            for job_id in list(pending):
                job = self._get_job(job_id)
                if job.get("status") in TERMINAL_STATUSES:
                    finished[job_id] = job
                    pending.remove(job_id)
            if not pending:
                break
            remaining = deadline - self._clock()
            if remaining <= 0:
                raise WaitTimeoutError(", ".join(pending), timeout, self._get_job(pending[0]))
            self._sleep(min(delay, remaining))
            delay = min(delay * self.factor, self.max_delay)
        for job in finished.values():
            if job.get("status") == "FAIL":
                raise JobFailedError(job)
        return finished
