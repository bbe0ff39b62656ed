# -*- coding: utf-8 -*-
# Copyright: huaweicloud.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The response contract against a real, hostile loopback HTTP server: every broken or malicious reply is a
clear HuaweiCloudError naming the call (no KeyError, no library text, no endless loop, no credential), within
the call's time budget; redirects are never followed, so their target receives nothing."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ansible_collections.huaweicloud.cloud.plugins.module_utils._client import (
    MAX_BODY_BYTES,
    Credentials,
    HuaweiCloudClient,
)
from ansible_collections.huaweicloud.cloud.plugins.module_utils._errors import HuaweiCloudError
from ansible_collections.huaweicloud.cloud.plugins.module_utils._ims import ImsApi
from ansible_collections.huaweicloud.cloud.plugins.module_utils._retries import RetryPolicy

PROJECT = "0123456789abcdef0123456789abcdef"
AK = "AKHOSTILETEST0000001"
SK = "sk-hostile-secret-0123456789"
STS = "sts-token-hostile-0123456789"
PASSWORD = "Hostile-Passw0rd!"
TOKEN = "MIIhostile-iam-token-0123456789"
SECRETS = [SK, STS, PASSWORD, TOKEN]


class Server(object):
    """A loopback HTTP server whose every answer is ``behaviour(handler)``; records what it received."""

    def __init__(self):
        self.behaviour = None
        self.received = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def handle_one(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                server.received.append({"method": self.command, "path": self.path,
                                        "headers": dict(self.headers.items()), "body": body})
                try:
                    server.behaviour(self)
                except (BrokenPipeError, ConnectionResetError):
                    pass
                self.close_connection = True

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = handle_one

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = "http://127.0.0.1:%d" % self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def servers():
    made = []

    def make():
        made.append(Server())
        return made[-1]

    yield make
    for server in made:
        server.close()


def send(handler, status=200, body=b"", headers=None, length=None):
    if isinstance(body, (dict, list)):
        body = json.dumps(body).encode()
    handler.send_response(status)
    for key, value in (headers or {}).items():
        handler.send_header(key, value)
    handler.send_header("Content-Length", str(len(body) if length is None else length))
    handler.send_header("Connection", "close")
    handler.end_headers()
    handler.wfile.write(body)
    handler.wfile.flush()


def json_reply(body, status=200, headers=None):
    return lambda h: send(h, status, body, headers)


def drip(h):
    h.send_response(200)
    h.send_header("Content-Length", "1000")
    h.end_headers()
    for dummy in range(1000):
        h.wfile.write(b" ")
        h.wfile.flush()
        time.sleep(0.05)


def truncated(h):
    h.send_response(200)
    h.send_header("Content-Length", "1000")
    h.end_headers()
    h.wfile.write(b'{"images": [')
    h.wfile.flush()


def huge_chunked(h):
    h.send_response(200)
    h.send_header("Transfer-Encoding", "chunked")
    h.end_headers()
    chunk = b"[" * 65536
    for dummy in range(MAX_BODY_BYTES // len(chunk) + 2):
        h.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
    h.wfile.write(b"0\r\n\r\n")


def slow_headers(h):
    time.sleep(3)
    send(h, 200, {"images": []})


def page_of(ids):
    return {"images": [{"id": i, "name": "x"} for i in ids]}


class Pages(object):
    """Answers list pages from a script, by call number (the last one repeats)."""

    def __init__(self, *pages):
        self.pages = pages
        self.count = 0

    def __call__(self, h):
        page = self.pages[min(self.count, len(self.pages) - 1)]
        self.count += 1
        send(h, 200, page)


class Flaky(object):
    """Fails ``times`` times with ``failure``, then answers ``final``."""

    def __init__(self, times, failure, final):
        self.times, self.failure, self.final = times, failure, final

    def __call__(self, h):
        if self.times:
            self.times -= 1
            self.failure(h)
        else:
            self.final(h)


def make_client(url, credentials=None, timeout=1, max_retries=2, project_id=PROJECT):
    credentials = credentials or Credentials(access_key=AK, secret_key=SK, security_token=STS)
    policy = RetryPolicy(max_retries=max_retries, base_delay=0.01, max_delay=0.05)
    return HuaweiCloudClient(credentials, "cn-north-4", project_id=project_id, ims_endpoint=url + "/ims/{region}",
                             iam_endpoint=url + "/iam", timeout=timeout, retry_policy=policy)


def list_images(client):
    return ImsApi(client).list_images(limit=2)


def start_copy(client):
    return ImsApi(client).copy("4ca46bf1-5c61-48ff-b4f3-0ad4e5e3ba86", {"name": "c"})


def get_job(client):
    return ImsApi(client).get_job("ff80808288d41e1b018f0c7e2f4b0a5c")


def list_members(client):
    return ImsApi(client).list_members("4ca46bf1-5c61-48ff-b4f3-0ad4e5e3ba86")


def project_lookup(client):
    return client.project_id_by_name("cn-north-4")


def token_issue(client):
    client._issue_token()
    return client._token


# (case id, call, behaviour, substrings of the error message)
CASES = [
    ("list-not-json", list_images, lambda h: send(h, 200, b"<html>ok</html>"),
     ["GET /v2/cloudimages answered HTTP 200", "not JSON", "<html>ok</html>"]),
    ("list-empty-body", list_images, lambda h: send(h, 200, b""), ["without images as a list"]),
    ("list-json-list", list_images, json_reply([1, 2]), ["answered with list where an object was expected"]),
    ("list-images-not-list", list_images, json_reply({"images": "many"}), ["without images as a list"]),
    ("list-images-null", list_images, json_reply({"images": None}), ["without images as a list"]),
    ("list-entry-not-object", list_images, json_reply({"images": ["x"]}), ["entry of images that has no id"]),
    ("list-entry-no-id", list_images, json_reply({"images": [{"name": "x"}]}), ["entry of images that has no id"]),
    ("list-entry-int-id", list_images, json_reply({"images": [{"id": 7}]}), ["entry of images that has no id"]),
    ("list-marker-stuck", list_images, Pages(page_of(["a", "b"])), ["repeated a page", "did not advance"]),
    ("list-pages-cycle", list_images, Pages(page_of(["a", "b"]), page_of(["c", "d"]), page_of(["a", "b"])),
     ["repeated a page"]),
    ("list-truncated", list_images, truncated, ["cut short"]),
    ("list-declared-huge", list_images, lambda h: send(h, 200, b"{}", length=MAX_BODY_BYTES + 1),
     ["declares a body of", "at most"]),
    ("list-bad-length", list_images, lambda h: send(h, 200, b"{}", length="-5"), ["GET /ims/cn-north-4/v2/cloudimages"]),
    ("list-huge-chunked", list_images, huge_chunked, ["larger than %d bytes" % MAX_BODY_BYTES]),
    ("list-drip", list_images, drip, ["timed out"]),
    ("list-slow-headers", list_images, slow_headers, ["timed out"]),
    ("list-304", list_images, lambda h: send(h, 304, b""), ["HTTP 304", "never redirected"]),
    ("list-302", list_images, lambda h: send(h, 302, b"", {"Location": "http://127.0.0.1:9/steal"}),
     ["HTTP 302", "http://127.0.0.1:9/steal", "not followed"]),
    ("list-301-self", list_images, lambda h: send(h, 301, b"", {"Location": h.path}), ["HTTP 301", "not followed"]),
    ("list-500-html", list_images, lambda h: send(h, 500, b"<html><body>Internal\nError</body></html>"),
     ["<html><body>Internal Error</body></html>", "HTTP 500"]),
    ("list-400-echoes-auth", list_images,
     lambda h: send(h, 400, {"error": {"code": "APIGW.0201", "message": "X-Security-Token: %s, Authorization: %s"
                                       % (h.headers["X-Security-Token"], h.headers["Authorization"])}}),
     ["APIGW.0201", "X-Security-Token: ********"]),
    ("list-400-int-code", list_images, json_reply({"error": {"code": 400, "message": "nope"}}, 400),
     ["nope (HTTP 400"]),
    ("list-400-huge-message", list_images, json_reply({"error": {"code": "IMG.0001", "message": "m" * 5000}}, 400),
     ["IMG.0001: " + "m" * 200 + "..."]),
    ("list-400-not-json", list_images, lambda h: send(h, 400, b"\xff\xfe garbage"), ["garbage", "HTTP 400"]),
    ("list-503-always", list_images, json_reply({"error": {"code": "SYS.0503", "message": "busy"}}, 503),
     ["busy", "HTTP 503"]),
    ("copy-no-job-id", start_copy, json_reply({}), ["without job_id as a string"]),
    ("copy-job-id-int", start_copy, json_reply({"job_id": 5}), ["without job_id as a string"]),
    ("copy-not-json", start_copy, lambda h: send(h, 200, b"accepted"), ["not JSON"]),
    ("copy-500", start_copy, json_reply({"error": {"code": "IMG.0061", "message": "oops"}}, 500), ["oops"]),
    ("job-not-json", get_job, lambda h: send(h, 200, b"RUNNING"), ["not JSON"]),
    ("job-list", get_job, json_reply(["SUCCESS"]), ["where an object was expected"]),
    ("job-status-int", get_job, json_reply({"status": 1}), ["without status as a string"]),
    ("members-not-list", list_members, json_reply({"members": {"a": 1}}), ["without members as a list"]),
    ("iam-projects-not-list", project_lookup, json_reply({"projects": "cn-north-4"}), ["without projects as a list"]),
    ("iam-project-bad-id", project_lookup, json_reply({"projects": [{"name": "cn-north-4", "id": "a b\r\n"}]}),
     ["project id that is not printable ASCII"]),
    ("iam-project-id-missing", project_lookup, json_reply({"projects": [{"name": "cn-north-4"}]}),
     ["project id that is not"]),
]


@pytest.mark.timeout(120)
@pytest.mark.parametrize("case_id, call, behaviour, expected", CASES, ids=[c[0] for c in CASES])
def test_hostile_reply_is_a_clear_failure(servers, case_id, call, behaviour, expected):
    server = servers()
    server.behaviour = behaviour
    client = make_client(server.url)
    with pytest.raises(HuaweiCloudError) as info:
        call(client)
    message = str(info.value)
    for text in expected:
        assert text in message, message
    for secret in SECRETS:
        assert secret not in message
    assert "Traceback" not in message


def test_at_least_thirty_server_behaviours():
    assert len(CASES) >= 30 and len(set(c[0] for c in CASES)) == len(CASES)


@pytest.mark.timeout(60)
def test_dripping_reply_is_cut_at_the_call_budget_not_per_read(servers):
    server = servers()
    server.behaviour = drip
    client = make_client(server.url, timeout=1, max_retries=0)
    with pytest.raises(HuaweiCloudError) as info:
        list_images(client)
    assert "timed out after 1s" in str(info.value)
    # The server dripped a byte every 0.05 s: a per-read timeout alone would have read all 1000 bytes.
    assert len(server.received) == 1


def test_retry_after_is_honoured_and_transient_errors_retried(servers):
    server = servers()
    server.behaviour = Flaky(1, lambda h: send(h, 429, b"{}", {"Retry-After": "0"}), json_reply({"images": []}))
    client = make_client(server.url)
    sleeps = []
    client.retry_policy.sleep = sleeps.append
    assert list_images(client) == []
    assert len(server.received) == 2 and len(sleeps) == 1


def test_redirect_target_receives_no_credentials_and_no_password(servers):
    """A 30x from IAM or IMS is never followed: the target sees no request, so neither the signed headers,
    the security token, the IAM token nor the password body reach it."""
    target = servers()
    target.behaviour = json_reply({"images": []})
    endpoint = servers()
    for status in (301, 302, 303, 307, 308):
        endpoint.behaviour = lambda h, status=status: send(h, status, b"", {"Location": target.url + "/ims/x"})
        for credentials, call in (
                (Credentials(access_key=AK, secret_key=SK, security_token=STS), list_images),
                (Credentials(user="u", password=PASSWORD, domain="d"), token_issue)):
            client = make_client(endpoint.url, credentials=credentials, project_id=PROJECT)
            with pytest.raises(HuaweiCloudError) as info:
                call(client)
            assert "HTTP %d redirecting to %s/ims/x" % (status, target.url) in str(info.value)
    assert target.received == []
    # What the endpoint itself received did carry the credentials: the test would notice a leak.
    assert any("Authorization" in r["headers"] for r in endpoint.received)
    assert any(PASSWORD.encode() in r["body"] for r in endpoint.received)


def test_token_echoed_by_a_server_is_masked(servers):
    server = servers()

    def iam(h):
        if h.command == "POST":
            send(h, 201, {"token": {"project": {"id": PROJECT}}}, {"X-Subject-Token": TOKEN})
        else:
            send(h, 403, {"error": {"code": "IMG.0003", "message": "token %s is not allowed; X-Auth-Token: %s"
                                    % (h.headers.get("X-Auth-Token"), h.headers.get("X-Auth-Token"))}})
    server.behaviour = iam
    client = make_client(server.url, credentials=Credentials(user="u", password=PASSWORD, domain="d"),
                         project_id=None)
    with pytest.raises(HuaweiCloudError) as info:
        list_images(client)
    assert TOKEN not in str(info.value) and "********" in str(info.value)


def test_token_with_line_break_from_iam_is_refused_not_sent(servers):
    server = servers()
    server.behaviour = lambda h: send(h, 201, {}, {"X-Subject-Token": "abc def"})
    client = make_client(server.url, credentials=Credentials(user="u", password=PASSWORD, domain="d"),
                         project_id=None)
    with pytest.raises(HuaweiCloudError) as info:
        list_images(client)
    assert "without a usable X-Subject-Token" in str(info.value) and "abc def" not in str(info.value)
    assert len(server.received) == 1


def test_truncated_reply_to_a_create_is_ambiguous(servers):
    """The POST arrived (its reply was cut short): create_once must look before trying again."""
    from ansible_collections.huaweicloud.cloud.plugins.module_utils._errors import AmbiguousRequestError

    server = servers()
    server.behaviour = truncated
    with pytest.raises(AmbiguousRequestError):
        start_copy(make_client(server.url))
    assert len(server.received) == 1
