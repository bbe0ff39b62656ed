"""Run every benchmark against one emulator and print the results side by side, with ratios measured in this
same run (see README.md in this directory). No thresholds: this prints, it does not judge.

    python3 tests/bench/run.py [--only ping,idempotency,replicate,latency,upload,openstack] [--size-mib 1024]
                               [--replicate-scale 60]
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

BENCHES = ["ping", "idempotency", "replicate", "latency", "upload", "openstack"]


def _fmt(value):
    if value is None or value == "":
        return "-"
    if isinstance(value, float):
        if value >= 100:
            return "%.0f" % value
        if value >= 10:
            return "%.1f" % value
        return "%.2f" % value
    return str(value)


def print_table(rows, out=sys.stdout):
    columns = [("bench", "benchmark"), ("measured", "measured"), ("baseline", "baseline"), ("ratio", "ratio"),
               ("goal", "goal"), ("note", "note")]
    # Ratios below 1 get a third decimal: 0.217 and 0.224 are on either side of a 0.22 goal.
    cells = [["%.3f" % row[key] if key == "ratio" and isinstance(row.get(key), float) and row[key] < 1
              else _fmt(row.get(key)) for key, dummy in columns] for row in rows]
    widths = [max([len(title)] + [len(cell[i]) for cell in cells]) for i, (dummy, title) in enumerate(columns)]
    widths[-1] = len(columns[-1][1])
    line = "  ".join(title.ljust(widths[i]) for i, (dummy, title) in enumerate(columns))
    out.write(line + "\n" + "-" * max(len(line), 100) + "\n")
    for cell in cells:
        out.write("  ".join(cell[i].ljust(widths[i]) if i < len(cell) - 1 else cell[i]
                            for i in range(len(cell))).rstrip() + "\n")
    out.flush()


def main():
    parser = argparse.ArgumentParser(description="huaweicloud.cloud benchmarks against the local emulator")
    parser.add_argument("--only", default=",".join(BENCHES), help="comma-separated subset of %s" % BENCHES)
    parser.add_argument("--size-mib", type=int, default=1024, help="upload benchmark file size")
    parser.add_argument("--images", type=int, default=1000, help="images seeded for the openstack comparison")
    parser.add_argument("--replicate-scale", type=float, default=60.0,
                        help="real copy lengths divided by this (1: real lengths, about 15 minutes)")
    args = parser.parse_args()
    wanted = [name.strip() for name in args.only.split(",") if name.strip()]

    from _harness import Harness
    import idempotency
    import job_latency
    import openstack_info
    import ping_floor
    import replicate
    import upload

    runners = {
        "ping": ping_floor.run,
        "idempotency": idempotency.run,
        "replicate": lambda h: replicate.run(h, args.replicate_scale),
        "latency": job_latency.run,
        "upload": lambda h: upload.run(h, args.size_mib),
        "openstack": lambda h: openstack_info.run(h, args.images),
    }
    rows = []
    failed = False
    started = time.time()
    with Harness() as h:
        for name in wanted:
            t0 = time.time()
            sys.stderr.write("[bench] %s ...\n" % name)
            try:
                rows += runners[name](h)
            except Exception as error:  # pylint: disable=broad-except
                failed = True
                traceback.print_exc()
                rows.append({"bench": name, "note": "FAILED: %s" % str(error).splitlines()[0][:200]})
            sys.stderr.write("[bench] %s done in %.0fs\n" % (name, time.time() - t0))
    print("huaweicloud.cloud benchmarks (one run, %.0fs, emulator on loopback)" % (time.time() - started))
    print_table(rows)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
