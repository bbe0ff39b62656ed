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
# IMS reports entities.process_percent as a fraction with two decimals.
PERCENT_STEP = 0.01


class JobWaiter(object):
    """Polls each job on its own schedule, which follows the job.

    Without a progress figure: ``first_delay`` growing by ``factor`` up to ``max_delay`` (fast right after the
    start, slower later; real copies take ~10 minutes). Once ``entities.process_percent`` moves, the job's end is
    estimated from its rate of progress, with the margin that rounded percentages leave: the waiter sleeps (at
    most ``max_delay`` at a time) until ``lead`` seconds before the earliest possible end, and once that is
    within ``horizon`` seconds polls ``settle`` seconds after it, then every ``min_interval`` seconds through
    the margin and up to ``max_delay`` past it (a last step slower than the progress said), growing again after
    that. No job is ever polled more often than every ``min_interval`` seconds.

    ``polls`` counts the status reads per job. ``time_limit(seconds)`` (the client's) makes every status read
    end by the wait's deadline, so a slow or hanging server cannot stretch the wait."""

    def __init__(self, get_job, first_delay=0.5, factor=1.5, max_delay=10.0, clock=time.monotonic, sleep=time.sleep,
                 time_limit=None, min_interval=0.5, lead=1.0, horizon=3.0, settle=0.1):
        self._get_job = get_job
        self.first_delay = first_delay
        self.factor = factor
        self.max_delay = max_delay
        self.min_interval = min_interval
        self.lead = lead
        self.horizon = horizon
        self.settle = settle
        self._clock = clock
        self._sleep = sleep
        self._time_limit = time_limit or _no_limit
        self.polls = {}

    def clock(self):
        """The waiter's clock (monotonic seconds), for ``started``."""
        return self._clock()

    def wait(self, job_id, timeout, started=None):
        """Return the finished job; raise JobFailedError or WaitTimeoutError."""
        return self.wait_all([job_id], timeout, started)[job_id]

    def wait_all(self, job_ids, timeout, started=None):
        """Wait on several jobs that run concurrently, in one poll loop; one deadline for all.

        ``started`` ({job_id: clock time}) says when this process asked for a job: such a job is first read
        ``first_delay`` after that (a job never ends at once), and its progress is measured from then.
        Returns {job_id: job}; raises for the first failed job only after every
        job has ended, so the caller learns the whole outcome.
        """
        start = self._clock()
        deadline = start + timeout
        started = started or {}
        schedules = dict((job_id, _Schedule(self, start, started.get(job_id))) for job_id in job_ids)
        pending = list(job_ids)
        finished = {}
        last = {}
        try:
            with self._time_limit(timeout):
                while True:
                    now = self._clock()
                    for job_id in [job_id for job_id in pending if schedules[job_id].due <= now]:
                        job = last[job_id] = self._get_job(job_id)
                        self.polls[job_id] = self.polls.get(job_id, 0) + 1
                        if job.get("status") in TERMINAL_STATUSES:
                            finished[job_id] = job
                            pending.remove(job_id)
                        else:
                            schedules[job_id].observe(job, self._clock())
                    if not pending:
                        break
                    now = self._clock()
                    remaining = deadline - now
                    if remaining <= 0:
                        raise DeadlineError("wait ended")
                    self._sleep(max(0.0, min(min(schedules[job_id].due for job_id in pending) - now, remaining)))
        except DeadlineError:
            raise WaitTimeoutError(", ".join(pending), timeout, last.get(pending[0]))
        for job in finished.values():
            if job.get("status") == "FAIL":
                raise JobFailedError(job)
        return finished


class _Schedule(object):
    """When one job is next polled: growing delays, or aimed at the end its progress predicts."""

    def __init__(self, waiter, start, started=None):
        self.waiter = waiter
        # Without a known start, the job began about when the wait did (modules start it just before).
        self.start = start if started is None else started
        self.due = start if started is None else started + waiter.first_delay
        self.delay = waiter.first_delay
        self.first = None  # (time, percent) of the first reading that shows progress
        self.percent = None
        self.expected_end = None
        self.margin = 0.0

    def observe(self, job, now):
        w = self.waiter
        percent = _percent(job)
        moved, self.percent = percent != self.percent, percent
        if moved and percent is not None and 0 < percent < 1:
            if self.first is None:
                # One reading: progress since the start.
                self.first = (now, percent)
                origin, base = self.start, 0.0
            else:
                origin, base = self.first
            if percent > base and now > origin:
                span = percent - base
                self.expected_end = now + (1 - percent) * (now - origin) / span
                # How early the job may end when IMS rounds percentages to PERCENT_STEP (both readings' error).
                base_error = PERCENT_STEP / 2 if base else 0.0
                self.margin = (now - origin) * (PERCENT_STEP / 2 * (1 - base) + base_error * (1 - percent)) / span ** 2
        growing = self.delay
        self.delay = min(self.delay * w.factor, w.max_delay)
        if self.expected_end is None:
            pause = growing
        else:
            # A margin below the fastest rate is not worth polling through: aim at the estimate itself.
            margin = self.margin if self.margin > w.min_interval else 0.0
            window = self.expected_end - margin - now  # until the earliest end
            if window > w.horizon:
                pause = min(w.max_delay, window - w.lead)
            elif window > 0:
                pause = window + w.settle
            elif window > -(2 * margin + w.max_delay):
                # Within the estimate's margin, or a little past it: poll at the fastest rate.
                pause = w.min_interval
                self.delay = w.first_delay
            else:
                pause = growing
        self.due = now + max(pause, w.min_interval)


def _percent(job):
    value = ((job or {}).get("entities") or {}).get("process_percent")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    # IMS gives a fraction (0.42); accept a percentage (42) too.
    return value / 100.0 if value > 1 else float(value)


@contextlib.contextmanager
def _no_limit(seconds):
    yield
