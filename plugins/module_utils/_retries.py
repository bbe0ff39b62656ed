# -*- coding: utf-8 -*-
# Copyright: huaweicloud.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which failures are transient, and how long to back off before trying again."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import random
import time

RETRYABLE_STATUS = frozenset([429, 500, 502, 503, 504])
# IMS answers flow control with HTTP 400 and these codes; the API gateway with 429.
FLOW_CONTROL_CODES = frozenset(["IMG.0060", "IMG.0149", "IMG.0187", "APIGW.0308"])


class RetryPolicy(object):
    """Capped exponential backoff with full jitter, a Retry-After floor and a total budget.

    Retrying stops at whichever comes first: ``max_retries`` repeats, ``total`` seconds since the call's first
    attempt, or the caller's deadline (a job wait's end).
    """

    def __init__(self, max_retries=5, base_delay=0.5, max_delay=20.0, total=300.0, sleep=None, rand=None,
                 clock=None):
        self.max_retries = max_retries
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.total = total
        self._sleep = time.sleep if sleep is None else sleep
        self._random = rand or random.random
        self.clock = clock or time.monotonic

    def delay(self, attempt, retry_after=None):
        """Seconds to wait before retry number ``attempt`` (1-based): uniform in [0, ceiling] (full jitter),
        at least the server's Retry-After, never more than max_delay."""
        ceiling = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        delay = ceiling * self._random()
        if retry_after is not None:
            delay = max(delay, min(retry_after, self.max_delay))
        return delay

    def next_delay(self, attempt, started, deadline=None, retry_after=None):
        """The sleep before retry ``attempt``, or None when no retry fits the budget."""
        if attempt > self.max_retries:
            return None
        delay = self.delay(attempt, retry_after)
        end = self.clock() + delay
        if end - started > self.total or (deadline is not None and end >= deadline):
            return None
        return delay

    def backoff(self, attempt, retry_after=None):
        self._sleep(self.delay(attempt, retry_after))

    def sleep(self, seconds):
        self._sleep(seconds)


def parse_retry_after(value):
    """Retry-After in seconds (delta-seconds form only; a date or garbage is ignored), or None."""
    if value is None:
        return None
    value = str(value).strip()
    if not value.isdigit() or len(value) > 6:
        return None
    return float(value)


def is_transient_status(status, code):
    """A response that says 'try again later' and did nothing."""
    return status == 429 or code in FLOW_CONTROL_CODES


def is_retryable_status(status, code):
    """A response worth repeating if the request is safe to repeat."""
    return status in RETRYABLE_STATUS or is_transient_status(status, code)
