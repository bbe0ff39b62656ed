"""The emulator is at least as strict as real IMS: attribute names, tag API, documented limits, OS table, job
results and error shapes (issue 8, points 2-7). Each test names the reference section or SDK model it follows;
tests/emulator/FIDELITY.md maps them."""
from __future__ import annotations

import http.client
import json
import os
from urllib.parse import urlsplit

import yaml

# fixtures are used by name
from test_emulator import (  # noqa: F401  pylint: disable=unused-import
    DEMO, HERE, PARTNER, REGION, create_from_obs, demo, emu, fresh, http as http_call, partner, sign,
)
from ims_emulator.util import OS_VERSIONS

ATTRIBUTES = yaml.safe_load(open(os.path.join(HERE, "attributes.yml"), encoding="utf-8"))
SEED_IMAGE = "demo-base-image"
ENCRYPTED = "demo-encrypted-image"
KMS_KEY = "1dd34e35-5426-9d05-8494-92199ed2a0e4"
INSTANCE = "798d4121-4c6f-28dd-f97b-829465e0cafc"


def seed_id(client, name=SEED_IMAGE):
    return client.images(name=name)[0]["id"]


def assert_error(resp, status, code):
    """The documented IMS v2 error shape: HTTP status plus {"error": {"code", "message"}}."""
    assert resp.status_code == status, (resp.status_code, resp.text)
    body = resp.json()
    assert set(body) == {"error"} and body["error"]["code"] == code and body["error"]["message"], body


# ------------------------------------------------------------------ point 2: attribute names

def test_attribute_names_as_the_service_spells_them(demo):
    encrypted = demo.images(name=ENCRYPTED)[0]
    assert encrypted["__system__cmkid"] == KMS_KEY and "__system_cmkid" not in encrypted
    job = demo.wait_job(demo.call("POST", "/v2/cloudimages/action", json={
        "name": "from-ecs", "instance_id": INSTANCE}).json()["job_id"])
    made = demo.images(name="from-ecs")[0]
    assert job["status"] == "SUCCESS" and "__originalimagename" in made and "__originalimage_name" not in made
    copy_job = demo.wait_job(demo.call("POST", "/v1/cloudimages/%s/copy" % made["id"], json={"name": "copied"}).json()["job_id"])
    assert copy_job["status"] == "SUCCESS"
    assert demo.images(name="copied")[0]["__originalimagename"] == made["id"]
    glance = demo.call("GET", "/v2/images/%s" % encrypted["id"]).json()
    assert glance["__system__cmkid"] == KMS_KEY
    # every attribute of every image either API shows is in the attribute table (attributes.yml)
    upload = demo.call("POST", "/v2/images", json={"name": "meta", "min_disk": 40}).json()
    seen = set()
    for image in demo.images() + [glance, upload]:
        seen.update(image)
    assert seen - set(ATTRIBUTES) == set()


# ------------------------------------------------------------------ point 3: tags

