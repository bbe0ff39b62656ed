# -*- coding: utf-8 -*-
# Copyright: huaweicloud.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import hmac

import pytest

from ansible_collections.huaweicloud.cloud.plugins.module_utils._signer import (
    EMPTY_BODY_SHA256,
    canonical_query,
    canonical_uri,
    sign_request,
)

AK = "AccessKey"
SK = "SecretKey"
URL = "https://service.endpoint.myhuaweicloud.com/resources?size=1"
DATE = "20200608T023900Z"
VECTOR_HEADERS = {"X-Sdk-Date": DATE, "TEST_UNDERSCORE": "TEST_VALUE"}


def _parse_authorization(value):
    algorithm, rest = value.split(" ", 1)
    fields = dict(part.strip().split("=", 1) for part in rest.split(","))
    return algorithm, fields


def _reference_signature(method, uri, query, headers, payload_hash, date):
    """Straight from the documented algorithm, independent of the signer's code."""
    names = sorted(name.lower() for name in headers if "_" not in name)
    lowered = dict((name.lower(), str(value).strip()) for name, value in headers.items())
    canonical_headers = "".join("%s:%s\n" % (name, lowered[name]) for name in names)
    request = "\n".join([method, uri, query, canonical_headers, ";".join(names), payload_hash])
    to_sign = "SDK-HMAC-SHA256\n%s\n%s" % (date, hashlib.sha256(request.encode("utf-8")).hexdigest())
    return ";".join(names), hmac.new(SK.encode("utf-8"), to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


# Official SDK core test vectors ------------------------------------------------

def test_official_get_vector():
    signed = sign_request("GET", URL, VECTOR_HEADERS, b"", AK, SK)
    assert signed["Authorization"] == (
        "SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=host;x-sdk-date, "
        "Signature=cfb4171acec81de07d50e53d57eb77edd537414d66ddb1d7d780f128e12cd842")
    assert signed["Host"] == "service.endpoint.myhuaweicloud.com"
    assert signed["X-Sdk-Date"] == DATE


def test_official_get_vector_with_none_body():
    signed = sign_request("GET", URL, VECTOR_HEADERS, None, AK, SK)
    assert signed["Authorization"].endswith("cfb4171acec81de07d50e53d57eb77edd537414d66ddb1d7d780f128e12cd842")


@pytest.mark.parametrize("body", [b'{"name":"test","id":1}', u'{"name":"test","id":1}'])
def test_official_post_vector(body):
    assert hashlib.sha256(b'{"name":"test","id":1}').hexdigest() == (
        "8ed555081b9961769014bc1182c629bb0fe68d7b01c1fc1caab4dc791f377e8c")
    signed = sign_request("POST", URL, VECTOR_HEADERS, body, AK, SK)
    algorithm, fields = _parse_authorization(signed["Authorization"])
    assert algorithm == "SDK-HMAC-SHA256"
    assert fields == {
        "Access": "AccessKey",
        "SignedHeaders": "host;x-sdk-date",
        "Signature": "436b1ac0a1ae03705934bb70ef2f2e09f7bfed2117d731a38235053199323a1f",
    }


def test_official_query_vector():
    params = [("limit", 1), ("enable", True), ("test", u"\u4e00 (&=?!#%.*)"), ("path", "/tmp/123"), ("multi", [1, 2, 3])]
    assert canonical_query(params) == (
        "enable=true&limit=1&multi=1&multi=2&multi=3&path=%2Ftmp%2F123"
        "&test=%E4%B8%80%20%28%26%3D%3F%21%23%25.%2A%29")


# Details of the algorithm -------------------------------------------------------

def test_query_from_dict_skips_none_and_keeps_unreserved():
    assert canonical_query({"b": None, "a": "x-y_z.~", "c": False}) == "a=x-y_z.~&c=false"
    assert canonical_query({}) == ""


def test_underscore_headers_are_not_signed():
    with_extra = dict(VECTOR_HEADERS, X_Other_Thing="whatever")
    signed = sign_request("GET", URL, with_extra, b"", AK, SK)
    assert "SignedHeaders=host;x-sdk-date," in signed["Authorization"]
    assert signed["Authorization"].endswith("cfb4171acec81de07d50e53d57eb77edd537414d66ddb1d7d780f128e12cd842")


def test_extra_headers_are_signed_lowercased_and_sorted():
    headers = {"X-Sdk-Date": DATE, "X-Project-Id": " p1 ", "Content-Type": "application/json"}
    signed = sign_request("GET", URL, headers, None, AK, SK)
    names, signature = _reference_signature(
        "GET", "/resources/", "size=1", dict(headers, Host="service.endpoint.myhuaweicloud.com"), EMPTY_BODY_SHA256, DATE)
    assert names == "content-type;host;x-project-id;x-sdk-date"
    assert "SignedHeaders=%s," % names in signed["Authorization"]
    assert signed["Authorization"].endswith("Signature=" + signature)
    assert "X-Sdk-Content-Sha256" not in signed


def test_octet_stream_uses_unsigned_payload():
    headers = {"X-Sdk-Date": DATE, "Content-Type": "application/octet-stream"}
    first = sign_request("PUT", "https://ims.example.com/v2/images/abc/file", headers, b"0123456789", AK, SK)
    second = sign_request("PUT", "https://ims.example.com/v2/images/abc/file", headers, b"other bytes", AK, SK)
    assert first["X-Sdk-Content-Sha256"] == "UNSIGNED-PAYLOAD"
    assert "SignedHeaders=content-type;host;x-sdk-content-sha256;x-sdk-date," in first["Authorization"]
    # The body does not enter the signature.
    assert first["Authorization"] == second["Authorization"]
    expected_headers = dict(headers, Host="ims.example.com")
    expected_headers["X-Sdk-Content-Sha256"] = "UNSIGNED-PAYLOAD"
    dummy, signature = _reference_signature(
        "PUT", "/v2/images/abc/file/", "", expected_headers, "UNSIGNED-PAYLOAD", DATE)
    assert first["Authorization"].endswith("Signature=" + signature)


@pytest.mark.parametrize("content_type", ["application/json", "application/json;charset=UTF-8", "application/bson"])
def test_json_content_type_is_hashed(content_type):
    headers = {"X-Sdk-Date": DATE, "Content-Type": content_type}
    signed = sign_request("POST", URL, headers, b"{}", AK, SK)
    assert "X-Sdk-Content-Sha256" not in signed
    dummy, signature = _reference_signature(
        "POST", "/resources/", "size=1", dict(headers, Host="service.endpoint.myhuaweicloud.com"),
        hashlib.sha256(b"{}").hexdigest(), DATE)
    assert signed["Authorization"].endswith("Signature=" + signature)


def test_date_is_added_in_sdk_format():
    signed = sign_request("GET", URL, {}, None, AK, SK, now=1591583940)  # 2020-06-08 02:39:00 UTC
    assert signed["X-Sdk-Date"] == DATE
    assert signed["Authorization"].endswith("cfb4171acec81de07d50e53d57eb77edd537414d66ddb1d7d780f128e12cd842")


def test_host_keeps_port_and_is_not_overridden():
    signed = sign_request("GET", "http://127.0.0.1:8443/v2/cloudimages", {"X-Sdk-Date": DATE}, None, AK, SK)
    assert signed["Host"] == "127.0.0.1:8443"
    kept = sign_request("GET", "http://127.0.0.1:8443/x", {"X-Sdk-Date": DATE, "host": "ims.example.com"}, None, AK, SK)
    assert kept["host"] == "ims.example.com"
    assert "Host" not in kept


def test_input_headers_are_not_modified():
    headers = {"Content-Type": "application/octet-stream"}
    sign_request("PUT", URL, headers, b"x", AK, SK)
    assert headers == {"Content-Type": "application/octet-stream"}


@pytest.mark.parametrize("path, expected", [
    ("/v2/cloudimages", "/v2/cloudimages/"),
    ("/v2/cloudimages/", "/v2/cloudimages/"),
    ("/", "/"),
    ("", "/"),
    ("/v1/cloudimages/a b/x:y", "/v1/cloudimages/a%20b/x%3Ay/"),
    ("/v1/already%20quoted/~tilde", "/v1/already%20quoted/~tilde/"),
    (u"/v1/\u6d4b\u8bd5", "/v1/%E6%B5%8B%E8%AF%95/"),
])
def test_canonical_uri(path, expected):
    assert canonical_uri(path) == expected


def test_signature_uses_canonical_uri():
    headers = {"X-Sdk-Date": DATE}
    plain = sign_request("GET", "https://h.example.com/v2/cloudimages", headers, None, AK, SK)
    slashed = sign_request("GET", "https://h.example.com/v2/cloudimages/", headers, None, AK, SK)
    assert plain["Authorization"] == slashed["Authorization"]
    dummy, signature = _reference_signature(
        "GET", "/v2/cloudimages/", "", dict(headers, Host="h.example.com"), EMPTY_BODY_SHA256, DATE)
    assert plain["Authorization"].endswith("Signature=" + signature)
