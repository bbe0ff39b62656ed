# -*- coding: utf-8 -*-
# Copyright: huaweicloud.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Retry policy and which failures the client repeats (``fake_session``/``response``: conftest.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import io

import pytest

from ansible_collections.huaweicloud.cloud.plugins.module_utils._client import Credentials, HuaweiCloudClient
from ansible_collections.huaweicloud.cloud.plugins.module_utils._errors import AmbiguousRequestError, HuaweiCloudError
from ansible_collections.huaweicloud.cloud.plugins.module_utils._ims import create_once
from ansible_collections.huaweicloud.cloud.plugins.module_utils._retries import (
    RetryPolicy,
    is_retryable_status,
    is_transient_status,
)
from ansible_collections.huaweicloud.cloud.plugins.module_utils._transport import ConnectionLost, NotSent, ReplyTimeout

LIST = "/v2/cloudimages"
CREATE = "/v2/cloudimages/action"
REFUSED = "ConnectionRefusedError: [Errno 111] Connection refused"
DROPPED = "RemoteDisconnected: Remote end closed connection without response"


class Sleeps(list):
    def __call__(self, seconds):
        self.append(seconds)


def make_client(session, max_retries=5):
    sleeps = Sleeps()
    policy = RetryPolicy(max_retries=max_retries, sleep=sleeps)
    client = HuaweiCloudClient(Credentials(access_key="AK", secret_key="SK"), "cn-north-9", project_id="p1",
                               ims_endpoint="https://ims.example.com", retry_policy=policy, session=session)
    return client, sleeps


def flow_control(response, code):
    return response(400, {"error": {"code": code, "message": "too many requests, try later"}})


# RetryPolicy ---------------------------------------------------------------------

def test_delay_is_capped_exponential_with_full_jitter():
    low = RetryPolicy(base_delay=0.5, max_delay=4.0, rand=lambda: 0.0)
    high = RetryPolicy(base_delay=0.5, max_delay=4.0, rand=lambda: 0.999999)
    assert [low.delay(n) for n in range(1, 7)] == [0.0] * 6
    assert [round(high.delay(n), 3) for n in range(1, 7)] == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]


def test_retry_after_is_a_floor_capped_by_max_delay():
    policy = RetryPolicy(base_delay=0.5, max_delay=4.0, rand=lambda: 0.0)
    assert policy.delay(1, retry_after=3.0) == 3.0
    assert policy.delay(1, retry_after=3600.0) == 4.0


def test_backoff_sleeps_the_delay():
    sleeps = Sleeps()
    RetryPolicy(base_delay=1.0, rand=lambda: 1.0, sleep=sleeps).backoff(3)
    assert sleeps == [4.0]


def test_status_classification():
    assert is_transient_status(429, None)
    assert is_transient_status(400, "IMG.0060") and is_transient_status(400, "IMG.0149")
    assert not is_transient_status(500, None)
    assert not is_transient_status(400, "IMG.0027")
    for status in (500, 502, 503, 504, 429):
        assert is_retryable_status(status, None)
    assert is_retryable_status(400, "IMG.0060")
    assert not is_retryable_status(404, None) and not is_retryable_status(400, None)


# Idempotent calls ------------------------------------------------------------------

@pytest.mark.parametrize("failure", ["500", "502", "503", "504", "429", "refused", "dropped", "read-timeout",
                                     "connect-timeout", "IMG.0060"])
def test_get_is_retried_then_succeeds(fake_session, response, failure):
    answers = {
        "refused": NotSent(REFUSED),
        "dropped": ConnectionLost(DROPPED),
        "read-timeout": ReplyTimeout("timed out"),
        "connect-timeout": NotSent("connect to ims.x:443 timed out after 60 s"),
        "IMG.0060": flow_control(response, "IMG.0060"),
    }
    first = answers.get(failure) or response(int(failure), text="busy")
    second = answers.get(failure) or response(int(failure), {"error": {"code": "IMG.9999", "message": "busy"}})
    fake_session.add("GET", LIST, first, second, response(200, {"images": [{"id": "i1"}]}))
    client, sleeps = make_client(fake_session)

    assert client.request("GET", LIST) == {"images": [{"id": "i1"}]}
    assert fake_session.count("GET", LIST) == 3
    assert len(sleeps) == 2
    # Every attempt is signed afresh.
    assert all("Authorization" in call["headers"] for call in fake_session.calls)
    assert [status for dummy, dummy2, status in client.recorder][-1] == 200


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "HEAD"])
def test_idempotent_methods_are_retried_on_500(fake_session, response, method):
    fake_session.add(method, "/v2/images/i1", response(500), response(200, {}))
    client, sleeps = make_client(fake_session)
    client.request(method, "/v2/images/i1", body=[] if method == "PATCH" else None)
    assert fake_session.count(method, "/v2/images/i1") == 2


