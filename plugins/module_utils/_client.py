# -*- coding: utf-8 -*-
# Copyright: huaweicloud.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""HTTP transport for Huawei Cloud: authentication, signing, retries, pagination."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import traceback

try:
    from urllib.parse import urlsplit
except ImportError:  # pragma: no cover
    from urlparse import urlsplit  # type: ignore

try:
    import requests
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
except ImportError:  # pragma: no cover - reported through missing_required_lib
    requests = None
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()

from ansible_collections.huaweicloud.cloud.plugins.module_utils._errors import (
    AmbiguousRequestError,
    HuaweiCloudError,
    error_from_response,
)
from ansible_collections.huaweicloud.cloud.plugins.module_utils._retries import (
    RetryPolicy,
    is_retryable_status,
    is_transient_status,
)
from ansible_collections.huaweicloud.cloud.plugins.module_utils._signer import canonical_query, sign_request

IDEMPOTENT_METHODS = frozenset(["GET", "HEAD", "PUT", "DELETE", "PATCH"])
JSON_TYPE = "application/json"
USER_AGENT = "huaweicloud.cloud-ansible-collection"


class Credentials(object):
    """What the client authenticates with. Never logged, never returned."""

    def __init__(self, access_key=None, secret_key=None, security_token=None, user=None, password=None, domain=None):
        self.access_key = access_key
        self.secret_key = secret_key
        self.security_token = security_token
        self.user = user
        self.password = password
        self.domain = domain

    @property
    def uses_aksk(self):
        return bool(self.access_key and self.secret_key)


