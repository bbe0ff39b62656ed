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
from ansible_collections.huaweicloud.cloud.plugins.module_utils._ims import TERMINAL_STATUSES

# IMS reports entities.process_percent as a fraction with two decimals.
PERCENT_STEP = 0.01


# Default wait_timeout per operation (an explicit wait_timeout wins): about twice the longest duration seen on
# the real cloud, rounded up, so a slow day does not fail the task while the job goes on. Sources: NOTES.md
# (Terraform provider acceptance runs), issue 12 ("copies and imports take 10-30 minutes"), the Terraform
# provider's own create/delete timeouts. Documented in plugins/doc_fragments/ims.py (WAIT); keep both in sync.
WAIT_TIMEOUTS = {
    # image from an OBS file (also register and upload): 10-30 min (issue 12); Terraform waits 20 min
    "import": 3600,
    # quick import skips the conversion: not measured; Terraform's OBS image resource waits 20 min
    "quick_import": 1800,
    # system/data disk image from an ECS or EVS disk: not measured; as quick import
    "instance": 1800,
    # whole-system image from an ECS and its CBR backup: moves every disk, like the whole-image copy below
    "whole_image": 3600,
    # in-region copy: 631-700 s observed (Terraform's own 10 min default is below that)
    "copy": 1800,
    # cross-region copy: 742-888 s observed
    "cross_region_copy": 1800,
    # cross-region copy of a whole-system image (vault_id): ~1761 s observed, 1800 would be too tight
    "whole_cross_region_copy": 3600,
    # export to OBS: not measured; grows with the image like an import
    "export": 3600,
    # member jobs (share, unshare, accept): ~430 s observed
    "members": 1200,
    # deletion until no longer listed: Terraform waits 3-10 min
    "delete": 600,
    # ims_job: any of the above, type unknown until read: the longest
    "job": 3600,
}


def wait_timeout(params, operation):
    """The task's wait_timeout, or the operation's default from WAIT_TIMEOUTS when none was given."""
    value = params.get("wait_timeout")
    return WAIT_TIMEOUTS[operation] if value is None else value


class JobWaiter(object):
    """Polls each job on its own schedule, which follows the job.

    Without a progress figure: ``first_delay`` growing by ``factor`` up to ``max_delay`` (fast right after the
    start, slower later; real copies take ~10 minutes). Once ``entities.process_percent`` moves, the job's end is
    estimated from its rate of progress, with the margin that rounded percentages leave. A margin wider than
    ``min_interval`` is polled through: the waiter sleeps (at most ``max_delay`` at a time) until ``lead``
    seconds before the earliest possible end, and once that is within ``horizon`` seconds polls ``settle``
    seconds after it, then every ``min_interval`` seconds through the margin and up to ``max_delay`` past it (a
    last step slower than the progress said), growing again after that. A narrower margin gets one poll
    ``settle`` seconds after the latest possible end instead (the estimate is refined on the way, so ``lead``
    exceeds ``min_interval``). No job is ever polled more often than every ``min_interval`` seconds (1 s).

    ``polls`` counts the status reads per job. ``time_limit(seconds)`` (the client's) makes every status read
    end by the wait's deadline, so a slow or hanging server cannot stretch the wait.

    ``progress(job_id)`` is what modules return as ``progress``: the last status and ``process_percent``, polls,
    seconds since the job was asked for, the wait's time-out, and a ``history`` of timestamped (UTC) readings, one
    at the first read, about every ``log_every`` seconds after it and at the end. A module's output reaches
    Ansible only when it returns, so during a long wait each of those readings also goes to ``log`` (the module's
    ``AnsibleModule.log``: the system journal or syslog of the host that runs the module)."""

    HISTORY_MAX = 100  # readings kept per job (the first and the latest): a week-long wait stays small

    def __init__(self, get_job, first_delay=0.5, factor=1.5, max_delay=10.0, clock=time.monotonic, sleep=time.sleep,
                 time_limit=None, min_interval=1.0, lead=1.5, horizon=3.0, settle=0.1, log=None, log_every=60.0,
                 wall=time.time):
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
        self.log = log
        self.log_every = log_every
        self._wall = wall
        self._progress = {}
        self._noted = {}  # job id -> clock time of its last history entry

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
        origins = dict((job_id, started.get(job_id, start)) for job_id in job_ids)
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
                        self._note(job_id, job, origins[job_id], timeout)
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
            error = WaitTimeoutError(", ".join(pending), timeout, last.get(pending[0]))
            error.progress = self.progress(pending[0])
            raise error
        for job_id, job in finished.items():
            if job.get("status") == "FAIL":
                error = JobFailedError(job)
                error.progress = self.progress(job_id)
                raise error
        return finished

    def progress(self, job_id):
        """The job's progress so far (see the class), or None if it was never read."""
        record = self._progress.get(job_id)
        return None if record is None else dict(record, history=list(record["history"]))

    def _note(self, job_id, job, origin, timeout):
        now = self._clock()
        status = job.get("status")
        percent = (job.get("entities") or {}).get("process_percent")
        elapsed = round(now - origin, 1)
        record = self._progress.setdefault(job_id, {"job_id": job_id, "history": []})
        record.update(status=status, process_percent=percent, polls=self.polls[job_id], elapsed=elapsed,
                      wait_timeout=timeout)
        noted = self._noted.get(job_id)
        if noted is not None and now - noted < self.log_every and status not in TERMINAL_STATUSES:
            return
        self._noted[job_id] = now
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self._wall()))
        history = record["history"]
        history.append({"time": stamp, "elapsed": elapsed, "status": status, "process_percent": percent})
        if len(history) > self.HISTORY_MAX:
            del history[1]
        if self.log is not None:
            self.log("%s IMS job %s: %s, process_percent %s, %.0f s of at most %s s, poll %d"
                     % (stamp, job_id, status, percent, elapsed, timeout, self.polls[job_id]))


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
            if self.margin > w.min_interval:
                # A wide margin: from the earliest end the readings allow, poll through it at the fastest rate.
                target, through = self.expected_end - self.margin, 2 * self.margin
            else:
                # A margin below the fastest rate: one poll just after the latest end the readings allow lands
                # sooner than a poll at the estimate followed, if the job is not done yet, by another one
                # min_interval later.
                target, through = self.expected_end + self.margin, 0.0
            window = target - now
            if window > w.horizon:
                pause = min(w.max_delay, window - w.lead)
            elif window > 0:
                pause = window + w.settle
            elif window > -(through + w.max_delay):
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
