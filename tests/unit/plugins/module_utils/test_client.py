# -*- coding: utf-8 -*-
# Copyright: huaweicloud.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""HuaweiCloudClient transport: authentication, signing, project ids, pagination.

``fake_session`` and ``response`` come from tests/unit/conftest.py.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import io
import json
import re

import pytest

from ansible_collections.huaweicloud.cloud.plugins.module_utils._client import Credentials, HuaweiCloudClient
from ansible_collections.huaweicloud.cloud.plugins.module_utils._errors import HuaweiCloudError
from ansible_collections.huaweicloud.cloud.plugins.module_utils._retries import RetryPolicy
from ansible_collections.huaweicloud.cloud.plugins.module_utils._signer import canonical_query, sign_request

IMS = "https://ims.{region}.example.com"
IAM = "https://iam.{region}.example.com/"
REGION = "cn-north-4"
AKSK = Credentials(access_key="AK", secret_key="SK")
PASSWORD = Credentials(user="alice", password="secret", domain="acme")
NO_SLEEP = RetryPolicy(max_retries=3, sleep=lambda seconds: None)


def make_client(session, credentials=AKSK, project_id="p1", region=REGION, **kwargs):
    return HuaweiCloudClient(credentials, region, project_id=project_id, ims_endpoint=IMS, iam_endpoint=IAM,
                             retry_policy=kwargs.pop("retry_policy", NO_SLEEP), session=session, **kwargs)


def token_response(response, token="tok-1", project_id="p-from-token"):
    body = {"token": {"project": {"id": project_id, "name": REGION}}} if project_id else {"token": {}}
    return response(201, body, headers={"X-Subject-Token": token})


def _without_auth(headers):
    return dict((name, value) for name, value in headers.items() if name != "Authorization")


# Endpoints ---------------------------------------------------------------------

def test_endpoints_replace_region_and_drop_trailing_slash(fake_session):
    client = make_client(fake_session)
    assert client.ims_endpoint == "https://ims.cn-north-4.example.com"
    assert client.iam_endpoint == "https://iam.cn-north-4.example.com"
    assert fake_session.headers["User-Agent"]


def test_default_endpoints(fake_session):
    client = HuaweiCloudClient(AKSK, "ap-southeast-1", session=fake_session)
    assert client.ims_endpoint == "https://ims.ap-southeast-1.myhuaweicloud.com"
    assert client.iam_endpoint == "https://iam.ap-southeast-1.myhuaweicloud.com"


def test_for_region_shares_session_and_recorder(fake_session):
    client = make_client(fake_session)
    assert client.for_region(REGION) is client
    other = client.for_region("cn-east-3")
    assert other is not client
    assert other.ims_endpoint == "https://ims.cn-east-3.example.com"
    assert other.session is fake_session and other.recorder is client.recorder
    assert other.retry_policy is client.retry_policy
    assert other.for_region("cn-east-3", "p9")._project_id == "p9"


# AK/SK -------------------------------------------------------------------------

def test_aksk_request_is_signed_with_canonical_query(fake_session, response):
    fake_session.add("GET", "/v2/cloudimages", response(200, {"images": [{"id": "i1"}]}))
    client = make_client(fake_session, validate_certs=False, timeout=7)
    query = {"name": u"my image/\u4e00", "__imagetype": "private", "limit": 10, "missing": None}

    result = client.request("GET", "/v2/cloudimages", query=query)

    assert result == {"images": [{"id": "i1"}]}
    call = fake_session.calls[0]
    assert call["query"] == canonical_query(query)
    assert call["url"] == "https://ims.cn-north-4.example.com/v2/cloudimages?" + canonical_query(query)
    headers = call["headers"]
    assert headers["X-Project-Id"] == "p1"
    assert re.match(r"^\d{8}T\d{6}Z$", headers["X-Sdk-Date"])
    assert headers["Authorization"].startswith("SDK-HMAC-SHA256 Access=AK, SignedHeaders=")
    assert "x-project-id" in headers["Authorization"].split("SignedHeaders=")[1].split(",")[0].split(";")
    assert "X-Auth-Token" not in headers
    # What was sent verifies: signing the sent request again gives the same Authorization.
    assert sign_request("GET", call["url"], _without_auth(headers), call["data"], "AK", "SK") == headers
    assert call["verify"] is False and call["timeout"] == 7
    assert client.recorder == [("GET", "/v2/cloudimages", 200)]


