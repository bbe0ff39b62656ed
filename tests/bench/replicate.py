"""(b) Replicate one image to 5 regions with the ims_replicate role: the role's wall time against the sum of
the 5 copy jobs' durations (goal: close to 1/5, i.e. the copies run concurrently).

    python3 tests/bench/replicate.py [--job-seconds 10]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _harness import AGENCY, Harness, parse_ts  # noqa: E402

TARGETS = ["cn-east-3", "cn-south-1", "ap-southeast-1", "ap-southeast-3", "la-south-2"]
COPY_JOB = "imsCopyImageCrossUserJob"


def run(h, job_seconds=10.0):
    h.reset(job_seconds=job_seconds)
    tasks = [{"name": "replicate", "ansible.builtin.include_role": {"name": "huaweicloud.cloud.ims_replicate"},
              "vars": {"ims_replicate_image": "demo-base-image", "ims_replicate_regions": TARGETS,
                       "ims_replicate_agency_name": AGENCY}}]
    result = h.run(h.play(tasks))
    role_tasks = [t["task"] for t in result.tasks if t["task"] != "replicate"]
    wall = result.span(role_tasks)
    copy_phase = result.span(["Start the cross-region copies of this batch", "Wait for the copies of this batch"])
    jobs = [j for j in h.jobs() if j["job_type"] == COPY_JOB]
    if len(jobs) != len(TARGETS) or any(j["status"] != "SUCCESS" for j in jobs):
        raise RuntimeError("expected %d successful copy jobs, got %s" % (len(TARGETS), jobs))
    durations = [parse_ts(j["end_time"]) - parse_ts(j["begin_time"]) for j in jobs]
    total = sum(durations)
    begins = sorted(parse_ts(j["begin_time"]) for j in jobs)
    last_end = max(parse_ts(j["end_time"]) for j in jobs)
    role_end = max(t["end"] for t in result.tasks if t["task"] in role_tasks)
    # What the same overhead would give with real copies (about 10 minutes each).
    overhead = wall - total / len(durations)
    projected = (overhead + 600.0) / (len(TARGETS) * 600.0)
    return [
        {"bench": "replicate to 5 regions: role wall / sum of job durations", "measured": wall, "baseline": total,
         "ratio": wall / total, "goal": "~0.2 (1/5)",
         "note": "role %.1fs (copy phase %.1fs) vs 5 jobs of %.1fs (%.1fs in all); job starts spread over "
                 "%.1fs (one module run per region, in sequence); last job end -> role end %.1fs"
                 "; with 600s jobs the same %.1fs overhead gives %.2f"
                 % (wall, copy_phase, total / len(durations), total, begins[-1] - begins[0], role_end - last_end,
                    overhead, projected)},
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--job-seconds", type=float, default=10.0)
    args = parser.parse_args()
    from run import print_table
    with Harness() as h:
        print_table(run(h, args.job_seconds))


if __name__ == "__main__":
    main()
