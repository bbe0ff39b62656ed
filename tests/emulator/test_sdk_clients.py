"""The emulator through the official SDK (huaweicloudsdkims, AK/SK) and through openstacksdk (password auth
against the emulator's IAM), with plain endpoint overrides (issue 8 point 8).

The SDK keeps only scheme://host:port of an endpoint, so it talks to the host-routed listeners
(serve.py --host-routed: one loopback port per service and region, each serving its API at the root).
openstacksdk finds IMS (Glance) through the token's catalog after Keystone version discovery at the IAM root.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import warnings

import pytest
import requests

from test_emulator import DEMO, HERE, PARTNER, REGION, project_id

ims_sdk = pytest.importorskip("huaweicloudsdkims.v2")
openstack = pytest.importorskip("openstack")
from huaweicloudsdkcore.auth.credentials import BasicCredentials  # noqa: E402
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException  # noqa: E402
from huaweicloudsdkcore.http.http_config import HttpConfig  # noqa: E402

JOB_SECONDS = 0.2


@pytest.fixture(scope="module")
def routed(tmp_path_factory):
    ready = tmp_path_factory.mktemp("emu-sdk") / "ready.json"
    proc = subprocess.Popen([sys.executable, os.path.join(HERE, "serve.py"), "--port", "0", "--host-routed",
                             "--ready-file", str(ready), "--job-seconds", str(JOB_SECONDS)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.time() + 15
    while not ready.exists():
        assert proc.poll() is None, proc.stdout.read().decode()
        assert time.time() < deadline, "emulator did not start"
        time.sleep(0.05)
    yield json.loads(ready.read_text())
    proc.terminate()
    proc.wait(timeout=10)
    proc.stdout.close()


def sdk_client(info, domain, region=REGION):
    cred = domain["credentials"][0]
    config = HttpConfig.get_default_config()
    config.retry_times = 0
    config.timeout = (5, 30)
    return ims_sdk.ImsClient.new_builder() \
        .with_credentials(BasicCredentials(cred["access"], cred["secret"], project_id(domain, region))) \
        .with_endpoints([info["routed"]["ims"][region]]) \
        .with_http_config(config) \
        .build()


def wait_job(client, job_id):
    """Polls ShowJobProgress (GET /v1/cloudimages/job/{id}), as the collection does; returns the ended job as
    the deprecated ShowJob gives it (JobEntities, with member results), which the emulator still serves."""
    deadline = time.time() + 10
    while time.time() < deadline:
        progress = client.show_job_progress(ims_sdk.ShowJobProgressRequest(job_id=job_id))
        assert isinstance(progress.entities, ims_sdk.JobProgressEntities)
        if progress.status in ("SUCCESS", "FAIL"):
            assert progress.job_id == job_id and progress.end_time and progress.begin_time
            assert progress.entities.process_percent == 1.0 or progress.status == "FAIL"
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                job = client.show_job(ims_sdk.ShowJobRequest(job_id=job_id))
            assert (job.status, job.job_type) == (progress.status, progress.job_type)
            return job
        assert progress.status in ("INIT", "RUNNING") and 0 <= progress.entities.process_percent < 1
        time.sleep(0.05)
    raise AssertionError("job %s did not end" % job_id)


def test_official_sdk_drives_every_operation_the_collection_uses(routed):
    requests.post(routed["url"] + "/_emulator/reset", timeout=10).raise_for_status()
    demo = sdk_client(routed, DEMO)
    partner = sdk_client(routed, PARTNER)
    partner_pid = project_id(PARTNER, REGION)

    listed = demo.list_images(ims_sdk.ListImagesRequest(name="demo-base-image", imagetype="private")).images
    assert [i.name for i in listed] == ["demo-base-image"]
    base = listed[0].id
    encrypted = demo.list_images(ims_sdk.ListImagesRequest(name="demo-encrypted-image")).images[0]
    assert encrypted.system__cmkid == "1dd34e35-5426-9d05-8494-92199ed2a0e4"
    shown = demo.glance_show_image(ims_sdk.GlanceShowImageRequest(image_id=base))
    assert shown.id == base and shown.status == "active"
    assert demo.list_os_versions(ims_sdk.ListOsVersionsRequest()).body
    assert demo.show_image_quota(ims_sdk.ShowImageQuotaRequest()).quotas.resources[0].type == "image"

    # create from OBS, job, update
    body = ims_sdk.CreateImageRequestBody(name="sdk-image", image_url="demo-images:centos-7.vhd", min_disk=40,
                                          os_version="CentOS 7.6 64bit",
                                          image_tags=[ims_sdk.TagKeyValue(key="src", value="sdk")])
    job = wait_job(demo, demo.create_image(ims_sdk.CreateImageRequest(body=body)).job_id)
    assert job.status == "SUCCESS"
    made = job.entities.image_id
    patched = demo.update_image(ims_sdk.UpdateImageRequest(image_id=made, body=[
        ims_sdk.UpdateImageRequestBody(op="add", path="/__description", value="via sdk")]))
    assert patched.description == "via sdk"

    # tags
    tags = [ims_sdk.ResourceTag(key="team", value="web"), ims_sdk.ResourceTag(key="env", value="prod")]
    demo.batch_add_or_delete_tags(ims_sdk.BatchAddOrDeleteTagsRequest(
        image_id=made, body=ims_sdk.BatchAddOrDeleteTagsRequestBody(action="create", tags=tags)))
    demo.add_image_tag(ims_sdk.AddImageTagRequest(image_id=made, body=ims_sdk.AddImageTagRequestBody(
        tag=ims_sdk.ResourceTag(key="owner", value="ops"))))
    demo.delete_image_tag(ims_sdk.DeleteImageTagRequest(image_id=made, key="src"))
    listed_tags = demo.list_image_tags(ims_sdk.ListImageTagsRequest(image_id=made)).tags
    assert sorted((t.key, t.value) for t in listed_tags) == [("env", "prod"), ("owner", "ops"), ("team", "web")]

    # members: add, read three ways, accept as the partner, remove
    job = wait_job(demo, demo.batch_add_members(ims_sdk.BatchAddMembersRequest(
        body=ims_sdk.BatchAddMembersRequestBody(images=[base], projects=[partner_pid]))).job_id)
    assert job.status == "SUCCESS" and job.entities.results[0].project_id == partner_pid
    members = demo.glance_list_image_members(ims_sdk.GlanceListImageMembersRequest(image_id=base)).members
    assert [m.member_id for m in members] == [partner_pid]
    assert demo.glance_show_image_member(ims_sdk.GlanceShowImageMemberRequest(
        image_id=base, member_id=partner_pid)).status == "pending"
    assert demo.show_image_member(ims_sdk.ShowImageMemberRequest(image_id=base, member_id=partner_pid)).status == "pending"
    job = wait_job(partner, partner.batch_update_members(ims_sdk.BatchUpdateMembersRequest(
        body=ims_sdk.BatchUpdateMembersRequestBody(images=[base], project_id=partner_pid, status="accepted"))).job_id)
    assert job.status == "SUCCESS"
    assert partner.show_image_member(ims_sdk.ShowImageMemberRequest(image_id=base, member_id=partner_pid)).status == "accepted"
    job = wait_job(demo, demo.batch_delete_members(ims_sdk.BatchDeleteMembersRequest(
        body=ims_sdk.BatchAddMembersRequestBody(images=[base], projects=[partner_pid]))).job_id)
    assert job.status == "SUCCESS"

    # errors reach the SDK as its exception with the service's code
    with pytest.raises(ClientRequestException) as info:
        demo.show_image_member(ims_sdk.ShowImageMemberRequest(image_id=base, member_id=partner_pid))
    assert info.value.status_code == 404 and info.value.error_code == "IMG.0114"

    demo.glance_delete_image(ims_sdk.GlanceDeleteImageRequest(image_id=made, body=ims_sdk.GlanceDeleteImageRequestBody()))
    # Deletion is asynchronous (delete_delay): the image leaves the listings a little later.
    deadline = time.monotonic() + 15
    while demo.list_images(ims_sdk.ListImagesRequest(id=made)).images:
        assert time.monotonic() < deadline
        time.sleep(0.2)


def test_openstacksdk_password_auth_image_list_show_and_members(routed):
    requests.post(routed["url"] + "/_emulator/reset", timeout=10).raise_for_status()
    user = DEMO["users"][0]
    conn = openstack.connect(
        auth_type="password", auth={"auth_url": routed["url"] + "/iam/v3", "username": user["name"],
                                    "password": user["password"], "user_domain_name": DEMO["name"],
                                    "project_name": REGION, "project_domain_name": DEMO["name"]},
        region_name=REGION, image_api_version="2", verify=False, load_yaml_config=False, load_envvars=False)
    names = {image.name for image in conn.image.images()}
    assert "demo-base-image" in names and "CentOS 7.6 64bit" in names
    base = conn.image.find_image("demo-base-image")
    shown = conn.image.get_image(base.id)
    assert shown.id == base.id and shown.status == "active"
    partner_pid = project_id(PARTNER, REGION)
    member = conn.image.add_member(base.id, member=partner_pid)
    assert member.status == "pending"
    assert [m.member_id for m in conn.image.members(base.id)] == [partner_pid]
    assert conn.image.get_member(partner_pid, base.id).member_id == partner_pid
    conn.image.remove_member(partner_pid, base.id)
    assert list(conn.image.members(base.id)) == []
    # the same emulator through the host-routed IAM listener: the catalog then names the routed IMS listener
    resp = requests.get(routed["routed"]["iam"] + "/", timeout=10)
    assert resp.status_code == 300 and resp.json()["versions"]["values"][0]["id"] == "v3.0"
