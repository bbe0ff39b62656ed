"""(e) Ansible's own floor: per-task time of ims_image_info (one list call) against ansible.builtin.ping, 20 tasks
of each in the same play, interleaved so that machine load hits both alike (goal: <= 1.3x).

    python3 tests/bench/ping_floor.py [--tasks 20]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _harness import Harness  # noqa: E402


def run(h, tasks=20):
    h.reset()
    play = []
    for index in range(tasks):
        play.append({"name": "ping %d" % index, "ansible.builtin.ping": {}})
        play.append({"name": "info %d" % index, "huaweicloud.cloud.ims_image_info": {"names": ["demo-base-image"]}})
    h.clear_calls()
    result = h.run(h.play(play))
    ping = [t["end"] - t["start"] for t in result.tasks if t["task"].startswith("ping ")]
    info = [t["end"] - t["start"] for t in result.tasks if t["task"].startswith("info ")]
    calls = [c for c in h.calls() if c["path"].startswith(("/ims/", "/iam/"))]
    mean_ping, mean_info = statistics.mean(ping), statistics.mean(info)
    return [{"bench": "per task: ims_image_info (1 list call) vs ansible.builtin.ping (%d each, same play)" % tasks,
             "measured": mean_info, "baseline": mean_ping, "ratio": mean_info / mean_ping, "goal": "<= 1.3",
             "note": "mean s/task; medians %.3f vs %.3f; %.1f API calls per ims_image_info task"
                     % (statistics.median(info), statistics.median(ping), len(calls) / float(tasks))}]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=20)
    args = parser.parse_args()
    from run import print_table
    with Harness() as h:
        print_table(run(h, args.tasks))


if __name__ == "__main__":
    main()
