"""(a) API calls of an idempotent re-run, per role and per module: run the play once to create everything,
then again, and count the second run's calls from the emulator's call log (goal: one IMS read per resource,
no write). IAM calls (project id lookups, one per module run with AK/SK and no project_id) are shown apart.

    python3 tests/bench/idempotency.py
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _harness import AGENCY, Harness  # noqa: E402

OS = "Ubuntu 18.04 server 64bit"
BASE = "demo-base-image"
KMS_KEY = "1dd34e35-5426-9d05-8494-92199ed2a0e4"


def scenarios(h):
    """(label, tasks, resources, module runs per idempotent play)."""
    partner = h.project_id("partner")
    partner_auth = {"access_key": h.account("partner")["credentials"][0]["access"],
                    "secret_key": h.account("partner")["credentials"][0]["secret"]}
    return [
        ("role ims_import (1 image)", [
            {"name": "import", "ansible.builtin.include_role": {"name": "huaweicloud.cloud.ims_import"},
             "vars": {"ims_import_name": "bench-import", "ims_import_image_url": "demo-images:ubuntu-22.04.qcow2",
                      "ims_import_os_version": OS, "ims_import_tags": {"app": "web"},
                      "ims_import_description": "bench"}}], 1),
        ("role ims_share (2 images + 2 memberships, consumer accepts)", [
            {"name": "share", "ansible.builtin.include_role": {"name": "huaweicloud.cloud.ims_share"},
             "vars": {"ims_share_images": [BASE, "demo-large-image"], "ims_share_projects": [partner],
                      "ims_share_consumer_status": "accepted", "ims_share_consumer_auth": partner_auth}}], 4),
        ("role ims_replicate (source + 2 regions + 1 in-region copy)", [
            {"name": "replicate", "ansible.builtin.include_role": {"name": "huaweicloud.cloud.ims_replicate"},
             "vars": {"ims_replicate_image": BASE, "ims_replicate_regions": ["cn-east-3", "cn-south-1"],
                      "ims_replicate_agency_name": AGENCY,
                      "ims_replicate_in_region": [{"name": BASE + "-enc", "cmk_id": KMS_KEY}]}}], 4),
        ("module ims_image (by name, tags)", [
            {"name": "image", "huaweicloud.cloud.ims_image": {
                "name": "bench-module", "image_url": "demo-images:centos-7.vhd", "min_disk": 40, "os_version": OS,
                "tags": {"a": "1", "b": "2"}, "description": "bench"}}], 1),
        ("module ims_image (by id, update)", [
            {"name": "image", "huaweicloud.cloud.ims_image": {
                "id": "9a793556-da87-8230-4fb6-96e0a831ae0d", "tags": {"env": "test"}, "description": "bench"}}], 1),
        ("module ims_image_member (1 image + 1 membership)", [
            {"name": "member", "huaweicloud.cloud.ims_image_member": {"images": [BASE], "projects": [partner]}}], 2),
        ("module ims_image_copy (source + cross-region copy)", [
            {"name": "copy", "huaweicloud.cloud.ims_image_copy": {
                "image": BASE, "name": BASE, "target_region": "cn-east-3", "agency_name": AGENCY}}], 2),
        ("module ims_image_copy (source + in-region copy)", [
            {"name": "copy", "huaweicloud.cloud.ims_image_copy": {"image": BASE, "name": BASE + "-copy"}}], 2),
        ("module ims_image_info (names=[1 image])", [
            {"name": "info", "huaweicloud.cloud.ims_image_info": {"names": [BASE]}}], 1),
        ("module ims_job (1 finished job)", [
            {"name": "job", "huaweicloud.cloud.ims_job": {"job_id": "{{ bench_job_id }}", "wait": True}}], 1),
    ]


def _job_id(h):
    """A finished job to look up (from an in-region copy)."""
    run = h.run(h.play([{"name": "copy", "huaweicloud.cloud.ims_image_copy": {
        "image": BASE, "name": "bench-job-source"}, "register": "copied"}]))
    return run.task("copy")["result"]["job_id"]


def _repeated(reads):
    """Where reads beyond one per resource go: the same query repeated, several filters on one name."""
    seen = {}
    for call in reads:
        query = "&".join(sorted(part for part in call["query"].split("&")
                                if not part.startswith(("limit=", "member_status="))))
        key = call["path"].split("/", 3)[-1] + "?" + query
        seen.setdefault(key, []).append(call)
    notes = []
    for key, calls in sorted(seen.items()):
        if len(calls) > 1:
            filters = set(c["query"] for c in calls)
            what = "%d filter variants" % len(filters) if len(filters) > 1 else "repeated"
            notes.append("%dx %s (%s)" % (len(calls), key.split("?")[0].split("/", 1)[-1] + "?" +
                                          key.split("?")[1][:40], what))
    return notes


def run(h):
    rows = []
    for label, tasks, resources in scenarios(h):
        h.reset(job_seconds=0.2)
        extra = {"bench_job_id": _job_id(h)} if "ims_job" in label else None
        h.run(h.play(tasks), extra_vars=extra)
        h.clear_calls()
        second = h.run(h.play(tasks), extra_vars=extra)
        changed = [t["task"] for t in second.tasks if t["result"].get("changed")]
        calls = h.calls()
        ims = [c for c in calls if c["path"].startswith("/ims/")]
        reads = [c for c in ims if c["method"] in ("GET", "HEAD")]
        writes = [c for c in ims if c["method"] not in ("GET", "HEAD")]
        iam = [c for c in calls if c["path"].startswith("/iam/")]
        modules = len([t for t in second.tasks if t["action"].startswith("huaweicloud.cloud.")])
        note = "%d IMS reads, %d writes, %d IAM calls, %d module runs" % (len(reads), len(writes), len(iam), modules)
        repeated = _repeated(reads)
        if repeated:
            note += "; extra reads: " + ", ".join(repeated)
        if changed or writes:
            note += "; NOT IDEMPOTENT: changed %s, writes %s" % (changed, [(c["method"], c["path"]) for c in writes])
        rows.append({"bench": "re-run calls/resource: " + label, "measured": len(reads) / float(resources),
                     "baseline": 1.0, "ratio": len(reads) / float(resources), "goal": "1 read/resource", "note": note})
    return rows


def main():
    from run import print_table
    with Harness() as h:
        print_table(run(h))


if __name__ == "__main__":
    main()
