"""Gateway authentication: SDK-HMAC-SHA256 (AK/SK) verification and IAM tokens.

The signature is recomputed from the request exactly as received (method, raw
path including the service prefix, raw query string, the headers the client
says it signed, and the payload hash) and compared in constant time.
"""
from __future__ import annotations

import datetime
import hashlib
import hmac
import re
from urllib.parse import quote, unquote

from .errors import apigw_401

ALGORITHM = "SDK-HMAC-SHA256"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
MAX_SKEW = datetime.timedelta(minutes=15)
_AUTH_RE = re.compile(r"^SDK-HMAC-SHA256\s+(.*)$")


def _quote(text):
    return quote(text, safe="~")


def canonical_uri(raw_path):
    segments = unquote(raw_path).split("/")
    uri = "/".join(_quote(seg) for seg in segments)
    if not uri.endswith("/"):
        uri += "/"
    return uri


def canonical_query(raw_query):
    if not raw_query:
        return ""
    pairs = {}
    for part in raw_query.split("&"):
        if part == "":
            continue
        key, _sep, value = part.partition("=")
        pairs.setdefault(unquote(key), []).append(unquote(value))
    out = []
    for key in sorted(pairs):
        for value in sorted(pairs[key]):
            out.append(_quote(key) + "=" + _quote(value))
    return "&".join(out)


def string_to_sign(method, raw_path, raw_query, headers, signed_headers, payload_hash, sdk_date):
    """``headers`` maps lower-case names to values."""
    canon_headers = "".join("%s:%s\n" % (name, headers.get(name, "").strip()) for name in signed_headers)
    canonical_request = "\n".join([
        method.upper(), canonical_uri(raw_path), canonical_query(raw_query), canon_headers,
        ";".join(signed_headers), payload_hash,
    ])
    digest = hashlib.sha256(canonical_request.encode("utf-8")).hexdigest()
    return "%s\n%s\n%s" % (ALGORITHM, sdk_date, digest)


def signature(secret, sts):
    return hmac.new(secret.encode("utf-8"), sts.encode("utf-8"), hashlib.sha256).hexdigest()


def parse_authorization(value):
    match = _AUTH_RE.match(value.strip())
    if not match:
        return None
    fields = {}
    for item in match.group(1).split(","):
        key, _sep, val = item.strip().partition("=")
        fields[key.strip()] = val.strip()
    if not all(k in fields for k in ("Access", "SignedHeaders", "Signature")):
        return None
    return fields


def _wire_text(value):
    """A header value as the signer saw it: the SDK signs the text and sends its UTF-8 bytes, which an HTTP
    server reads back as ISO-8859-1."""
    try:
        return value.encode("iso-8859-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value


def payload_hash(headers, body, has_body):
    """The payload hash the SDK signer uses: an empty body hashes as empty even with X-Sdk-Content-Sha256
    (UNSIGNED-PAYLOAD); otherwise that header wins; otherwise the SHA-256 of the body. ``headers`` lower-case."""
    if not has_body:
        return EMPTY_SHA256
    declared = headers.get("x-sdk-content-sha256")
    if declared:
        return declared
    return hashlib.sha256(body or b"").hexdigest()


def verify_signed(method, raw_path, raw_query, headers, body, secret, now=None):
    """Check an AK/SK signature over a fully read request (the differential test drives this directly)."""
    aksk = AkSkRequest(method, raw_path, raw_query, headers)
    aksk.verify(secret, payload_hash(aksk.headers, body, bool(body)), now)
    return aksk


class AkSkRequest:
    """The parts of a request an AK/SK check needs."""

    def __init__(self, method, raw_path, raw_query, headers):
        self.method = method
        self.raw_path = raw_path
        self.raw_query = raw_query
        self.headers = {k.lower(): _wire_text(v) for k, v in headers.items()}
        self.fields = parse_authorization(self.headers.get("authorization", ""))

    @property
    def access_key(self):
        return self.fields["Access"] if self.fields else None

    def payload_hash_header(self):
        return self.headers.get("x-sdk-content-sha256")

    def check_date(self, now=None):
        sdk_date = self.headers.get("x-sdk-date")
        if not sdk_date:
            raise apigw_401("header X-Sdk-Date is missing")
        try:
            when = datetime.datetime.strptime(sdk_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.timezone.utc)
        except ValueError:
            raise apigw_401("invalid X-Sdk-Date format") from None
        now = now or datetime.datetime.now(datetime.timezone.utc)
        if abs(now - when) > MAX_SKEW:
            raise apigw_401("request expired, X-Sdk-Date differs from server time by more than 15 minutes")
        return sdk_date

    def verify(self, secret, payload_hash, now=None):
        if self.fields is None:
            raise apigw_401("malformed Authorization header")
        sdk_date = self.check_date(now)
        signed = [h.strip().lower() for h in self.fields["SignedHeaders"].split(";") if h.strip()]
        if "x-sdk-date" not in signed:
            raise apigw_401("X-Sdk-Date must be signed")
        for name in signed:
            if name not in self.headers:
                raise apigw_401("signed header %s is missing" % name)
        sts = string_to_sign(self.method, self.raw_path, self.raw_query, self.headers, signed, payload_hash, sdk_date)
        expected = signature(secret, sts)
        if not hmac.compare_digest(expected, self.fields["Signature"].lower()):
            raise apigw_401("verify aksk signature fail")