def test_aksk_post_body_is_json_and_signed(fake_session, response):
    fake_session.add("POST", "/v2/cloudimages/action", response(200, {"job_id": "j1"}))
    client = make_client(fake_session)
    body = {"name": "img", "instance_id": "vm1"}

    assert client.request("POST", "/v2/cloudimages/action", body=body) == {"job_id": "j1"}

    call = fake_session.calls[0]
    assert json.loads(call["data"].decode("utf-8")) == body
    assert call["headers"]["Content-Type"] == "application/json"
    assert "X-Sdk-Content-Sha256" not in call["headers"]
    assert sign_request("POST", call["url"], _without_auth(call["headers"]), call["data"], "AK", "SK") == call["headers"]


def test_security_token_is_sent_and_signed(fake_session, response):
    fake_session.add("GET", "/v1/cloudimages/quota", response(200, {"quotas": {}}))
    client = make_client(fake_session, credentials=Credentials(access_key="AK", secret_key="SK", security_token="STS"))
    client.request("GET", "/v1/cloudimages/quota")
    headers = fake_session.calls[0]["headers"]
    assert headers["X-Security-Token"] == "STS"
    assert "x-security-token" in headers["Authorization"]


def test_streamed_body_is_sent_unsigned(fake_session, response):
    fake_session.add("PUT", "/v2/images/i1/file", response(204))
    client = make_client(fake_session)
    client.request("PUT", "/v2/images/i1/file", data=io.BytesIO(b"disk bytes"), content_type="application/octet-stream")
    call = fake_session.calls[0]
    assert call["data"] == b"disk bytes"
    assert call["headers"]["X-Sdk-Content-Sha256"] == "UNSIGNED-PAYLOAD"
    assert call["headers"]["Content-Type"] == "application/octet-stream"
    assert "x-sdk-content-sha256" in call["headers"]["Authorization"]


def test_empty_response_body_is_empty_dict(fake_session, response):
    fake_session.add("DELETE", "/v2/images/i1", response(204))
    assert make_client(fake_session).request("DELETE", "/v2/images/i1") == {}


def test_unexpected_status(fake_session, response):
    fake_session.add("POST", "/v2/images", response(200, {"id": "x"}))
    with pytest.raises(HuaweiCloudError) as info:
        make_client(fake_session).request("POST", "/v2/images", body={}, expected=[201])
    assert info.value.status == 200
    assert info.value.path == "/v2/images"


def test_iam_and_unscoped_calls_have_no_project_header(fake_session, response):
    fake_session.add("GET", "/v3/projects", response(200, {"projects": []}))
    fake_session.add("GET", "/v1/cloudimages/os_version", response(200, []))
    client = make_client(fake_session)
    client.request("GET", "/v3/projects", service="iam")
    client.request("GET", "/v1/cloudimages/os_version", project_scoped=False)
    assert fake_session.calls[0]["url"].startswith("https://iam.cn-north-4.example.com/v3/projects")
    assert all("X-Project-Id" not in call["headers"] for call in fake_session.calls)


# Project id --------------------------------------------------------------------

def test_project_id_is_resolved_from_region_once(fake_session, response):
    projects = {"projects": [{"id": "other", "name": "cn-north-4_sub"}, {"id": "p-cn4", "name": REGION}]}
    fake_session.add("GET", "/v3/projects", response(200, projects))
    fake_session.add("GET", "/v2/cloudimages", response(200, {"images": []}), response(200, {"images": []}))
    client = make_client(fake_session, project_id=None)

    client.request("GET", "/v2/cloudimages")
    client.request("GET", "/v2/cloudimages")

    assert client.project_id == "p-cn4"
    assert fake_session.count("GET", "/v3/projects") == 1
    lookup = fake_session.calls[0]
    assert lookup["url"] == "https://iam.cn-north-4.example.com/v3/projects?name=cn-north-4"
    assert lookup["headers"]["Authorization"].startswith("SDK-HMAC-SHA256 ")
    assert [call["headers"]["X-Project-Id"] for call in fake_session.calls[1:]] == ["p-cn4", "p-cn4"]


@pytest.mark.parametrize("projects", [
    [],
    [{"id": "a", "name": "cn-south-1"}],
    [{"id": "a", "name": REGION}, {"id": "b", "name": REGION}],
])
def test_project_id_resolution_needs_exactly_one_project(fake_session, response, projects):
    fake_session.add("GET", "/v3/projects", response(200, {"projects": projects}))
    client = make_client(fake_session, project_id=None)
    with pytest.raises(HuaweiCloudError) as info:
        client.project_id
    assert "project_id" in str(info.value)
    assert "%d projects" % len([p for p in projects if p["name"] == REGION]) in str(info.value)


