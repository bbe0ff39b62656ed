# -*- coding: utf-8 -*-
# Copyright: huaweicloud.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Make ``ansible_collections.huaweicloud.cloud`` importable for plain pytest runs.

ansible-test (or a runner that sets HWC_COLLECTIONS_PATH) already provides an
``ansible_collections`` tree; otherwise a temporary one is made once per
session whose ``huaweicloud/cloud`` is a symlink to this checkout.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import atexit
import io
import json
import os
import shutil
import ssl
import subprocess
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

try:
    from urllib.parse import urlsplit
except ImportError:  # pragma: no cover
    from urlparse import urlsplit  # type: ignore

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _inside_collection_tree():
    # <root>/ansible_collections/huaweicloud/cloud: the layout ansible-test works in.
    parts = REPO_ROOT.split(os.sep)
    return parts[-3:] == ["ansible_collections", "huaweicloud", "cloud"]


def _add_collections_path():
    configured = os.environ.get("HWC_COLLECTIONS_PATH")
    if configured:
        root = configured
    elif _inside_collection_tree():
        root = os.path.dirname(os.path.dirname(os.path.dirname(REPO_ROOT)))
    else:
        root = tempfile.mkdtemp(prefix="hwc-unit-")
        namespace = os.path.join(root, "ansible_collections", "huaweicloud")
        os.makedirs(namespace)
        os.symlink(REPO_ROOT, os.path.join(namespace, "cloud"))
        atexit.register(shutil.rmtree, root, True)
    if root not in sys.path:
        sys.path.insert(0, root)
    # A namespace package imported earlier keeps its old search path: extend it.
    package = sys.modules.get("ansible_collections")
    if package is not None and hasattr(package, "__path__"):
        entry = os.path.join(root, "ansible_collections")
        if entry not in list(package.__path__):
            package.__path__.append(entry)


# pytest imports a conftest once per session.
_add_collections_path()


# A stand-in for the client's HttpSession (plugins/module_utils/_transport.py) ---------------

class FakeHeaders(dict):
    """Reply headers, looked up regardless of case as http.client's are."""

    def __init__(self, headers):
        super(FakeHeaders, self).__init__((name.lower(), value) for name, value in headers.items())

    def get(self, name, default=None):
        return super(FakeHeaders, self).get(name.lower(), default)

    def __getitem__(self, name):
        return super(FakeHeaders, self).__getitem__(name.lower())


class FakeResponse(object):
    """The parts of a transport Response that the client reads."""

    def __init__(self, status_code=200, body=None, headers=None, text=None):
        self.status_code = status_code
        self.headers = FakeHeaders(headers or {})
        if text is not None:
            self.text = text
        elif body is not None:
            self.text = json.dumps(body)
        else:
            self.text = ""
        self.content = self.text.encode("utf-8")
        self._body = None

    def read1(self, size):
        # The client reads bodies itself, a chunk at a time; a scripted answer may be reused.
        if self._body is None:
            self._body = io.BytesIO(self.content)
        return self._body.read1(size)

    def close(self):
        self._body = None


class FakeSession(object):
    """Records every request and answers from per-(METHOD, path) queues.

    Queue items are FakeResponse objects or exception instances (raised). A
    request without a scripted answer fails the test.
    """

    def __init__(self):
        self.headers = {}
        self.calls = []
        self._answers = {}

    def add(self, method, path, *answers):
        self._answers.setdefault((method, path), []).extend(answers)
        return self

    def request(self, method, url, headers=None, data=None, timeout=None, verify=None):
        sent = data.read() if hasattr(data, "read") else data
        parts = urlsplit(url)
        self.calls.append(dict(method=method, url=url, path=parts.path, query=parts.query,
                               headers=dict(headers or {}), data=sent, timeout=timeout, verify=verify))
        queue = self._answers.get((method, parts.path))
        if not queue:
            raise AssertionError("unexpected request %s %s" % (method, url))
        answer = queue.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        return answer

    def count(self, method, path):
        return len([call for call in self.calls if call["method"] == method and call["path"] == path])

    def pending(self):
        return dict((key, queue) for key, queue in self._answers.items() if queue)


@pytest.fixture
def fake_session():
    return FakeSession()


@pytest.fixture
def response():
    """Factory: response(status, body=None, headers=None, text=None)."""
    return FakeResponse


@pytest.fixture
def self_signed_server(tmp_path):
    """A loopback HTTPS server whose certificate no default store trusts: (url, certificate file)."""
    if not shutil.which("openssl"):
        pytest.skip("openssl CLI not available")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            body = b'{"images": []}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(cert), str(key))
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield "https://127.0.0.1:%d" % server.server_address[1], str(cert)
    server.shutdown()
    server.server_close()