@pytest.mark.parametrize("max_retries", [0, 1, 3])
def test_max_retries_is_respected(fake_session, response, max_retries):
    fake_session.add("GET", LIST, *[response(503, text="unavailable") for dummy in range(max_retries + 2)])
    client, sleeps = make_client(fake_session, max_retries=max_retries)
    with pytest.raises(HuaweiCloudError) as info:
        client.request("GET", LIST)
    assert not isinstance(info.value, AmbiguousRequestError)
    assert info.value.status == 503
    assert fake_session.count("GET", LIST) == max_retries + 1
    assert len(sleeps) == max_retries


def test_connection_errors_exhaust_retries(fake_session):
    fake_session.add("GET", LIST, *[ConnectionLost(DROPPED) for dummy in range(3)])
    client, sleeps = make_client(fake_session, max_retries=2)
    with pytest.raises(HuaweiCloudError) as info:
        client.request("GET", LIST)
    assert not isinstance(info.value, AmbiguousRequestError)
    assert "connection to ims.example.com failed" in str(info.value)
    assert client.recorder == [("GET", LIST, None)] * 3


def test_client_errors_are_not_retried(fake_session, response):
    fake_session.add("GET", LIST, response(404, {"error": {"code": "IMG.0027", "message": "no such image"}}))
    client, sleeps = make_client(fake_session)
    with pytest.raises(HuaweiCloudError) as info:
        client.request("GET", LIST)
    assert info.value.code == "IMG.0027" and info.value.status == 404
    assert fake_session.count("GET", LIST) == 1 and sleeps == []


# Non-idempotent calls --------------------------------------------------------------

@pytest.mark.parametrize("status", [500, 502, 504])
def test_post_is_not_retried_on_server_error_but_ambiguous(fake_session, response, status):
    fake_session.add("POST", CREATE, response(status, {"error": {"code": "IMG.0001", "message": "internal"}}))
    client, sleeps = make_client(fake_session)
    with pytest.raises(AmbiguousRequestError) as info:
        client.request("POST", CREATE, body={"name": "x"})
    assert info.value.status == status and info.value.code == "IMG.0001"
    assert info.value.method == "POST" and info.value.path == CREATE
    assert fake_session.count("POST", CREATE) == 1 and sleeps == []


def test_idempotent_flag_overrides_method(fake_session, response):
    fake_session.add("PUT", "/v1/cloudimages/i1/upload", response(500))
    fake_session.add("POST", "/v3/whatever", response(500), response(200, {}))
    client, sleeps = make_client(fake_session)
    with pytest.raises(AmbiguousRequestError):
        client.request("PUT", "/v1/cloudimages/i1/upload", body={}, idempotent=False)
    client.request("POST", "/v3/whatever", body={}, idempotent=True)
    assert fake_session.count("POST", "/v3/whatever") == 2


@pytest.mark.parametrize("code", ["IMG.0060", "IMG.0149", None])
def test_post_is_retried_on_flow_control(fake_session, response, code):
    busy = flow_control(response, code) if code else response(429, text="Too Many Requests")
    fake_session.add("POST", CREATE, busy, busy, response(200, {"job_id": "j1"}))
    client, sleeps = make_client(fake_session)
    assert client.request("POST", CREATE, body={"name": "x"}) == {"job_id": "j1"}
    assert fake_session.count("POST", CREATE) == 3
    assert len(sleeps) == 2
    bodies = set(call["data"] for call in fake_session.calls)
    assert len(bodies) == 1


def test_post_flow_control_exhausted_is_not_ambiguous(fake_session, response):
    # The server said it did nothing: a plain error, no reconciliation needed.
    fake_session.add("POST", CREATE, *[flow_control(response, "IMG.0149") for dummy in range(3)])
    client, sleeps = make_client(fake_session, max_retries=2)
    with pytest.raises(HuaweiCloudError) as info:
        client.request("POST", CREATE, body={"name": "x"})
    assert not isinstance(info.value, AmbiguousRequestError)
    assert info.value.code == "IMG.0149"
    assert fake_session.count("POST", CREATE) == 3


def test_post_other_400_is_plain_error(fake_session, response):
    fake_session.add("POST", CREATE, response(400, {"error": {"code": "IMG.0003", "message": "bad name"}}))
    client, sleeps = make_client(fake_session)
    with pytest.raises(HuaweiCloudError) as info:
        client.request("POST", CREATE, body={"name": "x"})
    assert not isinstance(info.value, AmbiguousRequestError)
    assert info.value.message == "bad name"


@pytest.mark.parametrize("refusal", [NotSent(REFUSED),
                                     NotSent("connect to ims.x:443 timed out after 60 s")])
