# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test-only callback: appends every task result, with its start and end time (epoch seconds), as one JSON
line to $HWC_RESULTS_FILE. The integration tests and the benchmarks both read it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: record_results
type: aggregate
short_description: Record task results for the integration tests
description: Appends each task result as a JSON line to the file named by E(HWC_RESULTS_FILE).
options: {}
"""

import json
import os
import time

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "record_results"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super(CallbackModule, self).__init__(*args, **kwargs)
        self._started = {}

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._started[task._uuid] = time.time()

    def _record(self, result, status):
        path = os.environ.get("HWC_RESULTS_FILE")
        if not path:
            return
        now = time.time()
        task = result._task
        # _result is already censored by no_log at this point, as stdout would be.
        entry = {"task": task.get_name(), "action": task.action, "host": result._host.get_name(), "status": status,
                 "start": self._started.get(task._uuid, now), "end": now,
                 "result": json.loads(json.dumps(result._result, default=str))}
        with open(path, "a") as handle:
            handle.write(json.dumps(entry) + "\n")

    def v2_runner_on_ok(self, result):
        self._record(result, "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, "failed")

    def v2_runner_on_skipped(self, result):
        self._record(result, "skipped")