def test_ims_tag_api(demo):
    image = seed_id(demo)
    base = "/v2/%s/images/%s/tags" % (demo.project_id, image)
    assert demo.call("GET", base).json() == {"tags": [{"key": "env", "value": "test"}]}
    resp = demo.call("POST", base + "/action", json={"action": "create", "tags": [
        {"key": "team", "value": "web"}, {"key": "env", "value": "prod"}, {"key": "empty", "value": ""}]})
    assert resp.status_code == 204, resp.text
    assert sorted((t["key"], t["value"]) for t in demo.call("GET", base).json()["tags"]) == [
        ("empty", ""), ("env", "prod"), ("team", "web")]
    # the image record shows them as "key=value", the form the tag filter of 5.1.1 takes
    assert demo.images(tag="env=prod")[0]["id"] == image
    assert demo.call("POST", base + "/action", json={"action": "delete", "tags": [{"key": "team"}]}).status_code == 204
    assert demo.call("POST", base, json={"tag": {"key": "owner", "value": "ops"}}).status_code == 204
    assert demo.call("DELETE", base + "/empty").status_code == 204
    assert sorted(t["key"] for t in demo.call("GET", base).json()["tags"]) == ["env", "owner"]
    # limits of 9.2: key 1-36, value 0-43 characters of the documented classes, at most 10 tags
    for bad in ({"key": "k" * 37, "value": ""}, {"key": "a b", "value": ""}, {"key": "k", "value": "v" * 44},
                {"key": "k", "value": "a/b"}, {"key": "", "value": "x"}):
        assert_error(demo.call("POST", base + "/action", json={"action": "create", "tags": [bad]}), 400, "IMG.0115")
    many = [{"key": "k%d" % i, "value": ""} for i in range(9)]
    assert_error(demo.call("POST", base + "/action", json={"action": "create", "tags": many}), 400, "IMG.0116")
    assert_error(demo.call("POST", base + "/action", json={"action": "replace", "tags": many[:1]}), 400, "IMG.0001")
    # project in the path must be the caller's
    other = "/v2/%s/images/%s/tags" % (PARTNER["projects"][0]["id"], image)
    assert_error(demo.call("GET", other), 403, "IMG.0030")


def test_glance_tags_cannot_hold_key_value_pairs(demo):
    assert_error(demo.call("POST", "/v2/images", json={"name": "g", "tags": ["env=prod"]}), 400, "IMG.0115")
    image = demo.call("POST", "/v2/images", json={"name": "g", "tags": ["plain"]}).json()
    assert image["tags"] == ["plain"]
    assert_error(demo.call("PUT", "/v2/images/%s/tags/a=b" % image["id"]), 400, "IMG.0115")
    resp = demo.call("PATCH", "/v2/images/%s" % seed_id(demo), data=json.dumps([
        {"op": "replace", "path": "/tags", "value": ["env=prod"]}]),
        headers={"Content-Type": "application/openstack-images-v2.1-json-patch"})
    assert_error(resp, 400, "IMG.0115")


# ------------------------------------------------------------------ point 4: documented limits

