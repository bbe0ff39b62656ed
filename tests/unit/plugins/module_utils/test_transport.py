# -*- coding: utf-8 -*-
# Copyright: huaweicloud.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The standard-library transport against real loopback servers: kept-alive connections (and one the server
closed meanwhile), proxies from the environment (plain HTTP through the proxy, HTTPS through a CONNECT
tunnel, no_proxy, proxy credentials), a file body's length, and failures sorted by whether the request left.
``self_signed_server``: tests/unit/conftest.py."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import json
import select
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ansible_collections.huaweicloud.cloud.plugins.module_utils._transport import (
    ConnectionLost,
    HttpSession,
    NotSent,
    ReplyTimeout,
)

PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")


class Recorder(BaseHTTPRequestHandler):
    """Answers every request with a small JSON body on a kept-alive connection; records what came."""

    protocol_version = "HTTP/1.1"

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.server.seen.append(dict(method=self.command, path=self.path, peer=self.client_address,
                                     headers=dict(self.headers), body=body))
        reply = json.dumps({"via": self.server.name}).encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    do_GET = do_PUT = _answer

    def do_CONNECT(self):
        self.server.seen.append(dict(method="CONNECT", path=self.path, peer=self.client_address,
                                     headers=dict(self.headers), body=b""))
        host, port = self.path.rsplit(":", 1)
        upstream = socket.create_connection((host, int(port)), timeout=5)
        self.send_response(200, "Connection established")
        self.end_headers()
        ends = [self.connection, upstream]
        while True:
            readable = select.select(ends, [], [], 5)[0]
            if not readable:
                break
            data = b""
            for end in readable:
                data = end.recv(65536)
                if not data:
                    break
                (upstream if end is self.connection else self.connection).sendall(data)
            if not data:
                break
        upstream.close()
        self.close_connection = True

    def log_message(self, *args):
        pass


def serve(name, idle_timeout=None):
    handler = type("Handler", (Recorder,), {"timeout": idle_timeout})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    server.name, server.seen = name, []
    server.url = "http://127.0.0.1:%d" % server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def servers(monkeypatch):
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    started = []

    def make(name, idle_timeout=None):
        started.append(serve(name, idle_timeout))
        return started[-1]
    yield make
    for server in started:
        server.shutdown()
        server.server_close()


def get(session, url, **options):
    response = session.request("GET", url, **options)
    body = b""
    try:
        while True:
            chunk = response.read1(65536)
            if not chunk:
                break
            body += chunk
    finally:
        response.close()
    return response.status_code, json.loads(body.decode("utf-8"))


def test_one_connection_serves_many_requests_and_a_closed_one_is_reopened(servers):
    origin = servers("origin", idle_timeout=0.3)
    session = HttpSession()
    for dummy in range(3):
        assert get(session, origin.url + "/v2/cloudimages") == (200, {"via": "origin"})
    assert len(set(request["peer"] for request in origin.seen)) == 1
    assert len(session._idle) == 1
    kept = next(iter(session._idle.values()))
    # Headers and body go out in separate writes: Nagle's algorithm would hold the body for the delayed ACK.
    assert kept.sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
    time.sleep(0.6)  # the server drops the idle connection
    assert get(session, origin.url + "/v2/cloudimages") == (200, {"via": "origin"})
    assert len(set(request["peer"] for request in origin.seen)) == 2


def test_http_goes_through_the_proxy_with_its_credentials_unless_no_proxy_names_the_host(servers, monkeypatch):
    origin, proxy = servers("origin"), servers("proxy")
    monkeypatch.setenv("http_proxy", "http://squid:p%%40ss@127.0.0.1:%d" % proxy.server_address[1])
    session = HttpSession()
    assert get(session, origin.url + "/v2/cloudimages?limit=1") == (200, {"via": "proxy"})
    request = proxy.seen[0]
    assert request["path"] == origin.url + "/v2/cloudimages?limit=1"
    assert request["headers"]["Proxy-Authorization"] == "Basic " + base64.b64encode(b"squid:p@ss").decode("ascii")
    assert origin.seen == []
    monkeypatch.setenv("no_proxy", "localhost,127.0.0.1")
    assert get(session, origin.url + "/v2/cloudimages") == (200, {"via": "origin"})
    assert "Proxy-Authorization" not in origin.seen[0]["headers"]


def test_https_is_tunnelled_through_the_proxy_and_still_verified(servers, monkeypatch, self_signed_server):
    url, cert = self_signed_server
    proxy = servers("proxy")
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    assert get(HttpSession(), url + "/v2/cloudimages", verify=cert) == (200, {"images": []})
    assert [(r["method"], r["path"]) for r in proxy.seen] == [("CONNECT", url[len("https://"):])]


def test_a_proxy_url_that_is_not_http_is_refused_without_showing_it(servers, monkeypatch):
    origin = servers("origin")
    monkeypatch.setenv("http_proxy", "socks5://user:secret-pw@127.0.0.1:1080")
    with pytest.raises(NotSent) as error:
        HttpSession().request("GET", origin.url + "/")
    assert "http_proxy must be an http:// proxy URL" in str(error.value)
    assert "secret-pw" not in str(error.value)


def test_a_file_body_is_sent_with_its_length_from_where_it_stands(servers, tmp_path):
    origin = servers("origin")
    disk = tmp_path / "disk.qcow2"
    disk.write_bytes(b"0123456789" * 1000)
    with open(str(disk), "rb") as stream:
        stream.seek(10)
        response = HttpSession().request("PUT", origin.url + "/v2/images/i1/file", data=stream)
        response.close()
    assert origin.seen[0]["headers"]["Content-Length"] == "9990"
    assert origin.seen[0]["body"] == (b"0123456789" * 1000)[10:]


def test_failures_say_whether_the_request_left(servers):
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    with pytest.raises(NotSent):
        HttpSession().request("POST", "http://127.0.0.1:%d/v2/cloudimages/action" % port, data=b"{}")

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    url = "http://127.0.0.1:%d/v2/cloudimages/action" % listener.getsockname()[1]

    def hang_up():
        connection = listener.accept()[0]
        connection.recv(65536)
        connection.close()
    threading.Thread(target=hang_up, daemon=True).start()
    with pytest.raises(ConnectionLost):
        HttpSession().request("POST", url, data=b"{}", timeout=5)
    with pytest.raises(ReplyTimeout):  # accepted by the backlog, never answered
        HttpSession().request("POST", url, data=b"{}", timeout=0.3)
    listener.close()
