"""(d) Per-task overhead of huaweicloud.cloud.ims_image_info against openstack.cloud.image_info, on the same
emulator (its Glance v2 API) holding 1,000 private images: find one image by name, and list them all.

openstacksdk and the openstack.cloud collection come from PyPI only (Galaxy is not reachable): a venv
(.venv-bench at the repository root, git-ignored; or $HWC_BENCH_VENV) gets openstacksdk, and the collection is
taken out of the `ansible` community package's wheel. Both modules run under that venv's python, so they
differ only in their own code. openstacksdk authenticates with keystoneauth's admin_token plugin (a token the
emulator's IAM issued) and image_endpoint_override pointing at http://127.0.0.1:PORT/ims/cn-north-4.

    python3 tests/bench/openstack_info.py [--images 1000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import zipfile
from pathlib import Path

import requests

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _harness import REGION, Harness  # noqa: E402

# openstacksdk 4.15 removed openstack.version, which openstack.cloud (2.5.0, in ansible 12) still reads.
OPENSTACKSDK = "openstacksdk>=4.6,<4.15"
VENV = Path(os.environ.get("HWC_BENCH_VENV", str(HERE.parents[1] / ".venv-bench")))


def ensure_openstack(venv=VENV):
    """(python of the venv, collections root holding openstack.cloud); installs what is missing."""
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    check = subprocess.run([str(python), "-c", "import openstack.version, requests"], capture_output=True, check=False)
    if check.returncode != 0:
        subprocess.run([str(python), "-m", "pip", "install", "-q", OPENSTACKSDK, "requests"], check=True)
    root = venv / "collections"
    if not (root / "ansible_collections" / "openstack" / "cloud" / "MANIFEST.json").exists():
        download = venv / "download"
        download.mkdir(exist_ok=True)
        wheels = sorted(download.glob("ansible-*.whl"))
        if not wheels:
            subprocess.run([str(python), "-m", "pip", "download", "-q", "--no-deps", "--only-binary", ":all:",
                            "-d", str(download), "ansible"], check=True)
            wheels = sorted(download.glob("ansible-*.whl"))
        with zipfile.ZipFile(str(wheels[-1])) as wheel:
            members = [n for n in wheel.namelist() if n.startswith("ansible_collections/openstack/cloud/")]
            wheel.extractall(str(root), members)
    return python, root


def seed_images(h, count, token):
    """``count`` private images through Glance POST /v2/images (metadata only)."""
    h.configure(image_quota=count + 100)
    url = h.url + "/ims/%s/v2/images" % REGION
    session = requests.Session()
    session.headers["X-Auth-Token"] = token
    for index in range(count):
        response = session.post(url, json={"name": "bench-image-%04d" % index, "disk_format": "qcow2",
                                           "container_format": "bare", "min_disk": 40}, timeout=30)
        response.raise_for_status()


def run(h, images=1000, repeat=5):
    python, root = ensure_openstack()
    h.reset(job_seconds=0.1)
    token = h.token()
    seed_images(h, images, token)
    glance = h.url + "/ims/" + REGION
    cloud = {"auth_type": "admin_token", "auth": {"token": token, "endpoint": glance},
             "image_endpoint_override": glance, "region_name": REGION}
    target = "bench-image-%04d" % (images // 2)
    cases = [
        ("find 1 image by name", {"huaweicloud.cloud.ims_image_info": {"names": [target]}},
         {"openstack.cloud.image_info": {"cloud": cloud, "name": target}}, 1),
        ("list all private images", {"huaweicloud.cloud.ims_image_info": {"imagetype": "private"}},
         {"openstack.cloud.image_info": {"cloud": cloud, "filters": {"visibility": "private"}}}, None),
    ]
    tasks = []
    for label, ours, theirs, dummy in cases:
        for index in range(repeat):
            tasks.append(dict(ours, name="hwc %s %d" % (label, index), register="hwc_%d" % index))
            tasks.append(dict(theirs, name="os %s %d" % (label, index)))
    h.extra_collections = [str(root)]
    try:
        h.clear_calls()
        result = h.run(h.play(tasks, vars={"ansible_python_interpreter": str(python)}))
    finally:
        h.extra_collections = []
    calls = h.calls()
    rows = []
    for label, ours, theirs, expected in cases:
        ours_times = [_seconds(result.task("hwc %s %d" % (label, i))) for i in range(repeat)]
        theirs_times = [_seconds(result.task("os %s %d" % (label, i))) for i in range(repeat)]
        ours_n = len(result.task("hwc %s 0" % label)["result"].get("images") or [])
        theirs_n = len(result.task("os %s 0" % label)["result"].get("images") or [])
        if expected is not None and (ours_n, theirs_n) != (expected, expected):
            raise RuntimeError("%s: found %d and %d images, expected %d" % (label, ours_n, theirs_n, expected))
        ours_med, theirs_med = statistics.median(ours_times), statistics.median(theirs_times)
        rows.append({"bench": "%s among %d: ims_image_info vs openstack.cloud.image_info (s/task)"
                              % (label, images),
                     "measured": ours_med, "baseline": theirs_med, "ratio": ours_med / theirs_med,
                     "goal": "<= 1", "note": "median of %d; %d vs %d images returned" % (repeat, ours_n, theirs_n)})
    glance_calls = len([c for c in calls if "/v2/images" in c["path"]])
    native_calls = len([c for c in calls if "/v2/cloudimages" in c["path"]])
    rows.append({"bench": "API calls for the above (all repeats)", "measured": native_calls,
                 "baseline": glance_calls, "ratio": native_calls / float(glance_calls or 1), "goal": "-",
                 "note": "ims_image_info: GET /v2/cloudimages (limit 500, server-side name filter); "
                         "openstacksdk: GET /v2/images pages (client-side name match)"})
    return rows


def _seconds(task):
    if task["status"] != "ok":
        raise RuntimeError("task %s failed: %s" % (task["task"], task["result"].get("msg")))
    return task["end"] - task["start"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    from run import print_table
    with Harness() as h:
        print_table(run(h, args.images, args.repeat))


if __name__ == "__main__":
    main()