def test_post_is_retried_when_never_sent(fake_session, response, refusal):
    fake_session.add("POST", CREATE, refusal, response(200, {"job_id": "j1"}))
    client, sleeps = make_client(fake_session)
    assert client.request("POST", CREATE, body={"name": "x"}) == {"job_id": "j1"}
    assert fake_session.count("POST", CREATE) == 2


def test_post_refused_until_exhausted_is_not_ambiguous(fake_session):
    fake_session.add("POST", CREATE, *[NotSent(REFUSED) for dummy in range(2)])
    client, sleeps = make_client(fake_session, max_retries=1)
    with pytest.raises(HuaweiCloudError) as info:
        client.request("POST", CREATE, body={"name": "x"})
    assert not isinstance(info.value, AmbiguousRequestError)
    assert fake_session.count("POST", CREATE) == 2


@pytest.mark.parametrize("lost", [ConnectionLost(DROPPED),
                                  ReplyTimeout("timed out")])
def test_post_with_lost_response_is_ambiguous(fake_session, lost):
    fake_session.add("POST", CREATE, lost)
    client, sleeps = make_client(fake_session)
    with pytest.raises(AmbiguousRequestError) as info:
        client.request("POST", CREATE, body={"name": "x"})
    assert info.value.method == "POST" and info.value.path == CREATE
    assert fake_session.count("POST", CREATE) == 1 and sleeps == []


# Streamed bodies -----------------------------------------------------------------------

def test_streamed_body_is_rewound_for_a_retry(fake_session, response):
    fake_session.add("PUT", "/v2/images/i1/file", response(503), response(204))
    client, sleeps = make_client(fake_session)
    client.request("PUT", "/v2/images/i1/file", data=io.BytesIO(b"disk"), content_type="application/octet-stream")
    assert [call["data"] for call in fake_session.calls] == [b"disk", b"disk"]


class OneShotStream(object):
    """A pipe-like body: readable once, not seekable."""

    def read(self, size=-1):
        return b"once"

    def seek(self, offset, whence=0):
        raise IOError("not seekable")


def test_unseekable_body_is_not_retried(fake_session, response):
    fake_session.add("PUT", "/v2/images/i1/file", response(503))
    client, sleeps = make_client(fake_session)
    with pytest.raises(HuaweiCloudError) as info:
        client.request("PUT", "/v2/images/i1/file", data=OneShotStream(), content_type="application/octet-stream")
    assert info.value.status == 503
    assert fake_session.count("PUT", "/v2/images/i1/file") == 1


# create_once: reconciling an ambiguous create ----------------------------------------

class Script(object):
    """Calls answer from a list: exceptions are raised, anything else returned."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.calls = 0

    def __call__(self):
        self.calls += 1
        answer = self.answers.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        return answer


def _lost():
    return AmbiguousRequestError("connection dropped", method="POST", path=CREATE)


def test_create_once_returns_first_result():
    create, find = Script("job-1"), Script()
    assert create_once(create, find) == "job-1"
    assert (create.calls, find.calls) == (1, 0)


def test_create_once_finds_what_an_ambiguous_create_made():
    create, find = Script(_lost()), Script({"id": "img-1"})
    assert create_once(create, find) == {"id": "img-1"}
    assert (create.calls, find.calls) == (1, 1)


def test_create_once_retries_when_nothing_was_made():
    create, find = Script(_lost(), "job-2"), Script(None)
    assert create_once(create, find) == "job-2"
    assert (create.calls, find.calls) == (2, 1)


def test_create_once_gives_up_after_retries():
    create, find = Script(_lost(), _lost(), _lost()), Script(None, None)
    with pytest.raises(AmbiguousRequestError):
        create_once(create, find, retries=2)
    assert (create.calls, find.calls) == (3, 2)


def test_create_once_does_not_reconcile_plain_errors():
    create, find = Script(HuaweiCloudError("bad request", status=400)), Script()
    with pytest.raises(HuaweiCloudError):
        create_once(create, find)
    assert (create.calls, find.calls) == (1, 0)


def test_create_once_with_the_client(fake_session, response):
    # POST answered 500 (effect unknown); the lookup shows the image exists: no second POST.
    fake_session.add("POST", CREATE, response(500, text="internal error"))
    fake_session.add("GET", LIST, response(200, {"images": [{"id": "img-9", "name": "x"}]}))
    client, sleeps = make_client(fake_session)

    def create():
        return client.request("POST", CREATE, body={"name": "x"})["job_id"]

    def find():
        images = client.request("GET", LIST, query={"name": "x"})["images"]
        return images[0] if images else None

    assert create_once(create, find) == {"id": "img-9", "name": "x"}
    assert fake_session.count("POST", CREATE) == 1
