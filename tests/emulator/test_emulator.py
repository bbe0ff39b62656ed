"""Self-test of the IMS + IAM emulator: starts serve.py and talks to it over HTTP."""
from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import os
import subprocess
import sys
import time
from urllib.parse import quote, unquote, urlsplit

import pytest
import requests
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
CONFIG = yaml.safe_load(open(os.path.join(HERE, "default.yml"), encoding="utf-8"))
DEMO, PARTNER = CONFIG["domains"][0], CONFIG["domains"][1]
REGION, EAST = "cn-north-4", "cn-east-3"
JOB_SECONDS = 0.2


def project_id(domain, region):
    return next(p["id"] for p in domain["projects"] if p["region"] == region)


# ------------------------------------------------------------------ client-side signer (independent of the server)

def _q(text):
    return quote(text, safe="~")


def sign(method, url, headers, body, ak, sk, when=None, unsigned_payload=True):
    parts = urlsplit(url)
    headers = dict(headers)
    headers["X-Sdk-Date"] = (when or datetime.datetime.now(datetime.timezone.utc)).strftime("%Y%m%dT%H%M%SZ")
    headers["Host"] = parts.netloc
    ctype = headers.get("Content-Type")
    if unsigned_payload and ctype and not ctype.startswith("application/json"):
        headers["X-Sdk-Content-Sha256"] = "UNSIGNED-PAYLOAD"
    pairs = []
    for item in parts.query.split("&") if parts.query else []:
        key, _sep, value = item.partition("=")
        pairs.append((unquote(key), unquote(value)))
    query = "&".join("%s=%s" % (_q(k), _q(v)) for k, v in sorted(pairs))
    path = "/".join(_q(seg) for seg in unquote(parts.path).split("/"))
    if not path.endswith("/"):
        path += "/"
    names = sorted(k.lower() for k in headers if "_" not in k)
    lower = {k.lower(): v for k, v in headers.items()}
    canon_headers = "".join("%s:%s\n" % (n, lower[n].strip()) for n in names)
    payload = headers.get("X-Sdk-Content-Sha256") or hashlib.sha256(body or b"").hexdigest()
    creq = "\n".join([method, path, query, canon_headers, ";".join(names), payload])
    sts = "SDK-HMAC-SHA256\n%s\n%s" % (headers["X-Sdk-Date"], hashlib.sha256(creq.encode()).hexdigest())
    sig = hmac.new(sk.encode(), sts.encode(), hashlib.sha256).hexdigest()
    headers["Authorization"] = "SDK-HMAC-SHA256 Access=%s, SignedHeaders=%s, Signature=%s" % (ak, ";".join(names), sig)
    return headers


def http(method, url, **kwargs):
    """Plain HTTP call with a timeout (no emulator auth added)."""
    return requests.request(method, url, timeout=kwargs.pop("timeout", 30), **kwargs)


# ------------------------------------------------------------------ fixtures

