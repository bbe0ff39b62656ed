"""Randomized differential test of AK/SK signatures (issue 8 point 9).

Random requests are signed with huaweicloudsdkcore's own Signer (the reference implementation). The emulator's
verifier must accept exactly those and refuse the same request with any one part tampered with; the collection's
signer (plugins/module_utils/_signer.py) must produce the same Authorization header byte for byte. Cases mix
query keys that sort differently raw and percent-encoded, %2F inside a path segment, empty bodies,
UNSIGNED-PAYLOAD, unicode in query, path and header values. A fixed seed keeps failures reproducible.
"""
from __future__ import annotations

import copy
import datetime
import json
import os
import random
import sys

import pytest
import requests

from test_emulator import DEMO, REGION, emu, fresh, project_id  # noqa: F401  pylint: disable=unused-import
from ims_emulator import auth

sdkcore = pytest.importorskip("huaweicloudsdkcore")
from huaweicloudsdkcore.auth.credentials import BasicCredentials  # noqa: E402
from huaweicloudsdkcore.sdk_request import SdkRequest  # noqa: E402
from huaweicloudsdkcore.signer.signer import Signer  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "plugins", "module_utils"))
import _signer as collection_signer  # noqa: E402  (stand-alone module: only the standard library)

AK, SK = "DIFFTESTAK0000000001", "DiffTestSecretKey000000000000000000000001"
CASES = 300
HOST = "ims.cn-north-4.myhuaweicloud.com"
# Raw order differs from encoded order: ":" (0x3a) > "0" raw but "%3A" < "0"; "é" sorts last raw, first encoded.
QUERY_KEYS = ["a0", "a:", "a b", "Z", "a~", u"é", "limit", "name", "a/b", "_x", "x-y", "tag"]
QUERY_VALUES = ["1", "", "a b", u"一 (&=?!#%.*)", "/tmp/123", "~ok", "x+y", u"ümlaut", "a=b"]
PATH_SEGMENTS = ["v2", "cloudimages", "a%2Fb", "x%20y", "%E4%B8%80", "~tilde", "id-123", "a:b", "UPPER"]
HEADER_VALUES = ["plain", "  padded  ", u"ünïcode 一", "a,b;c"]


def random_request(rng):
    method = rng.choice(["GET", "POST", "PUT", "DELETE", "PATCH"])
    path = "/" + "/".join(rng.choice(PATH_SEGMENTS) for dummy in range(rng.randint(1, 4)))
    if rng.random() < 0.2:
        path += "/"
    query = []
    for key in rng.sample(QUERY_KEYS, rng.randint(0, 4)):
        if rng.random() < 0.2:
            query.append((key, rng.sample(QUERY_VALUES, 2)))
        elif rng.random() < 0.1:
            query.append((key, rng.random() < 0.5))
        else:
            query.append((key, rng.choice(QUERY_VALUES)))
    kind = rng.choice(["empty", "json", "bytes", "unsigned-empty", "unsigned"])
    headers = {"X-Sdk-Date": "20260101T000000Z", "X-Project-Id": "6866373608ce25c0ea4d707e95915ad8"}
    body = b""
    if kind == "json":
        headers["Content-Type"] = "application/json;charset=UTF-8"
        body = json.dumps({"name": u"n\u00e9", "n": rng.randint(0, 9)}, ensure_ascii=False).encode("utf-8")
    elif kind == "bytes":
        headers["Content-Type"] = "application/json"
        body = bytes(rng.getrandbits(8) for dummy in range(rng.randint(1, 64)))
    elif kind in ("unsigned-empty", "unsigned"):
        headers["Content-Type"] = "application/octet-stream"  # the SDK adds X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD
        body = b"" if kind == "unsigned-empty" else os.urandom(rng.randint(1, 64))
    if rng.random() < 0.5:
        headers["X-Custom-Value"] = rng.choice(HEADER_VALUES)
    if rng.random() < 0.3:
        headers["TEST_UNDERSCORE"] = "not signed"
    return method, path, query, headers, body