def _raw(method, url, headers):
    """Send only a request head (no body) and read the answer: the checks on Content-Length come first."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    conn.putrequest(method, parts.path + ("?" + parts.query if parts.query else ""), skip_accept_encoding=True)
    for key, value in headers.items():
        conn.putheader(key, value)
    conn.endheaders()
    resp = conn.getresponse()
    body = json.loads(resp.read() or b"{}")
    conn.close()
    return resp.status, body


def test_documented_limits(demo):
    # 6.1.6: disk_format zvhd2, vhd, raw, qcow2, iso only; min_disk 40-255
    for fmt in ("vmdk", "zvhd", "vhdx", "qcow"):
        assert_error(demo.call("POST", "/v2/images", json={"name": "f", "disk_format": fmt}), 400, "IMG.0072")
    for fmt in ("zvhd2", "vhd", "raw", "qcow2", "iso"):
        assert demo.call("POST", "/v2/images", json={"name": "f", "disk_format": fmt}).status_code == 201
    assert_error(demo.call("POST", "/v2/images", json={"name": "f", "min_disk": 39}), 400, "IMG.0055")
    assert_error(demo.call("POST", "/v2/images", json={"name": "f", "min_disk": 256}), 400, "IMG.0055")
    # 5.1.8: export file formats
    resp = demo.call("POST", "/v1/cloudimages/%s/file" % seed_id(demo), json={
        "bucket_url": "demo-exports:x.raw", "file_format": "raw"})
    assert_error(resp, 400, "IMG.0072")
    # 6.1.4: uploads through the Glance API are smaller than 2 GB
    image = demo.call("POST", "/v2/images", json={"name": "big"}).json()
    url = "%s/ims/%s/v2/images/%s/file" % (demo.url, REGION, image["id"])
    status, body = _raw("PUT", url, {"X-Auth-Token": demo.token, "Content-Type": "application/octet-stream",
                                     "Content-Length": str(2 * 1024 ** 3)})
    assert (status, body["error"]["code"]) == (400, "IMG.0059")
    assert demo.call("GET", "/v2/images/%s" % image["id"]).json()["status"] == "queued"
    # API gateway: AK/SK-signed bodies of more than 12 MB are refused (413 APIGW.0201) unless UNSIGNED-PAYLOAD
    cred = DEMO["credentials"][0]
    size = str(12 * 1024 * 1024 + 1)
    headers = sign("PUT", url, {"X-Project-Id": demo.project_id, "Content-Type": "application/octet-stream"},
                   b"", cred["access"], cred["secret"], unsigned_payload=False)
    status, body = _raw("PUT", url, dict(headers, **{"Content-Length": size}))
    assert (status, body["error"]["code"]) == (413, "APIGW.0201")
    curl = "%s/ims/%s/v2/cloudimages/action" % (demo.url, REGION)
    headers = sign("POST", curl, {"X-Project-Id": demo.project_id, "Content-Type": "application/json"}, b"",
                   cred["access"], cred["secret"])
    status, body = _raw("POST", curl, dict(headers, **{"Content-Length": size}))
    assert (status, body["error"]["code"]) == (413, "APIGW.0201")


# ------------------------------------------------------------------ point 5: OS table and input rules

def test_os_versions_are_the_reference_table(demo):
    listed = {v["os_version"] for group in demo.call("GET", "/v1/cloudimages/os_version").json()
              for v in group["version_list"]}
    assert listed == {v for versions in OS_VERSIONS.values() for v in versions}
    # versions table 9-1 lists that an older emulator refused, and invented ones it accepted
    for version in ("Oracle Linux Server release 7.3 64bit", "Ubuntu 16.04.5 server 64bit", "CentOS 6.3 32bit",
                    "NeoKylin Server release 5.0 U2 64bit"):
        assert version in listed
    for version in ("Ubuntu 22.04 server 64bit", "CentOS 7.9 64bit", "Windows Server 2022 Datacenter 64bit",
                    "Other Windows(64 bit)"):
        assert version not in listed
        resp = demo.call("POST", "/v2/cloudimages/action", json={
            "name": "os", "image_url": "demo-images:centos-7.vhd", "min_disk": 40, "os_version": version})
        assert_error(resp, 400, "IMG.0056")
        assert_error(demo.call("POST", "/v2/images", json={"name": "os", "__os_version": version}), 400, "IMG.0056")


def test_input_rules_of_create(demo):
    def create(**body):
        base = {"name": "rules", "image_url": "demo-images:centos-7.vhd", "min_disk": 40}
        base.update(body)
        return demo.call("POST", "/v2/cloudimages/action", json=base)
    # 9.1 names: letters, digits, - . _ and inner spaces; no Chinese, no leading/trailing space, 1-128
    for name in (u"镜像", " lead", "trail ", "a/b", "x" * 129):
        assert create(name=name).status_code == 400
    assert create(name="ok name-1.2_x").status_code == 200
    # 5.1.3: min_disk 40-255 for a converted file; os_type Linux, Windows or Other
    assert_error(create(min_disk=39), 400, "IMG.0055")
    assert_error(create(min_disk=256), 400, "IMG.0055")
    assert_error(create(os_type="Solaris"), 400, "IMG.0122")
    assert_error(create(os_type="Windows"), 400, "IMG.0056")
    job = demo.wait_job(create(name="other-os", os_type="Other").json()["job_id"])
    other = demo.images(name="other-os")[0]
    assert job["status"] == "SUCCESS" and other["__os_type"] == "Other" and other["__os_version"] == "Other(32 bit)"
    # enterprise_project_id: "0" or a UUID
    assert_error(create(enterprise_project_id="not-a-project"), 400, "IMG.0001")
    assert create(name="eps", enterprise_project_id="0").status_code == 200


# ------------------------------------------------------------------ point 6: job results

def test_member_job_partial_failure_and_failed_job_shape(demo, partner):
    image = seed_id(demo)
    http_call("POST", demo.url + "/_emulator/config", json={"fail_members": [
        {"project_id": partner.project_id, "error_code": "IMG.0108"}]}).raise_for_status()
    body = {"images": [image], "projects": [partner.project_id]}
    job = demo.wait_job(demo.call("POST", "/v1/cloudimages/members", json=body).json()["job_id"])
    assert job["status"] == "FAIL" and job["error_code"] == "IMG.0108" and partner.project_id in job["fail_reason"]
    assert job["entities"]["results"] == [{"image_id": image, "project_id": partner.project_id, "status": "failed"}]
    assert job["entities"]["error_code"] == "IMG.0108" and job["entities"]["error"] == job["fail_reason"]
    assert demo.call("GET", "/v2/images/%s/members" % image).json()["members"] == []
    # the knob was consumed: the same call now succeeds
    job = demo.wait_job(demo.call("POST", "/v1/cloudimages/members", json=body).json()["job_id"])
    assert job["status"] == "SUCCESS" and job["entities"]["results"][0]["status"] == "success"
    # a failed creation job carries error_code and fail_reason at the top and in entities (SDK JobEntities)
    http_call("POST", demo.url + "/_emulator/config", json={"fail_jobs": [
        {"job_type": "imsImportImageJob", "error_code": "IMG.0057", "fail_reason": "bad file"}]}).raise_for_status()
    job = demo.wait_job(create_from_obs(demo, "doomed"))
    assert (job["status"], job["error_code"], job["fail_reason"]) == ("FAIL", "IMG.0057", "bad file")
    assert (job["entities"]["error_code"], job["entities"]["error"]) == ("IMG.0057", "bad file")


def test_job_progress_path_has_the_sdk_progress_shape(demo, partner):
    """GET /v1/cloudimages/job/{job_id} (SDK ShowJobProgress, replacing the deprecated ShowJob): the same top
    level, entities limited to JobProgressEntities (no member results, no error details there); the old path
    still answers with JobEntities."""
    progress_entities = {"image_id", "current_task", "image_name", "process_percent", "subJobId",
                         "sub_jobs_result", "sub_jobs_list"}
    top = {"status", "job_id", "job_type", "begin_time", "end_time", "error_code", "fail_reason", "entities"}
    body = {"images": [seed_id(demo)], "projects": [partner.project_id]}
    job_id = demo.call("POST", "/v1/cloudimages/members", json=body).json()["job_id"]
    full = demo.wait_job(job_id)
    progress = demo.call("GET", "/v1/cloudimages/job/%s" % job_id).json()
    assert set(progress) == top and set(progress["entities"]) <= progress_entities
    assert progress["status"] == full["status"] == "SUCCESS" and "results" in full["entities"]
    http_call("POST", demo.url + "/_emulator/config", json={"fail_jobs": [
        {"job_type": "imsImportImageJob", "error_code": "IMG.0057", "fail_reason": "bad file"}]}).raise_for_status()
    job_id = create_from_obs(demo, "doomed-progress")
    demo.wait_job(job_id)
    failed = demo.call("GET", "/v1/cloudimages/job/%s" % job_id).json()
    assert (failed["status"], failed["error_code"], failed["fail_reason"]) == ("FAIL", "IMG.0057", "bad file")
    assert set(failed["entities"]) <= progress_entities
    # another project's job is not found on either path
    assert_error(partner.call("GET", "/v1/cloudimages/job/%s" % job_id), 404, "IMG.0023")


# ------------------------------------------------------------------ point 7: error shapes

def test_error_codes_the_collection_relies_on(demo, partner):
    image = seed_id(demo)
    encrypted = seed_id(demo, ENCRYPTED)
    members = "/v1/cloudimages/members"
    assert_error(demo.call("POST", members, json={"images": [image], "projects": [demo.project_id]}), 400, "IMG.0076")
    assert_error(demo.call("POST", members, json={"images": [encrypted], "projects": [partner.project_id]}), 400, "IMG.0098")
    assert_error(demo.call("PATCH", "/v2/cloudimages/%s" % image, json=[
        {"op": "replace", "path": "/max_ram", "value": 1024}]), 400, "IMG.0035")
    assert_error(demo.call("POST", "/v1/cloudimages/%s/cross_region_copy" % encrypted, json={
        "name": "x", "region": "cn-east-3", "project_name": "cn-east-3", "agency_name": "ims_admin_agency"}),
        400, "IMG.0143")
    assert_error(demo.call("POST", "/v1/cloudimages/%s/cross_region_copy" % image, json={
        "name": "x", "region": REGION, "project_name": REGION, "agency_name": "ims_admin_agency"}), 400, "IMG.0142")
    queued = demo.call("POST", "/v2/images", json={"name": "q"}).json()["id"]
    assert_error(demo.call("PUT", "/v1/cloudimages/%s/upload" % image, json={"image_url": "demo-images:centos-7.vhd"}),
                 400, "IMG.1075")
    assert demo.call("PUT", "/v1/cloudimages/%s/upload" % queued, json={"image_url": "demo-images:centos-7.vhd"}).status_code == 200
    assert_error(demo.call("PUT", "/v1/cloudimages/%s/upload" % queued, json={"image_url": "demo-images:centos-7.vhd"}),
                 400, "IMG.0046")
    assert_error(demo.call("GET", "/v1/%s/jobs/%s" % (demo.project_id, "0" * 32)), 404, "IMG.0023")
    assert_error(demo.call("GET", "/v2/images/%s" % ("0" * 8 + "-0000-0000-0000-" + "0" * 12)), 404, "IMG.0027")
    # gateway and IAM shapes
    resp = http_call("GET", "%s/ims/%s/v2/cloudimages" % (demo.url, REGION), headers={"X-Auth-Token": "bogus"})
    assert_error(resp, 401, "APIGW.0301")
    resp = http_call("POST", demo.url + "/iam/v3/auth/tokens", json={"auth": {"identity": {"methods": ["password"], "password": {
        "user": {"name": "demo_user", "password": "wrong", "domain": {"name": "demo"}}}}}})
    assert resp.status_code == 401 and resp.json()["error"]["code"] == 401 and resp.json()["error"]["title"]


def test_user_modifiable_attributes_take_their_documented_values_only(demo):
    """5.1.2 lists what PATCH /v2/cloudimages may change; 9.1 and tables 9-2/9-3 give the values (the __support_*
    flags are "true" or absent). Documented values pass, anything else is refused; custom properties pass."""
    image = seed_id(demo)
    good = [("hw_firmware_type", "uefi"), ("hw_vif_multiqueue_enabled", "true"), ("__is_config_init", "false"),
            ("__support_xen", "true"), ("__support_kvm_gpu_type", "V100"), ("__support_xen_gpu_type", "M60_vGPU"),
            ("__support_diskintensive", "true"), ("__support_highperformance", "true"), ("build", "42")]
    for attr, value in good:
        resp = demo.call("PATCH", "/v2/cloudimages/%s" % image, json=[{"op": "add", "path": "/" + attr, "value": value}])
        assert resp.status_code == 200, (attr, resp.text)
        assert resp.json()[attr] == value
    for attr, value, code in (("hw_firmware_type", "efi", "IMG.0141"), ("__support_xen", "false", "IMG.0001"),
                              ("__is_config_init", "yes", "IMG.0001"), ("hw_vif_multiqueue_enabled", "1", "IMG.0001"),
                              ("__support_kvm_gpu_type", "A100", "IMG.0001"), ("__support_arm", "true", "IMG.0001")):
        assert_error(demo.call("PATCH", "/v2/cloudimages/%s" % image, json=[
            {"op": "add", "path": "/" + attr, "value": value}]), 400, code)
    resp = demo.call("PATCH", "/v2/cloudimages/%s" % image, json=[{"op": "remove", "path": "/__support_xen"}])
    assert resp.status_code == 200 and "__support_xen" not in resp.json(), resp.text
