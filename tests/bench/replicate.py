"""(b) Replicate one image to 5 regions with the ims_replicate role: the role's wall time against the sum of
the 5 copy jobs' durations (goal: <= 0.22, i.e. the longest copy plus a few seconds).

The copies take different times, in the proportions of real cross-region copies (the Terraform provider's
acceptance runs saw 742 to 888 s), scaled down by --scale so that the benchmark runs in seconds. The role's fixed
overhead (wall time minus the longest job) does not scale with the jobs, so the ratio is also shown for the real
job lengths with the overhead measured here. With --scale 1 the jobs take their real lengths (about 15 minutes)
and the measured row is the one the goal is about.

    python3 tests/bench/replicate.py [--scale 60]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _harness import AGENCY, Harness, parse_ts  # noqa: E402

# Real cross-region copy durations (s) per target, within the range the Terraform provider observed.
REAL_SECONDS = {"cn-east-3": 742.0, "cn-south-1": 781.0, "ap-southeast-1": 826.0, "ap-southeast-3": 858.0,
                "la-south-2": 888.0}
TARGETS = list(REAL_SECONDS)
COPY_JOB = "imsCopyImageCrossUserJob"


def run(h, scale=60.0):
    h.reset(job_seconds=0.3, job_seconds_by_region=dict((r, s / scale) for r, s in REAL_SECONDS.items()))
    tasks = [{"name": "replicate", "ansible.builtin.include_role": {"name": "huaweicloud.cloud.ims_replicate"},
              "vars": {"ims_replicate_image": "demo-base-image", "ims_replicate_regions": TARGETS,
                       "ims_replicate_agency_name": AGENCY}}]
    result = h.run(h.play(tasks))
    role_tasks = [t for t in result.tasks if t["task"] != "replicate"]
    wall = max(t["end"] for t in role_tasks) - min(t["start"] for t in role_tasks)
    jobs = [j for j in h.jobs() if j["job_type"] == COPY_JOB]
    if len(jobs) != len(TARGETS) or any(j["status"] != "SUCCESS" for j in jobs):
        raise RuntimeError("expected %d successful copy jobs, got %s" % (len(TARGETS), jobs))
    durations = [parse_ts(j["end_time"]) - parse_ts(j["begin_time"]) for j in jobs]
    total = sum(durations)
    begins = sorted(parse_ts(j["begin_time"]) for j in jobs)
    last_end = max(parse_ts(j["end_time"]) for j in jobs)
    role_end = max(t["end"] for t in role_tasks)
    waits = [t for t in role_tasks if t["action"] == "huaweicloud.cloud.ims_job" and t["status"] != "skipped"]
    polls = [job["polls"] for t in waits for job in t["result"].get("jobs", [])]
    overhead = wall - max(durations)
    real_total = sum(REAL_SECONDS.values())
    real_max = max(REAL_SECONDS.values())
    measured = {
        "bench": "replicate to 5 regions: role wall / sum of jobs (jobs %.1f-%.1fs)" % (min(durations), max(durations)),
        "measured": wall, "baseline": total, "ratio": wall / total, "goal": "floor %.3f" % (max(durations) / total),
        "note": "longest job %.1fs + overhead %.1fs: start %.1fs before the first job, job starts spread over %.1fs, "
                "last job end -> role end %.1fs; %d ims_job wait(s), polls per job %s"
                % (max(durations), overhead, begins[0] - min(t["start"] for t in role_tasks), begins[-1] - begins[0],
                   role_end - last_end, len(waits), polls)}
    if scale == 1:
        measured["goal"] = "<= 0.22 (floor %.3f)" % (max(durations) / total)
        return [measured]
    return [
        measured,
        {"bench": "replicate to 5 regions, real job lengths (%.0f-%.0fs): role wall / sum of jobs"
                  % (min(REAL_SECONDS.values()), real_max),
         "measured": real_max + overhead, "baseline": real_total, "ratio": (real_max + overhead) / real_total,
         "goal": "<= 0.22", "note": "the longest real copy plus the %.1fs overhead measured above (floor %.3f); "
                                    "--replicate-scale 1 measures it" % (overhead, real_max / real_total)},
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=60.0, help="real job lengths divided by this")
    args = parser.parse_args()
    from run import print_table
    with Harness() as h:
        print_table(run(h, args.scale))


if __name__ == "__main__":
    main()
