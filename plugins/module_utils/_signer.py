# -*- coding: utf-8 -*-
# Copyright: huaweicloud.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""SDK-HMAC-SHA256 request signing, byte-compatible with the Huawei Cloud SDK signer."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import hmac
import time

try:
    from urllib.parse import quote, unquote, urlsplit
except ImportError:  # pragma: no cover - Python 2 module targets
    from urllib import quote, unquote  # type: ignore
    from urlparse import urlsplit  # type: ignore

ALGORITHM = "SDK-HMAC-SHA256"
DATE_HEADER = "X-Sdk-Date"
CONTENT_SHA256_HEADER = "X-Sdk-Content-Sha256"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
EMPTY_BODY_SHA256 = hashlib.sha256(b"").hexdigest()


def _quote(value):
    # RFC 3986: only unreserved characters stay as they are ('~' too).
    if not isinstance(value, bytes):
        value = str(value).encode("utf-8")
    return quote(value, safe="~")


def _query_text(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def canonical_query(params):
    """Canonical query string for a list of (key, value) pairs or a dict.

    As the SDK does: pairs sorted by their raw (unencoded) key, then encoded;
    a list value repeats the key once per item, items sorted raw. The caller
    must send exactly this string, since the server signs what it receives.
    """
    items = params.items() if isinstance(params, dict) else params
    pairs = sorted(((key, value) for key, value in items if value is not None), key=lambda pair: pair[0])
    encoded = []
    for key, value in pairs:
        values = sorted(value) if isinstance(value, (list, tuple)) else [_query_text(value)]
        encoded.extend("%s=%s" % (_quote(key), _quote(item)) for item in values)
    return "&".join(encoded)


def canonical_uri(path):
    """The path decoded whole, then each segment encoded: ``%2F`` inside a segment signs as a separator, as the
    SDK and the gateway do."""
    uri = "/".join(_quote(segment) for segment in unquote(path).split("/"))
    return uri if uri.endswith("/") else uri + "/"


def _payload_hash(headers, body):
    # An empty body hashes as empty even when X-Sdk-Content-Sha256 is set; a streamed body (a file object)
    # must come with that header.
    if not body:
        return EMPTY_BODY_SHA256
    for name, value in headers.items():
        if name.lower() == CONTENT_SHA256_HEADER.lower():
            return value
    if not isinstance(body, bytes):
        body = body.encode("utf-8")
    return hashlib.sha256(body).hexdigest()


def sign_request(method, url, headers, body, access_key, secret_key, now=None):
    """Return a new header dict carrying X-Sdk-Date, Host and Authorization.

    ``url`` must already hold the canonical query string (see canonical_query).
    ``body`` is bytes/str, None when empty, or the file object of a streamed body sent with
    ``X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD``.
    """
    signed = dict(headers)
    names = {name.lower(): name for name in signed}
    if "x-sdk-date" not in names:
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now))
        signed[DATE_HEADER] = stamp
    content_type = signed.get(names.get("content-type", ""), "")
    if content_type and not content_type.startswith(("application/json", "application/bson")):
        signed.setdefault(CONTENT_SHA256_HEADER, UNSIGNED_PAYLOAD)
    parts = urlsplit(url)
    if "host" not in names:
        signed["Host"] = parts.netloc

    to_sign = sorted((name.lower(), str(value).strip()) for name, value in signed.items() if "_" not in name)
    header_names = ";".join(name for name, dummy in to_sign)
    canonical_headers = "".join("%s:%s\n" % pair for pair in to_sign)
    canonical_request = "\n".join([
        method.upper(),
        canonical_uri(parts.path),
        parts.query,
        canonical_headers,
        header_names,
        _payload_hash(signed, body),
    ])
    date = signed[names.get("x-sdk-date", DATE_HEADER)]
    string_to_sign = "\n".join([ALGORITHM, date, hashlib.sha256(canonical_request.encode("utf-8")).hexdigest()])
    signature = hmac.new(secret_key.encode("utf-8"), string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
    signed["Authorization"] = "%s Access=%s, SignedHeaders=%s, Signature=%s" % (ALGORITHM, access_key, header_names, signature)
    return signed