def sdk_sign(method, path, query, headers, body):
    request = SdkRequest(method=method, schema="https", host=HOST, resource_path=path, uri=path,
                         query_params=copy.deepcopy(query), header_params=dict(headers), body=body or None)
    return Signer(BasicCredentials(AK, SK)).sign(request)


def wire_query(signed):
    uri = signed.uri
    return uri.split("?", 1)[1] if "?" in uri else ""


def test_emulator_verifier_and_collection_signer_match_the_sdk():
    rng = random.Random(20260101)
    now = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    kinds = set()
    for dummy in range(CASES):
        method, path, query, headers, body = random_request(rng)
        signed = sdk_sign(method, path, query, headers, body)
        wire_headers = dict(signed.header_params)  # already as sent: values encoded UTF-8, read as ISO-8859-1
        raw_query = wire_query(signed)
        context = (method, path, raw_query, wire_headers, body)
        auth.verify_signed(method, path, raw_query, wire_headers, body, SK, now=now)
        kinds.add((bool(body), "X-Sdk-Content-Sha256" in wire_headers))

        # the collection's signer, given the same request, gives the same Authorization header
        plain = dict(headers)
        ours = collection_signer.sign_request(
            method, "https://%s%s%s" % (HOST, path, "?" + collection_signer.canonical_query(query) if query else ""),
            plain, body or None, AK, SK)
        assert collection_signer.canonical_query(query) == raw_query, context
        assert ours["Authorization"] == signed.header_params["Authorization"], context

        # any tampered part is refused
        tampered = []
        if raw_query:
            tampered.append((method, path, raw_query + "&extra=1", wire_headers, body))
        tampered.append((method, path + "x", raw_query, wire_headers, body))
        tampered.append(("HEAD" if method != "HEAD" else "GET", path, raw_query, wire_headers, body))
        tampered.append((method, path, raw_query, dict(wire_headers, **{"X-Project-Id": "0" * 32}), body))
        if body and "X-Sdk-Content-Sha256" not in wire_headers:
            tampered.append((method, path, raw_query, wire_headers, body[:-1] + bytes([body[-1] ^ 1])))
        for bad in tampered:
            with pytest.raises(Exception) as info:
                auth.verify_signed(*bad, secret=SK, now=now)
            assert getattr(info.value, "code", None) == "APIGW.0301", bad
    # every body kind came up: empty, signed, UNSIGNED-PAYLOAD with and without a body
    assert kinds == {(False, False), (True, False), (False, True), (True, True)}


def test_sdk_signed_requests_over_http(fresh):
    """The same signer over the wire: the emulator accepts SDK-signed calls with awkward queries and headers."""
    rng = random.Random(7)
    pid = project_id(DEMO, REGION)
    cred = DEMO["credentials"][0]
    base = "%s/ims/%s" % (fresh, REGION)
    host = base.split("://", 1)[1].split("/", 1)[0]
    for dummy in range(20):
        keys = [key for key in QUERY_KEYS if key != "limit"]  # a bad limit is a 400, not a signature matter
        query = [(key, rng.choice(QUERY_VALUES)) for key in rng.sample(keys, rng.randint(1, 4))]
        headers = {"X-Project-Id": pid, "X-Custom-Value": rng.choice(HEADER_VALUES)}
        path = "/ims/%s/v2/cloudimages" % REGION
        request = SdkRequest(method="GET", schema="http", host=host, resource_path=path, uri=path,
                             query_params=query, header_params=headers, body=None)
        signed = Signer(BasicCredentials(cred["access"], cred["secret"])).sign(request)
        url = "%s%s" % (fresh, signed.uri)
        assert requests.get(url, headers=signed.header_params, timeout=30).status_code == 200, (url, query)
        tampered = dict(signed.header_params, **{"X-Custom-Value": "other"})
        assert requests.get(url, headers=tampered, timeout=30).status_code == 401