def test_given_project_id_is_not_looked_up(fake_session):
    assert make_client(fake_session, project_id="given").project_id == "given"
    assert fake_session.calls == []


# Token authentication ------------------------------------------------------------

def test_token_is_issued_once_and_reused(fake_session, response):
    fake_session.add("POST", "/v3/auth/tokens", token_response(response))
    fake_session.add("GET", "/v2/cloudimages", response(200, {"images": []}), response(200, {"images": []}))
    client = make_client(fake_session, credentials=PASSWORD, project_id=None)

    client.request("GET", "/v2/cloudimages")
    client.request("GET", "/v2/cloudimages")

    assert fake_session.count("POST", "/v3/auth/tokens") == 1
    issue = fake_session.calls[0]
    assert issue["url"] == "https://iam.cn-north-4.example.com/v3/auth/tokens"
    assert "X-Auth-Token" not in issue["headers"] and "Authorization" not in issue["headers"]
    assert json.loads(issue["data"].decode("utf-8")) == {"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": "alice", "password": "secret", "domain": {"name": "acme"}}}},
        "scope": {"project": {"name": REGION}}}}
    for call in fake_session.calls[1:]:
        assert call["headers"]["X-Auth-Token"] == "tok-1"
        assert call["headers"]["X-Project-Id"] == "p-from-token"
        assert "Authorization" not in call["headers"]
    assert client.project_id == "p-from-token"


def test_token_scope_uses_given_project_id(fake_session, response):
    fake_session.add("POST", "/v3/auth/tokens", token_response(response, project_id="p1"))
    fake_session.add("GET", "/v1/cloudimages/quota", response(200, {"quotas": {}}))
    make_client(fake_session, credentials=PASSWORD, project_id="p1").request("GET", "/v1/cloudimages/quota")
    body = json.loads(fake_session.calls[0]["data"].decode("utf-8"))
    assert body["auth"]["scope"] == {"project": {"id": "p1"}}


def test_token_without_project_falls_back_to_iam_lookup(fake_session, response):
    fake_session.add("POST", "/v3/auth/tokens", token_response(response, project_id=None))
    fake_session.add("GET", "/v3/projects", response(200, {"projects": [{"id": "p-iam", "name": REGION}]}))
    client = make_client(fake_session, credentials=PASSWORD, project_id=None)
    assert client.project_id == "p-iam"
    assert fake_session.calls[1]["headers"]["X-Auth-Token"] == "tok-1"
    assert fake_session.count("POST", "/v3/auth/tokens") == 1


def test_token_is_reissued_once_on_401(fake_session, response):
    fake_session.add("POST", "/v3/auth/tokens", token_response(response, "old"), token_response(response, "new"))
    fake_session.add("GET", "/v2/cloudimages",
                     response(200, {"images": []}),
                     response(401, {"error": {"code": 401, "title": "Unauthorized"}}),
                     response(200, {"images": [{"id": "i1"}]}))
    client = make_client(fake_session, credentials=PASSWORD, project_id="p1")

    client.request("GET", "/v2/cloudimages")
    assert client.request("GET", "/v2/cloudimages") == {"images": [{"id": "i1"}]}

    assert fake_session.count("POST", "/v3/auth/tokens") == 2
    tokens = [call["headers"].get("X-Auth-Token") for call in fake_session.calls if call["path"] == "/v2/cloudimages"]
    assert tokens == ["old", "old", "new"]


def test_persistent_401_is_not_a_loop(fake_session, response):
    unauthorized = {"error": {"code": 401, "title": "Unauthorized"}}
    fake_session.add("POST", "/v3/auth/tokens", token_response(response, "t1"), token_response(response, "t2"))
    fake_session.add("GET", "/v2/cloudimages", response(401, unauthorized), response(401, unauthorized))
    client = make_client(fake_session, credentials=PASSWORD, project_id="p1")
    with pytest.raises(HuaweiCloudError) as info:
        client.request("GET", "/v2/cloudimages")
    assert info.value.status == 401
    assert fake_session.count("POST", "/v3/auth/tokens") == 2
    assert fake_session.count("GET", "/v2/cloudimages") == 2


