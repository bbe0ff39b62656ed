# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark-only callback: one JSON line per task result with wall-clock start and end (epoch seconds)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: bench_timing
type: aggregate
short_description: Per-task timestamps for tests/bench
description: Appends each task result with its start and end time as a JSON line to E(BENCH_TIMING_FILE).
options: {}
"""

import json
import os
import time

from ansible.plugins.callback import CallbackBase

KEPT = ("changed", "failed", "msg", "job_id", "job_ids", "image", "images", "jobs", "image_ids", "skipped")


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "bench_timing"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super(CallbackModule, self).__init__(*args, **kwargs)
        self._started = {}

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._started[task._uuid] = time.time()

    def _record(self, result, status):
        path = os.environ.get("BENCH_TIMING_FILE")
        if not path:
            return
        now = time.time()
        task = result._task
        data = dict((k, v) for k, v in result._result.items() if k in KEPT)
        entry = {"task": task.get_name(), "action": task.action, "status": status,
                 "start": self._started.get(task._uuid, now), "end": now,
                 "result": json.loads(json.dumps(data, default=str))}
        with open(path, "a") as handle:
            handle.write(json.dumps(entry) + "\n")

    def v2_runner_on_ok(self, result):
        self._record(result, "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, "failed")

    def v2_runner_on_skipped(self, result):
        self._record(result, "skipped")