class HuaweiCloudClient(object):
    """One region's view of the cloud; ``for_region`` gives the same identity elsewhere."""

    def __init__(self, credentials, region, project_id=None, ims_endpoint=None, iam_endpoint=None,
                 validate_certs=True, timeout=60, retry_policy=None, session=None, recorder=None):
        self.credentials = credentials
        self.region = region
        self._project_id = project_id
        self.ims_endpoint_template = ims_endpoint or "https://ims.{region}.myhuaweicloud.com"
        self.iam_endpoint_template = iam_endpoint or "https://iam.{region}.myhuaweicloud.com"
        self.validate_certs = validate_certs
        self.timeout = timeout
        self.retry_policy = retry_policy or RetryPolicy()
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT
        self._token = None
        # (method, path, status) of every HTTP exchange, for tests and benchmarks.
        self.recorder = recorder if recorder is not None else []

    def for_region(self, region, project_id=None):
        if region == self.region and project_id in (None, self._project_id):
            return self
        return HuaweiCloudClient(
            self.credentials, region, project_id=project_id,
            ims_endpoint=self.ims_endpoint_template, iam_endpoint=self.iam_endpoint_template,
            validate_certs=self.validate_certs, timeout=self.timeout, retry_policy=self.retry_policy,
            session=self.session, recorder=self.recorder)

    # Endpoints and identity -------------------------------------------------

    @property
    def ims_endpoint(self):
        return self.ims_endpoint_template.replace("{region}", self.region).rstrip("/")

    @property
    def iam_endpoint(self):
        return self.iam_endpoint_template.replace("{region}", self.region).rstrip("/")

    @property
    def project_id(self):
        if self._project_id is None:
            self._project_id = self._resolve_project_id()
        return self._project_id

    def project_id_by_name(self, name):
        """The id of one of the caller's projects, looked up in IAM."""
        result = self.request("GET", "/v3/projects", query={"name": name}, service="iam")
        projects = [p for p in result.get("projects", []) if p.get("name") == name]
        if len(projects) != 1:
            raise HuaweiCloudError("IAM knows %d projects named %r for these credentials; set project_id explicitly"
                                   % (len(projects), name))
        return projects[0]["id"]

    def _resolve_project_id(self):
        if not self.credentials.uses_aksk:
            self._issue_token()
            if self._project_id:
                return self._project_id
        return self.project_id_by_name(self.region)

    def _issue_token(self):
        creds = self.credentials
        if not (creds.user and creds.password and creds.domain):
            raise HuaweiCloudError("no credentials: set access_key and secret_key, or user, password and domain")
        scope = {"id": self._project_id} if self._project_id else {"name": self.region}
        body = {"auth": {
            "identity": {"methods": ["password"], "password": {"user": {
                "name": creds.user, "password": creds.password, "domain": {"name": creds.domain}}}},
            "scope": {"project": scope}}}
        response = self._send("POST", self.iam_endpoint + "/v3/auth/tokens", {"Content-Type": JSON_TYPE},
                              json.dumps(body).encode("utf-8"), idempotent=True, authenticate=False)
        self._token = response.headers.get("X-Subject-Token")
        if not self._token:
            raise HuaweiCloudError("IAM answered without an X-Subject-Token header")
        project = _json(response).get("token", {}).get("project") or {}
        if project.get("id") and self._project_id is None:
            self._project_id = project["id"]

    # Requests ---------------------------------------------------------------

    def request(self, method, path, query=None, body=None, service="ims", expected=None, idempotent=None,
                content_type=JSON_TYPE, data=None, extra_headers=None, project_scoped=True):
        """Send one API call and return the decoded JSON body (or {} when there is none).

        ``body`` is JSON-encoded; ``data`` is sent as is (a file object streams).
        Non-idempotent calls are retried only when the server said it did nothing;
        otherwise an AmbiguousRequestError lets the caller reconcile.
        """
        base = self.ims_endpoint if service == "ims" else self.iam_endpoint
        url = base + path
        query_string = canonical_query(query or {})
        if query_string:
            url += "?" + query_string
        headers = {"Content-Type": content_type}
        if service == "ims" and project_scoped:
            headers["X-Project-Id"] = self.project_id
        headers.update(extra_headers or {})
        payload = data if data is not None else (json.dumps(body).encode("utf-8") if body is not None else None)
        if idempotent is None:
            idempotent = method in IDEMPOTENT_METHODS
        response = self._send(method, url, headers, payload, idempotent=idempotent)
        if expected and response.status_code not in expected:
            raise HuaweiCloudError("unexpected HTTP %s" % response.status_code, status=response.status_code,
                                   method=method, path=urlsplit(url).path)
        return _json(response)

    def _send(self, method, url, headers, payload, idempotent, authenticate=True):
        path = urlsplit(url).path
        attempt = 0
        while True:
            attempt += 1
            sent_headers = self._authenticate(method, url, headers, payload) if authenticate else dict(headers)
            try:
                response = self.session.request(method, url, headers=sent_headers, data=payload,
                                                timeout=self.timeout, verify=self.validate_certs)
            except requests.exceptions.ConnectionError as exc:
                # Refused/unreachable before sending is safe to repeat; a drop
                # after the request went out leaves its effect unknown.
                never_sent = isinstance(exc, requests.exceptions.ConnectTimeout) or "refused" in str(exc).lower()
                self.recorder.append((method, path, None))
                if attempt <= self.retry_policy.max_retries and (idempotent or never_sent) and _rewindable(payload):
                    self.retry_policy.backoff(attempt)
                    continue
                error_type = HuaweiCloudError if (idempotent or never_sent) else AmbiguousRequestError
                raise error_type("connection to %s failed: %s" % (urlsplit(url).netloc, _short(exc)),
                                 method=method, path=path)
            except requests.exceptions.Timeout as exc:
                self.recorder.append((method, path, None))
                if attempt <= self.retry_policy.max_retries and idempotent and _rewindable(payload):
                    self.retry_policy.backoff(attempt)
                    continue
                error_type = HuaweiCloudError if idempotent else AmbiguousRequestError
                raise error_type("request timed out after %ss: %s" % (self.timeout, _short(exc)),
                                 method=method, path=path)
            self.recorder.append((method, path, response.status_code))
            if response.status_code < 400:
                return response
            error = error_from_response(response.status_code, _json_or_text(response), method, path,
                                        request_id=response.headers.get("X-Request-Id"))
            if response.status_code == 401 and self._token and authenticate:
                # An expired token: get a new one once, then give up.
                self._token = None
                if attempt == 1 and _rewindable(payload):
                    continue
            retryable = is_transient_status(error.status, error.code) or (
                idempotent and is_retryable_status(error.status, error.code))
            if retryable and attempt <= self.retry_policy.max_retries and _rewindable(payload):
                self.retry_policy.backoff(attempt)
                continue
            if not idempotent and not is_transient_status(error.status, error.code) and \
                    is_retryable_status(error.status, error.code):
                raise AmbiguousRequestError(error.message, status=error.status, code=error.code,
                                            request_id=error.request_id, method=method, path=path)
            raise error

    def _authenticate(self, method, url, headers, payload):
        headers = dict(headers)
        creds = self.credentials
        if creds.uses_aksk:
            if creds.security_token:
                headers["X-Security-Token"] = creds.security_token
            signed_body = payload if isinstance(payload, (bytes, str)) or payload is None else None
            if payload is not None and signed_body is None:
                headers["X-Sdk-Content-Sha256"] = "UNSIGNED-PAYLOAD"
            return sign_request(method, url, headers, signed_body, creds.access_key, creds.secret_key)
        if self._token is None:
            self._issue_token()
        headers["X-Auth-Token"] = self._token
        return headers

    # Pagination -------------------------------------------------------------

    def paginate(self, path, query, key, limit=500):
        """Yield every item of a marker-paged IMS list (no next link is returned:
        page on with marker=last id until a page comes back short)."""
        query = dict(query or {})
        query["limit"] = limit
        while True:
            items = self.request("GET", path, query=query).get(key, [])
            yield from items
            if len(items) < limit:
                return
            query["marker"] = items[-1]["id"]


def _rewindable(payload):
    # A streamed file body cannot be sent twice without rewinding it.
    if payload is None or isinstance(payload, (bytes, str)):
        return True
    try:
        payload.seek(0)
        return True
    except (AttributeError, IOError, OSError):
        return False


def _json(response):
    if not response.content:
        return {}
    try:
        return response.json()
    except ValueError:
        return {}


def _json_or_text(response):
    try:
        return response.json()
    except ValueError:
        return response.text


def _short(exc):
    return str(exc).split("\n", maxsplit=1)[0][:300]