def test_401_on_post_reissues_token_and_resends(fake_session, response):
    fake_session.add("POST", "/v3/auth/tokens", token_response(response, "t1"), token_response(response, "t2"))
    fake_session.add("POST", "/v2/cloudimages/action", response(401, text="token expired"), response(200, {"job_id": "j"}))
    client = make_client(fake_session, credentials=PASSWORD, project_id="p1")
    assert client.request("POST", "/v2/cloudimages/action", body={"name": "x"}) == {"job_id": "j"}


def test_401_reissue_rewinds_a_streamed_body(fake_session, response):
    fake_session.add("POST", "/v3/auth/tokens", token_response(response, "t1"), token_response(response, "t2"))
    fake_session.add("PUT", "/v2/images/i1/file", response(401, text="expired"), response(204))
    client = make_client(fake_session, credentials=PASSWORD, project_id="p1")
    client.request("PUT", "/v2/images/i1/file", data=io.BytesIO(b"disk"), content_type="application/octet-stream")
    assert [call["data"] for call in fake_session.calls if call["method"] == "PUT"] == [b"disk", b"disk"]


def test_aksk_401_is_not_retried(fake_session, response):
    fake_session.add("GET", "/v2/cloudimages", response(401, {"error": {"code": "APIGW.0301", "message": "bad sig"}}))
    with pytest.raises(HuaweiCloudError) as info:
        make_client(fake_session).request("GET", "/v2/cloudimages")
    assert info.value.code == "APIGW.0301"
    assert fake_session.count("GET", "/v2/cloudimages") == 1


def test_token_auth_without_credentials(fake_session):
    client = make_client(fake_session, credentials=Credentials(user="alice"), project_id="p1")
    with pytest.raises(HuaweiCloudError) as info:
        client.request("GET", "/v2/cloudimages")
    assert "no credentials" in str(info.value)
    assert fake_session.calls == []


def test_token_response_without_token_header(fake_session, response):
    fake_session.add("POST", "/v3/auth/tokens", response(201, {"token": {}}))
    client = make_client(fake_session, credentials=PASSWORD, project_id="p1")
    with pytest.raises(HuaweiCloudError) as info:
        client.request("GET", "/v2/cloudimages")
    assert "X-Subject-Token" in str(info.value)


def test_token_issue_failure_is_reported(fake_session, response):
    fake_session.add("POST", "/v3/auth/tokens", response(401, {"error": {"code": 401, "message": "bad password"}}))
    client = make_client(fake_session, credentials=PASSWORD, project_id="p1")
    with pytest.raises(HuaweiCloudError) as info:
        client.request("GET", "/v2/cloudimages")
    assert info.value.status == 401 and info.value.message == "bad password"
    assert fake_session.count("POST", "/v3/auth/tokens") == 1


# Pagination --------------------------------------------------------------------

def _page(*ids):
    return {"images": [{"id": image_id} for image_id in ids]}


def test_paginate_uses_last_id_as_marker_until_short_page(fake_session, response):
    fake_session.add("GET", "/v2/cloudimages",
                     response(200, _page("a", "b")), response(200, _page("c", "d")), response(200, _page("e")))
    client = make_client(fake_session)

    items = list(client.paginate("/v2/cloudimages", {"name": "x"}, "images", limit=2))

    assert [item["id"] for item in items] == ["a", "b", "c", "d", "e"]
    queries = [call["query"] for call in fake_session.calls]
    assert queries == [
        canonical_query({"name": "x", "limit": 2}),
        canonical_query({"name": "x", "limit": 2, "marker": "b"}),
        canonical_query({"name": "x", "limit": 2, "marker": "d"}),
    ]


def test_paginate_stops_on_empty_page_after_full_one(fake_session, response):
    fake_session.add("GET", "/v2/cloudimages", response(200, _page("a", "b")), response(200, _page()))
    items = list(make_client(fake_session).paginate("/v2/cloudimages", None, "images", limit=2))
    assert [item["id"] for item in items] == ["a", "b"]
    assert fake_session.count("GET", "/v2/cloudimages") == 2


def test_paginate_default_limit_and_single_short_page(fake_session, response):
    fake_session.add("GET", "/v2/cloudimages", response(200, _page("a")))
    query = {"owner": "p1"}
    items = list(make_client(fake_session).paginate("/v2/cloudimages", query, "images"))
    assert [item["id"] for item in items] == ["a"]
    assert fake_session.calls[0]["query"] == "limit=500&owner=p1"
    assert query == {"owner": "p1"}  # the caller's dict is left alone
