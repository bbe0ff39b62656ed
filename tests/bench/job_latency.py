"""(c) Job completion to task return: an in-region ims_image_copy with wait=true, for jobs of 3 s and 10 s.
Latency = the task's end (callback timestamp) minus the job's end_time (emulator), compared to the job's
duration; the task's whole wall time and the number of status polls (the module's ``polls``) are shown too.

    python3 tests/bench/job_latency.py [--job-seconds 3,10]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _harness import Harness, parse_ts  # noqa: E402


def run(h, job_seconds=(3.0, 10.0)):
    rows = []
    for seconds in job_seconds:
        h.reset(job_seconds=seconds)
        result = h.run(h.play([{"name": "copy", "huaweicloud.cloud.ims_image_copy": {
            "image": "demo-base-image", "name": "latency-copy", "wait": True}}]))
        task = result.task("copy")
        job_id = task["result"]["job_id"]
        job = next(j for j in h.jobs() if j["job_id"] == job_id)
        job_end = parse_ts(job["end_time"])
        duration = job_end - parse_ts(job["begin_time"])
        latency = task["end"] - job_end
        polls = task["result"]["polls"]
        rows.append({"bench": "job end -> task return, %gs job" % seconds, "measured": latency,
                     "baseline": duration, "ratio": latency / duration, "goal": "<= 0.5 s, <= 1 poll/s",
                     "note": "%d polls (%.2f per second of job); task wall %.1fs = %.2f x job"
                             % (polls, polls / duration, task["end"] - task["start"],
                                (task["end"] - task["start"]) / duration)})
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--job-seconds", default="3,10")
    args = parser.parse_args()
    from run import print_table
    with Harness() as h:
        print_table(run(h, [float(x) for x in args.job_seconds.split(",")]))


if __name__ == "__main__":
    main()