@pytest.fixture(scope="module")
def emu(tmp_path_factory):
    ready = tmp_path_factory.mktemp("emu") / "ready.json"
    proc = subprocess.Popen([sys.executable, os.path.join(HERE, "serve.py"), "--port", "0", "--ready-file", str(ready),
                             "--job-seconds", str(JOB_SECONDS), "--visibility-delay", "0", "--delete-delay", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.time() + 15
    while not ready.exists():
        assert proc.poll() is None, proc.stdout.read().decode()
        assert time.time() < deadline, "emulator did not start"
        time.sleep(0.05)
    info = json.loads(ready.read_text())
    yield info["url"]
    proc.terminate()
    proc.wait(timeout=10)


class Client:
    def __init__(self, url, domain, region=REGION):
        self.url = url
        self.domain = domain
        self.region = region
        self.session = requests.Session()
        user = domain["users"][0]
        resp = self.session.post(url + "/iam/v3/auth/tokens", timeout=30, json={"auth": {
            "identity": {"methods": ["password"], "password": {"user": {
                "name": user["name"], "password": user["password"], "domain": {"name": domain["name"]}}}},
            "scope": {"project": {"name": region}}}})
        assert resp.status_code == 201, resp.text
        self.token = resp.headers["X-Subject-Token"]
        self.project_id = resp.json()["token"]["project"]["id"]

    def call(self, method, path, **kwargs):
        headers = kwargs.pop("headers", {})
        headers.setdefault("X-Auth-Token", self.token)
        kwargs.setdefault("timeout", 30)
        return self.session.request(method, "%s/ims/%s%s" % (self.url, self.region, path), headers=headers, **kwargs)

    def wait_job(self, job_id, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            job = self.call("GET", "/v1/%s/jobs/%s" % (self.project_id, job_id)).json()
            if job["status"] in ("SUCCESS", "FAIL"):
                return job
            time.sleep(0.05)
        raise AssertionError("job %s did not finish" % job_id)

    def images(self, **params):
        resp = self.call("GET", "/v2/cloudimages", params=params)
        assert resp.status_code == 200, resp.text
        return resp.json()["images"]


@pytest.fixture
def fresh(emu):
    http("POST", emu + "/_emulator/reset").raise_for_status()
    http("POST", emu + "/_emulator/config", json={"job_seconds": JOB_SECONDS}).raise_for_status()
    return emu


@pytest.fixture
def demo(fresh):
    return Client(fresh, DEMO)


@pytest.fixture
def partner(fresh):
    return Client(fresh, PARTNER)


def create_from_obs(client, name, url="demo-images:ubuntu-22.04.qcow2"):
    resp = client.call("POST", "/v2/cloudimages/action", json={
        "name": name, "image_url": url, "min_disk": 40, "os_version": "Ubuntu 18.04 server 64bit"})
    assert resp.status_code == 200, resp.text
    return resp.json()["job_id"]


def error_code(resp):
    return resp.json()["error"]["code"]


# ------------------------------------------------------------------ tests

def test_token_and_list(demo):
    images = demo.images()
    names = {i["name"] for i in images}
    assert "demo-base-image" in names and "Ubuntu 18.04 server 64bit" in names
    assert all("__imagetype" in i for i in images)
    gold = demo.images(__imagetype="gold")
    assert gold and all(i["visibility"] == "public" for i in gold)
    resp = http("GET", "%s/ims/%s/v2/cloudimages" % (demo.url, REGION), headers={"X-Auth-Token": "bogus"})
    assert resp.status_code == 401 and error_code(resp) == "APIGW.0301"
    other = Client(demo.url, DEMO, EAST)
    resp = http("GET", "%s/ims/%s/v2/cloudimages" % (demo.url, REGION), headers={"X-Auth-Token": other.token})
    assert resp.status_code == 401


def test_aksk_signed_and_wrong_sk(fresh):
    cred = DEMO["credentials"][0]
    pid = project_id(DEMO, REGION)
    url = fresh + "/ims/%s/v2/cloudimages?__imagetype=private&limit=10" % REGION
    headers = sign("GET", url, {"X-Project-Id": pid}, b"", cred["access"], cred["secret"])
    resp = http("GET", url, headers=headers)
    assert resp.status_code == 200, resp.text
    headers = sign("GET", url, {"X-Project-Id": pid}, b"", cred["access"], "wrong-secret")
    resp = http("GET", url, headers=headers)
    assert resp.status_code == 401 and error_code(resp) == "APIGW.0301"
    old = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=20)
    resp = http("GET", url, headers=sign("GET", url, {"X-Project-Id": pid}, b"", cred["access"], cred["secret"], when=old))
    assert resp.status_code == 401
    # a project of another domain is refused
    headers = sign("GET", url, {"X-Project-Id": project_id(PARTNER, REGION)}, b"", cred["access"], cred["secret"])
    assert http("GET", url, headers=headers).status_code == 401
    # signed POST with a body, and IAM project lookup without X-Project-Id
    purl = fresh + "/iam/v3/projects?name=%s" % EAST
    resp = http("GET", purl, headers=sign("GET", purl, {}, b"", cred["access"], cred["secret"]))
    assert resp.status_code == 200 and [p["id"] for p in resp.json()["projects"]] == [project_id(DEMO, EAST)]
    body = json.dumps({"name": "signed-img", "image_url": "demo-images:centos-7.vhd", "min_disk": 40}).encode()
    curl = fresh + "/ims/%s/v2/cloudimages/action" % REGION
    headers = sign("POST", curl, {"X-Project-Id": pid, "Content-Type": "application/json"}, body, cred["access"], cred["secret"])
    resp = http("POST", curl, data=body, headers=headers)
    assert resp.status_code == 200, resp.text


def test_create_from_obs_job(demo):
    job_id = create_from_obs(demo, "from-obs")
    pending = demo.images(name="from-obs")
    assert len(pending) == 1 and pending[0]["status"] in ("queued", "saving")
    job = demo.wait_job(job_id)
    assert job["status"] == "SUCCESS" and job["job_type"] == "imsImportImageJob"
    image = demo.images(name="from-obs")[0]
    assert image["id"] == job["entities"]["image_id"] and image["status"] == "active"
    assert image["__imagetype"] == "private" and image["min_disk"] == 40
    # duplicate names are allowed
    demo.wait_job(create_from_obs(demo, "from-obs"))
    assert len(demo.images(name="from-obs")) == 2
    # documented validation
    bad = demo.call("POST", "/v2/cloudimages/action", json={"name": "x", "image_url": "demo-images:nope.qcow2", "min_disk": 40})
    assert bad.status_code == 400 and error_code(bad) == "IMG.0057"
    bad = demo.call("POST", "/v2/cloudimages/action", json={"name": " bad", "image_url": "demo-images:centos-7.vhd", "min_disk": 40})
    assert error_code(bad) == "IMG.0003"
    bad = demo.call("POST", "/v2/cloudimages/action", json={"name": "iso", "image_url": "demo-images:windows.iso", "min_disk": 40})
    assert error_code(bad) == "IMG.0166"


def test_pagination_marker(demo):
    for index in range(5):
        create_from_obs(demo, "page-%d" % index)
    everything = demo.images(limit=1000)
    seen, marker = [], None
    while True:
        params = {"limit": 3}
        if marker:
            params["marker"] = marker
        page = demo.images(**params)
        seen.extend(i["id"] for i in page)
        if len(page) < 3:
            break
        marker = page[-1]["id"]
    assert seen == [i["id"] for i in everything] and len(set(seen)) == len(seen)
    # Glance pages with next links
    resp = demo.call("GET", "/v2/images", params={"limit": 4}).json()
    ids = [i["id"] for i in resp["images"]]
    while "next" in resp:
        resp = demo.session.get("%s/ims/%s%s" % (demo.url, REGION, resp["next"]), headers={"X-Auth-Token": demo.token}, timeout=30).json()
        ids.extend(i["id"] for i in resp["images"])
    assert sorted(ids) == sorted(i["id"] for i in everything)


def test_members_job_and_partner_view(demo, partner):
    image_id = demo.images(name="demo-base-image")[0]["id"]
    body = {"images": [image_id], "projects": [partner.project_id]}
    job = demo.wait_job(demo.call("POST", "/v1/cloudimages/members", json=body).json()["job_id"])
    assert job["status"] == "SUCCESS" and job["entities"]["results"][0]["project_id"] == partner.project_id
    assert demo.images(name="demo-base-image")[0]["__imagetype"] == "shared"
    assert image_id not in {i["id"] for i in partner.images()}
    pending = partner.images(member_status="pending", visibility="shared", __imagetype="shared")
    assert [i["id"] for i in pending] == [image_id]
    accept = {"images": [image_id], "project_id": partner.project_id, "status": "accepted"}
    job = partner.wait_job(partner.call("PUT", "/v1/cloudimages/members", json=accept).json()["job_id"])
    assert job["status"] == "SUCCESS"
    assert image_id in {i["id"] for i in partner.images()}
    members = demo.call("GET", "/v2/images/%s/members" % image_id).json()["members"]
    assert members[0]["status"] == "accepted"
    # documented refusals
    enc = demo.images(name="demo-encrypted-image")[0]["id"]
    resp = demo.call("POST", "/v1/cloudimages/members", json={"images": [enc], "projects": [partner.project_id]})
    assert error_code(resp) == "IMG.0098"
    resp = demo.call("POST", "/v1/cloudimages/members", json={"images": [image_id], "projects": [demo.project_id]})
    assert error_code(resp) == "IMG.0076"
    # delete (JSON body) via job, then deleting the image removes memberships
    job = demo.wait_job(demo.call("DELETE", "/v1/cloudimages/members", json=body).json()["job_id"])
    assert job["status"] == "SUCCESS" and image_id not in {i["id"] for i in partner.images()}


def test_cross_region_copy(demo):
    source = demo.images(name="demo-base-image")[0]["id"]
    body = {"name": "copied", "region": EAST, "project_name": EAST, "agency_name": "ims_admin_agency"}
    resp = demo.call("POST", "/v1/cloudimages/%s/cross_region_copy" % source, json=body)
    assert resp.status_code == 200, resp.text
    job = demo.wait_job(resp.json()["job_id"])
    assert job["status"] == "SUCCESS"
    east = Client(demo.url, DEMO, EAST)
    copies = east.images(name="copied")
    assert [i["id"] for i in copies] == [job["entities"]["image_id"]] and copies[0]["status"] == "active"
    assert not demo.images(name="copied")
    whole = demo.images(name="demo-whole-image")[0]["id"]
    resp = demo.call("POST", "/v1/cloudimages/%s/cross_region_copy" % whole, json=body)
    assert error_code(resp) == "IMG.0130"
    resp = demo.call("POST", "/v1/cloudimages/%s/copy" % whole, json={"name": "w"})
    assert error_code(resp) == "IMG.0130"
    resp = demo.call("POST", "/v1/cloudimages/%s/cross_region_copy" % source, json=dict(body, agency_name="missing"))
    assert error_code(resp) == "IMG.0151"
    http("POST", demo.url + "/_emulator/config", json={"job_seconds": 30}).raise_for_status()
    for _attempt in range(5):
        assert demo.call("POST", "/v1/cloudimages/%s/cross_region_copy" % source, json=body).status_code == 200
    resp = demo.call("POST", "/v1/cloudimages/%s/cross_region_copy" % source, json=body)
    assert error_code(resp) == "IMG.0149"


def test_patch_quota_and_fail_jobs(demo):
    image_id = demo.images(name="demo-base-image")[0]["id"]
    resp = demo.call("PATCH", "/v2/cloudimages/%s" % image_id, json=[{"op": "replace", "path": "/__description", "value": "x"}])
    assert resp.status_code == 400 and error_code(resp) == "IMG.0035"
    resp = demo.call("PATCH", "/v2/cloudimages/%s" % image_id, json=[{"op": "add", "path": "/__description", "value": "x"},
                                                                     {"op": "replace", "path": "/name", "value": "renamed"}])
    assert resp.status_code == 200 and resp.json()["name"] == "renamed" and resp.json()["__description"] == "x"
    http("POST", demo.url + "/_emulator/config", json={"fail_jobs": [
        {"job_type": "createImageByInstance", "error_code": "IMS.0123", "fail_reason": "boom"}]}).raise_for_status()
    instance = next(i for i in DEMO["ecs_instances"] if i["status"] == "SHUTOFF" and i["region"] == REGION)
    resp = demo.call("POST", "/v2/cloudimages/action", json={"name": "from-ecs", "instance_id": instance["id"]})
    job = demo.wait_job(resp.json()["job_id"])
    assert job["status"] == "FAIL" and job["error_code"] == "IMS.0123" and not demo.images(name="from-ecs")
    http("POST", demo.url + "/_emulator/config", json={"image_quota": demo.call("GET", "/v1/cloudimages/quota").json()[
        "quotas"]["resources"][0]["used"]}).raise_for_status()
    resp = demo.call("POST", "/v2/cloudimages/action", json={"name": "over", "image_url": "demo-images:centos-7.vhd", "min_disk": 40})
    assert error_code(resp) == "IMG.0015"


def test_glance_upload_stream(demo):
    resp = demo.call("POST", "/v2/images", json={"name": "glance-img", "disk_format": "qcow2", "tags": ["blue"]})
    assert resp.status_code == 201 and resp.json()["status"] == "queued"
    image_id = resp.json()["id"]
    payload = os.urandom(3 * 1024 * 1024)

    def chunks():
        for offset in range(0, len(payload), 512 * 1024):
            yield payload[offset:offset + 512 * 1024]
    resp = demo.call("PUT", "/v2/images/%s/file" % image_id, data=chunks(), headers={"Content-Type": "application/octet-stream"})
    assert resp.status_code == 204, resp.text
    deadline = time.time() + 5
    while demo.call("GET", "/v2/images/%s" % image_id).json()["status"] != "active":
        assert time.time() < deadline
        time.sleep(0.05)
    image = demo.call("GET", "/v2/images/%s" % image_id).json()
    assert image["size"] == len(payload) and image["checksum"] == hashlib.md5(payload).hexdigest()
    assert demo.call("DELETE", "/v2/images/%s" % image_id).status_code == 204
    assert demo.call("GET", "/v2/images/%s" % image_id).status_code == 404


def test_signed_upload_and_tags(demo):
    cred = DEMO["credentials"][0]
    resp = demo.call("POST", "/v2/images", json={"name": "signed-upload"})
    image_id = resp.json()["id"]
    url = "%s/ims/%s/v2/images/%s/file" % (demo.url, REGION, image_id)
    payload = b"x" * 100000
    headers = sign("PUT", url, {"X-Project-Id": demo.project_id, "Content-Type": "application/octet-stream"}, payload,
                   cred["access"], cred["secret"])
    assert headers["X-Sdk-Content-Sha256"] == "UNSIGNED-PAYLOAD"
    assert http("PUT", url, data=payload, headers=headers).status_code == 204
    resp = demo.call("POST", "/v2/images", json={"name": "signed-upload-2"})
    url = "%s/ims/%s/v2/images/%s/file" % (demo.url, REGION, resp.json()["id"])
    # payload hash signed (no UNSIGNED-PAYLOAD): verified after streaming; a tampered body is refused
    headers = sign("PUT", url, {"X-Project-Id": demo.project_id, "Content-Type": "application/octet-stream"}, payload,
                   cred["access"], cred["secret"], unsigned_payload=False)
    assert http("PUT", url, data=b"y" * 100000, headers=headers).status_code == 401
    assert demo.call("GET", "/v2/images/%s" % resp.json()["id"]).json()["status"] == "queued"
    assert http("PUT", url, data=payload, headers=headers).status_code == 204
    assert demo.call("PUT", "/v2/images/%s/tags/blue" % image_id).status_code == 204
    assert "blue" in demo.call("GET", "/v2/images/%s" % image_id).json()["tags"]
    assert demo.call("DELETE", "/v2/images/%s/tags/blue" % image_id).status_code == 204


def test_faults_and_reset(demo):
    http("POST", demo.url + "/_emulator/config", json={"faults": {"rate": 0.5, "kinds": ["500"], "seed": 7}}).raise_for_status()
    statuses = [demo.call("GET", "/v1/cloudimages/quota").status_code for _attempt in range(60)]
    assert 15 <= statuses.count(500) <= 45 and statuses.count(200) == 60 - statuses.count(500)
    assert http("GET", demo.url + "/_emulator/health").json() == {"ok": True}
    http("POST", demo.url + "/_emulator/config", json={"faults": {"rate": 1.0, "kinds": ["drop"]}}).raise_for_status()
    with pytest.raises(requests.exceptions.ConnectionError):
        demo.session.get("%s/ims/%s/v1/cloudimages/quota" % (demo.url, REGION), headers={"X-Auth-Token": demo.token}, timeout=30)
    calls = http("GET", demo.url + "/_emulator/calls").json()
    assert calls and calls[-1]["fault"] == "drop"
    http("POST", demo.url + "/_emulator/config", json={"faults": {}}).raise_for_status()
    create_from_obs(demo, "to-be-reset")
    assert demo.images(name="to-be-reset")
    http("POST", demo.url + "/_emulator/reset").raise_for_status()
    assert http("GET", demo.url + "/_emulator/calls").json() == []
    fresh_client = Client(demo.url, DEMO)
    assert not fresh_client.images(name="to-be-reset")
    state = http("GET", demo.url + "/_emulator/state").json()
    assert demo.project_id in state["regions"][REGION]["projects"]


# ------------------------------------------------------------------ temporary credentials (issue 11)

def _signed_images(url, cred, token=None):
    target = "%s/ims/%s/v2/cloudimages" % (url, REGION)
    headers = {"X-Project-Id": project_id(DEMO, REGION)}
    if token:
        headers["X-Security-Token"] = token
    return http("GET", target, headers=sign("GET", target, headers, b"", cred["access"], cred["secret"]))


def test_securitytokens_and_metadata_issue_temporary_keys_that_need_their_token_and_expire(demo):
    url = demo.url
    sts = url + "/iam/v3.0/OS-CREDENTIAL/securitytokens"
    own = http("POST", sts, headers={"X-Auth-Token": demo.token},
               json={"auth": {"identity": {"methods": ["token"], "token": {"duration_seconds": 900}}}})
    assert own.status_code == 201, own.text
    cred = own.json()["credential"]
    assert set(cred) == {"access", "secret", "securitytoken", "expires_at"}
    assert _signed_images(url, cred, cred["securitytoken"]).status_code == 200
    assert _signed_images(url, cred).status_code == 401
    assert _signed_images(url, cred, "wrong-token").status_code == 401
    # Agencies: the named account must have it; durations are bounded.
    for spec, status in (({"agency_name": "ims_admin_agency", "domain_name": "demo", "duration_seconds": 900}, 201),
                         ({"agency_name": "nope", "domain_name": "demo"}, 403),
                         ({"agency_name": "ims_admin_agency", "domain_id": DEMO["id"]}, 201),
                         ({"agency_name": "ims_admin_agency", "domain_name": "demo", "duration_seconds": 60}, 400),
                         ({"agency_name": "ims_admin_agency"}, 400)):
        reply = http("POST", sts, headers={"X-Auth-Token": demo.token},
                     json={"auth": {"identity": {"methods": ["assume_role"], "assume_role": spec}}})
        assert reply.status_code == status, (spec, reply.text)
    assert http("POST", sts, json={"auth": {"identity": {"methods": ["token"]}}}).status_code == 401
    meta = http("GET", url + "/openstack/latest/securitykey")
    assert meta.status_code == 200
    from_metadata = meta.json()["credential"]
    assert _signed_images(url, from_metadata, from_metadata["securitytoken"]).status_code == 200
    http("POST", url + "/_emulator/temporary_credentials/expire").raise_for_status()
    expired = _signed_images(url, from_metadata, from_metadata["securitytoken"])
    assert expired.status_code == 401 and "expired" in expired.text
    http("POST", url + "/_emulator/config", json={"metadata": {"domain": None}}).raise_for_status()
    assert http("GET", url + "/openstack/latest/securitykey").status_code == 404
