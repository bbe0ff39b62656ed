# -*- coding: utf-8 -*-
# Copyright: huaweicloud.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which failures are transient, and how long to back off before trying again."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import random

RETRYABLE_STATUS = frozenset([429, 500, 502, 503, 504])
# IMS answers flow control with HTTP 400 and these codes; the API gateway with 429.
FLOW_CONTROL_CODES = frozenset(["IMG.0060", "IMG.0149", "IMG.0187", "APIGW.0308"])


class RetryPolicy(object):
    """Capped exponential backoff with full jitter."""

    def __init__(self, max_retries=5, base_delay=0.5, max_delay=20.0, sleep=None, rand=None):
        self.max_retries = max_retries
        self.base_delay = base_delay
        self.max_delay = max_delay
        self._sleep = sleep
        self._random = rand or random.random

    def delay(self, attempt):
        """Seconds to wait before retry number ``attempt`` (1-based)."""
        ceiling = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        return ceiling / 2.0 + ceiling / 2.0 * self._random()

    def backoff(self, attempt):
        if self._sleep is None:
            import time
            self._sleep = time.sleep
        self._sleep(self.delay(attempt))


def is_transient_status(status, code):
    """A response that says 'try again later' and did nothing."""
    return status == 429 or code in FLOW_CONTROL_CODES


def is_retryable_status(status, code):
    """A response worth repeating if the request is safe to repeat."""
    return status in RETRYABLE_STATUS or is_transient_status(status, code)
