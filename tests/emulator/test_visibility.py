"""Late visibility and asynchronous deletion in the emulator (issue 8 point 1): a new image is not listed for
``visibility_delay`` seconds after the call that made it, its job reports SUCCESS only once it is listed, and a
deleted image stays listed for ``delete_delay`` seconds. Defaults are on; knobs via /_emulator/config and CLI."""
from __future__ import annotations

import os
import sys
import time

import pytest
import requests

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from ims_emulator.state import World  # noqa: E402
from test_emulator import (  # noqa: E402,F401  pylint: disable=unused-import
    DEMO, JOB_SECONDS, Client, create_from_obs, emu, fresh, http,
)

DELAY = 0.8


@pytest.fixture
def late(fresh):
    """The demo account on an emulator with late visibility and async delete on."""
    http("POST", fresh + "/_emulator/config",
         json={"visibility_delay": DELAY, "delete_delay": DELAY}).raise_for_status()
    return Client(fresh, DEMO)


def job_status(client, job_id):
    return client.call("GET", "/v1/%s/jobs/%s" % (client.project_id, job_id)).json()["status"]


def test_defaults_are_realistic_and_knobs_are_exposed(emu):
    world = World(os.path.join(HERE, "default.yml"))
    # A listing right after a POST or a DELETE must see the old picture with the shipped defaults.
    assert world.visibility_delay >= 1 and world.delete_delay >= 1
    cli = World(os.path.join(HERE, "default.yml"), visibility_delay=0.25, delete_delay=0)
    assert (cli.visibility_delay, cli.delete_delay) == (0.25, 0)
    cli.reset()
    assert (cli.visibility_delay, cli.delete_delay) == (0.25, 0)
    http("POST", emu + "/_emulator/reset").raise_for_status()
    answer = http("POST", emu + "/_emulator/config", json={"visibility_delay": 2.5, "delete_delay": 1.5}).json()
    assert (answer["visibility_delay"], answer["delete_delay"]) == (2.5, 1.5)
    assert http("GET", emu + "/_emulator/config").json()["visibility_delay"] == 2.5
    http("POST", emu + "/_emulator/reset").raise_for_status()
    # The module's emulator was started with --visibility-delay 0 --delete-delay 0: reset keeps the CLI values.
    assert http("GET", emu + "/_emulator/config").json()["delete_delay"] == 0


def test_new_image_is_listed_late_and_its_job_ends_only_once_listed(late):
    job_id = create_from_obs(late, "late-image")
    started = time.monotonic()
    assert late.images(name="late-image") == []
    seen_success_unlisted = False
    while True:
        status = job_status(late, job_id)
        listed = late.images(name="late-image")
        if status == "SUCCESS" and not listed:
            seen_success_unlisted = True
        if status == "SUCCESS":
            break
        if not listed:
            assert time.monotonic() - started < DELAY + 0.2
        assert time.monotonic() - started < 10
        time.sleep(0.05)
    assert not seen_success_unlisted
    assert time.monotonic() - started >= DELAY - 0.05 > JOB_SECONDS
    [image] = late.images(name="late-image")
    assert image["status"] == "active"
    state = http("GET", late.url + "/_emulator/state").json()
    records = state["regions"]["cn-north-4"]["projects"][late.project_id]["images"]
    assert [r["listed"] for r in records if r["props"]["name"] == "late-image"] == [True]


def test_metadata_image_is_readable_by_id_but_listed_late(late):
    resp = late.call("POST", "/v2/images", json={"name": "late-meta", "disk_format": "qcow2"})
    assert resp.status_code == 201
    image_id = resp.json()["id"]
    assert late.call("GET", "/v2/images/%s" % image_id).status_code == 200
    assert late.images(name="late-meta") == [] and late.images(id=image_id) == []
    assert late.call("GET", "/v2/images", params={"name": "late-meta"}).json()["images"] == []
    time.sleep(DELAY + 0.1)
    assert [i["status"] for i in late.images(name="late-meta")] == ["queued"]


def test_delete_is_asynchronous(late):
    job_id = create_from_obs(late, "doomed")
    late.wait_job(job_id)
    [image] = late.images(name="doomed")
    assert late.call("DELETE", "/v2/images/%s" % image["id"]).status_code == 204
    # Still listed, as it was, right after the DELETE; a second DELETE is accepted too.
    assert [i["status"] for i in late.images(name="doomed")] == ["active"]
    assert late.call("DELETE", "/v2/images/%s" % image["id"]).status_code == 204
    state = http("GET", late.url + "/_emulator/state").json()
    records = state["regions"]["cn-north-4"]["projects"][late.project_id]["images"]
    assert [r["deleting"] for r in records if r["id"] == image["id"]] == [True]
    deadline = time.monotonic() + 5
    while late.images(name="doomed"):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert late.call("GET", "/v2/images/%s" % image["id"]).status_code == 404


def test_failed_register_leaves_no_queued_image_to_wait_on(late):
    """A register job that fails ends its image in ``killed`` (a final status nobody waits on), never
    ``queued``; the creating task is the one that deletes it (see the collection's tests)."""
    resp = late.call("POST", "/v2/images", json={"name": "reg-fail", "disk_format": "qcow2"})
    image_id = resp.json()["id"]
    http("POST", late.url + "/_emulator/config", json={"fail_jobs": [
        {"job_type": "imsNativeImportImageJob", "error_code": "IMS.0123", "fail_reason": "boom"}]}).raise_for_status()
    resp = late.call("PUT", "/v1/cloudimages/%s/upload" % image_id, json={"image_url": "demo-images:ubuntu-22.04.qcow2"})
    assert resp.status_code == 200, resp.text
    assert late.wait_job(resp.json()["job_id"])["status"] == "FAIL"
    assert late.call("GET", "/v2/images/%s" % image_id).json()["status"] == "killed"


def test_targeted_fault_drops_the_answer_after_the_effect(late):
    """``faults.rules`` loses the answer of one chosen call after the service acted (the proxy of issue 17)."""
    http("POST", late.url + "/_emulator/config", json={"faults": {"rules": [
        {"method": "POST", "path": r"/v2/images$", "kind": "drop", "when": "after", "times": 1}]}}).raise_for_status()
    with pytest.raises(requests.exceptions.ConnectionError):
        late.call("POST", "/v2/images", json={"name": "lost-answer"})
    assert late.call("POST", "/v2/images", json={"name": "lost-answer"}).status_code == 201
    time.sleep(DELAY + 0.1)
    assert len(late.images(name="lost-answer")) == 2
    calls = http("GET", late.url + "/_emulator/calls").json()
    assert [c["fault"] for c in calls if c["path"].endswith("/v2/images") and c["method"] == "POST"] == ["drop", None]
