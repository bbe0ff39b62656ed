# -*- coding: utf-8 -*-
# Copyright: huaweicloud.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Error bodies of the different services, and the error types' text and results."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.huaweicloud.cloud.plugins.module_utils._client import Credentials, HuaweiCloudClient
from ansible_collections.huaweicloud.cloud.plugins.module_utils._errors import (
    AmbiguousRequestError,
    HuaweiCloudError,
    JobFailedError,
    WaitTimeoutError,
    error_from_response,
)
from ansible_collections.huaweicloud.cloud.plugins.module_utils._retries import RetryPolicy


@pytest.mark.parametrize("payload, code, message", [
    ({"error": {"code": "IMG.0027", "message": "The image does not exist."}}, "IMG.0027", "The image does not exist."),
    ({"error_code": "IMG.0001", "error_msg": "Internal error."}, "IMG.0001", "Internal error."),
    ({"error": {"code": 404, "title": "Not Found"}}, None, "Not Found"),
    ({"error": {"code": 401, "title": "Unauthorized", "message": "The request you have made requires authentication."}},
     None, "The request you have made requires authentication."),
    ({"error_code": "APIGW.0301", "error_msg": "Incorrect IAM authentication information"},
     "APIGW.0301", "Incorrect IAM authentication information"),
    ("Internal Server Error", None, "Internal Server Error"),
    ("", None, "HTTP 500"),
    ({}, None, "HTTP 500"),
    ({"unrelated": True}, None, "HTTP 500"),
])
def test_error_bodies(payload, code, message):
    error = error_from_response(500, payload, "GET", "/v2/cloudimages", request_id="req-1")
    assert type(error) is HuaweiCloudError  # pylint: disable=unidiomatic-typecheck
    assert error.code == code
    assert error.message == message
    assert (error.status, error.method, error.path, error.request_id) == (500, "GET", "/v2/cloudimages", "req-1")


def test_long_text_body_is_cut():
    error = error_from_response(502, "x" * 2000, "GET", "/")
    assert error.message == "x" * 200 + "..."


def test_str_with_code_and_status():
    error = HuaweiCloudError("The image does not exist.", status=404, code="IMG.0027", method="GET", path="/v2/x")
    assert str(error) == "IMG.0027: The image does not exist. (HTTP 404 on GET /v2/x)"
    assert str(HuaweiCloudError("plain")) == "plain"
    assert error.to_result() == {"error_code": "IMG.0027", "http_status": 404, "request_id": None}


def test_ambiguous_is_a_huaweicloud_error():
    assert issubclass(AmbiguousRequestError, HuaweiCloudError)


def test_job_failed_error():
    job = {"job_id": "j1", "status": "FAIL", "error_code": "IMG.0149", "fail_reason": "too many copies"}
    error = JobFailedError(job)
    assert error.code == "IMG.0149"
    assert str(error) == "IMG.0149: job j1 failed: too many copies"
    assert error.to_result() == {"error_code": "IMG.0149", "http_status": None, "request_id": None,
                                 "job_id": "j1", "job": job}


def test_wait_timeout_error():
    error = WaitTimeoutError("j1", 1800, {"job_id": "j1", "status": "RUNNING"})
    assert "timed out after 1800s waiting for job j1 (last status RUNNING)" in str(error)
    assert "huaweicloud.cloud.ims_job job_id=j1 wait=true" in str(error)
    assert error.to_result()["job_id"] == "j1"
    assert "last status unknown" in str(WaitTimeoutError("j2", 5))


# Mapping through the client ----------------------------------------------------------

@pytest.mark.parametrize("kwargs, code, message", [
    (dict(body={"error": {"code": "IMG.0027", "message": "The image does not exist."}}),
     "IMG.0027", "The image does not exist."),
    (dict(body={"error_code": "IMG.0035", "error_msg": "attribute absent"}), "IMG.0035", "attribute absent"),
    (dict(text="404 page not found"), None, "404 page not found"),
    (dict(body={"error": {"code": 404, "title": "Not Found"}}), None, "Not Found"),
    (dict(), None, "HTTP 404"),
])
def test_client_maps_error_bodies(fake_session, response, kwargs, code, message):
    fake_session.add("GET", "/v2/cloudimages", response(404, headers={"X-Request-Id": "rq-42"}, **kwargs))
    client = HuaweiCloudClient(Credentials(access_key="AK", secret_key="SK"), "cn-north-9", project_id="p1",
                               ims_endpoint="https://ims.example.com", session=fake_session,
                               retry_policy=RetryPolicy(sleep=lambda seconds: None))
    with pytest.raises(HuaweiCloudError) as info:
        client.request("GET", "/v2/cloudimages", query={"id": "x"})
    error = info.value
    assert (error.status, error.code, error.message) == (404, code, message)
    assert error.request_id == "rq-42"
    assert error.method == "GET" and error.path == "/v2/cloudimages"
