"""Streaming upload: ims_image (filename=) uploads a 1 GiB sparse file to the emulator; peak RSS of the module
process and throughput, side by side with a naive client that reads the whole file into memory and PUTs it.

    python3 tests/bench/upload.py [--size-mib 1024]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _harness import Harness, PeakRss, mib, parse_ts  # noqa: E402

NAIVE = r'''
import json, sys, time, requests
url, token, path = sys.argv[1:4]
headers = {"X-Auth-Token": token}
start = time.time()
image = requests.post(url + "/v2/images", json={"name": "naive-upload", "disk_format": "raw",
                      "container_format": "bare", "min_disk": 40}, headers=headers).json()
with open(path, "rb") as handle:
    data = handle.read()                      # the whole file in memory
put_start = time.time()
response = requests.put(url + "/v2/images/%s/file" % image["id"], data=data,
                        headers=dict(headers, **{"Content-Type": "application/octet-stream"}))
response.raise_for_status()
end = time.time()
print(json.dumps({"seconds": end - start, "put_seconds": end - put_start}))
'''


def run(h, size_mib=1024):
    h.reset(job_seconds=0.1)
    path = h.tmp / "sparse.raw"
    with open(path, "wb") as handle:
        handle.truncate(size_mib << 20)  # sparse: no disk space, reads as zeros
    size = os.path.getsize(path)

    # The module, through ansible-playbook.
    task = {"name": "upload", "huaweicloud.cloud.ims_image": {
        "name": "bench-upload", "filename": str(path), "disk_format": "raw", "min_disk": 40,
        "os_version": "Ubuntu 18.04 server 64bit"}}
    h.clear_calls()
    with PeakRss("AnsiballZ_ims_image") as module_rss:
        result = h.run(h.play([task]))
    module_task = result.task("upload")
    module_seconds = module_task["end"] - module_task["start"]
    # The PUT itself: from its arrival to the next call the module made (the emulator logs arrival times).
    calls = h.calls()
    put = next(i for i, c in enumerate(calls) if c["method"] == "PUT" and c["path"].endswith("/file"))
    put_seconds = parse_ts(calls[put + 1]["ts"]) - parse_ts(calls[put]["ts"])
    if not module_rss.seen:
        raise RuntimeError("did not see the module process")

    # The naive baseline: read everything, then PUT.
    script = h.tmp / "naive_upload.py"
    script.write_text(NAIVE)
    url = h.url + "/ims/cn-north-4"
    token = h.token()
    with PeakRss(str(script)) as naive_rss:
        start = time.time()
        naive = subprocess.run([sys.executable, str(script), url, token, str(path)], check=True,
                               capture_output=True, text=True)
        naive_seconds = time.time() - start
    naive_read_put = json.loads(naive.stdout)["seconds"]

    return [
        {"bench": "upload peak RSS (MiB), %d MiB file" % mib(size), "measured": mib(module_rss.peak),
         "baseline": mib(naive_rss.peak), "ratio": module_rss.peak / float(naive_rss.peak),
         "goal": "<< 1 (streamed)", "note": "ims_image module process vs naive read-all + PUT"},
        {"bench": "upload throughput (MiB/s), transfer", "measured": mib(size) / put_seconds,
         "baseline": mib(size) / naive_read_put, "ratio": naive_read_put / put_seconds,
         "goal": ">= 1", "note": "streamed PUT %.1fs vs read-all + PUT %.1fs" % (put_seconds, naive_read_put)},
        {"bench": "upload throughput (MiB/s), whole task", "measured": mib(size) / module_seconds,
         "baseline": mib(size) / naive_seconds, "ratio": naive_seconds / module_seconds,
         "goal": "~1", "note": "task %.1fs (module start, IAM, metadata, wait active) vs script process %.1fs"
                               % (module_seconds, naive_seconds)},
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    args = parser.parse_args()
    from run import print_table
    with Harness() as h:
        print_table(run(h, args.size_mib))


if __name__ == "__main__":
    main()
