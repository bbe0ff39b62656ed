# -*- coding: utf-8 -*-
# Copyright: huaweicloud.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""HTTP transport for Huawei Cloud: authentication, signing, retries, pagination."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import collections
import contextlib
import json
import re
import time

try:
    from urllib.parse import unquote, urlsplit
except ImportError:  # pragma: no cover
    from urllib import unquote  # type: ignore
    from urlparse import urlsplit  # type: ignore

from ansible_collections.huaweicloud.cloud.plugins.module_utils._errors import (
    AmbiguousRequestError,
    DeadlineError,
    HuaweiCloudError,
    error_from_response,
    excerpt,
    scrub,
)
from ansible_collections.huaweicloud.cloud.plugins.module_utils._retries import (
    RetryPolicy,
    is_retryable_status,
    is_transient_status,
    parse_retry_after,
)
from ansible_collections.huaweicloud.cloud.plugins.module_utils._signer import canonical_query, sign_request
from ansible_collections.huaweicloud.cloud.plugins.module_utils._transport import (
    ConnectionLost,
    HttpSession,
    NotSent,
    ReplyCutShort,
    ReplyTimeout,
    TLSError,
)
from ansible_collections.huaweicloud.cloud.plugins.module_utils._validation import FORMATS, check_endpoint

IDEMPOTENT_METHODS = frozenset(["GET", "HEAD", "PUT", "DELETE", "PATCH"])
JSON_TYPE = "application/json"
USER_AGENT = "huaweicloud.cloud-ansible-collection"
DEFAULT_CLOUD = "myhuaweicloud.com"
# Temporary credentials are renewed when less than this is left of them (the SDK renews 40 min ahead, but an
# agency's credentials may last only 15 min).
REFRESH_MARGIN = 300
# The response contract: one page of a list or one record is far below this; more is refused, not buffered.
MAX_BODY_BYTES = 8 * 1024 * 1024
READ_CHUNK = 64 * 1024
# A path segment the client sends (decoded): an id, a name or a fixed word; nothing that climbs, adds a
# segment, a query or a fragment.
_PATH_SEGMENT = re.compile(r"[^/\\?#\s\x00-\x1f\x7f]+")

# What one HTTP exchange produced: status, headers and the whole body (bytes).
Reply = collections.namedtuple("Reply", ["status_code", "headers", "content"])


class Credentials(object):
    """What the client authenticates with. Never logged, never returned.

    ``source`` names where they came from (for error messages); ``base`` is what an agency was assumed with. ``refresher`` (temporary credentials from the
    ECS metadata service or an agency) gives new ones, as a dict like IAM's ``credential``, when they are
    missing or about to expire; ``clock`` is wall-clock time (epoch seconds)."""

    def __init__(self, access_key=None, secret_key=None, security_token=None, user=None, password=None, domain=None,
                 source=None, refresher=None, clock=time.time, base=None):
        self.access_key = access_key
        self.secret_key = secret_key
        self.security_token = security_token
        self.user = user
        self.password = password
        self.domain = domain
        self.source = source
        self.refresher = refresher
        self.clock = clock
        self.expires_at = None
        # The credentials an agency was assumed with: secrets too.
        self.base = base

    @property
    def uses_aksk(self):
        return bool(self.refresher or (self.access_key and self.secret_key))

    def secrets(self):
        own = [self.access_key, self.secret_key, self.security_token, self.password]
        return own + (self.base.secrets() if self.base else [])

    def refresh_if_needed(self, client):
        """New temporary credentials when there are none yet or they end within REFRESH_MARGIN seconds."""
        if self.refresher is None:
            return
        if self.access_key and self.expires_at is not None and self.expires_at - self.clock() > REFRESH_MARGIN:
            return
        fresh = self.refresher(client)
        self.access_key, self.secret_key = fresh["access"], fresh["secret"]
        self.security_token, self.expires_at = fresh["securitytoken"], fresh["expires_at"]


def endpoint_url(template, region, option):
    """``template`` with ``{region}`` replaced; the region must be a region id and the result must keep the
    template's scheme, host and port, so a substituted value can never send credentials elsewhere."""
    error = check_endpoint(template, option)
    if error:
        raise HuaweiCloudError(error)
    if not FORMATS["region"].matches(region):
        raise HuaweiCloudError("region must be %s, got %r" % (FORMATS["region"].rule, str(region)[:80]))
    url = template.replace("{region}", region).rstrip("/")
    expected = urlsplit(template.replace("{region}", "regionprobe"))
    parts = urlsplit(url)
    same_host = parts.netloc == expected.netloc.replace("regionprobe", region)
    if parts.scheme != expected.scheme or not same_host or parts.query or parts.fragment:
        raise HuaweiCloudError("%s with region %r does not keep the host of %s" % (option, region, template))
    return url


class HuaweiCloudClient(object):
    """One region's view of the cloud; ``for_region`` gives the same identity elsewhere."""

    def __init__(self, credentials, region, project_id=None, ims_endpoint=None, iam_endpoint=None,
                 validate_certs=True, timeout=60, retry_policy=None, session=None, recorder=None, cloud=None,
                 ca_bundle=None, ecs_endpoint=None):
        self.credentials = credentials
        self.region = region
        self._project_id = project_id
        self.cloud = cloud or DEFAULT_CLOUD
        if not FORMATS["host"].matches(self.cloud):
            raise HuaweiCloudError("cloud must be %s, got %r" % (FORMATS["host"].rule, str(self.cloud)[:80]))
        self.ims_endpoint_template = ims_endpoint or "https://ims.{region}." + self.cloud
        self.iam_endpoint_template = iam_endpoint or "https://iam.{region}." + self.cloud
        self.ecs_endpoint_template = ecs_endpoint or "https://ecs.{region}." + self.cloud
        # Every endpoint is built (and so checked) before anything is sent.
        self.ims_endpoint = endpoint_url(self.ims_endpoint_template, region, "ims_endpoint")
        self.iam_endpoint = endpoint_url(self.iam_endpoint_template, region, "iam_endpoint")
        self.ecs_endpoint = endpoint_url(self.ecs_endpoint_template, region, "ecs_endpoint")
        self.validate_certs = validate_certs
        self.ca_bundle = ca_bundle
        self.timeout = timeout
        self.retry_policy = retry_policy or RetryPolicy()
        self.session = session or HttpSession()
        self.session.headers["User-Agent"] = USER_AGENT
        # Bodies are read (and capped) as they come: no compression to expand behind the cap.
        self.session.headers["Accept-Encoding"] = "identity"
        self._token = None
        # Monotonic time by which every call must have ended (a job wait's end), or None.
        self.deadline = None
        # (method, path, status) of every HTTP exchange, for tests and benchmarks.
        self.recorder = recorder if recorder is not None else []

    def for_region(self, region, project_id=None):
        if region == self.region and project_id in (None, self._project_id):
            return self
        return self.with_credentials(self.credentials, region, project_id)

    def with_credentials(self, credentials, region=None, project_id=None):
        """The same endpoints, TLS settings, retries and session with another identity."""
        return HuaweiCloudClient(
            credentials, region or self.region, project_id=project_id,
            ims_endpoint=self.ims_endpoint_template, iam_endpoint=self.iam_endpoint_template,
            ecs_endpoint=self.ecs_endpoint_template, validate_certs=self.validate_certs, timeout=self.timeout, retry_policy=self.retry_policy,
            session=self.session, recorder=self.recorder, cloud=self.cloud, ca_bundle=self.ca_bundle)

    @property
    def verify(self):
        """What TLS is verified with: False, the private CA bundle, or True (the system store)."""
        return (self.ca_bundle or True) if self.validate_certs else False

    # Endpoints and identity -------------------------------------------------

    def secrets(self):
        """Every value an error message must never show: the credentials and the IAM token."""
        return self.credentials.secrets() + [self._token]

    @contextlib.contextmanager
    def time_limit(self, seconds):
        """Every call inside ends by ``seconds`` from now: HTTP timeouts and retries are cut to fit."""
        previous = self.deadline
        end = self.retry_policy.clock() + seconds
        self.deadline = end if previous is None else min(previous, end)
        try:
            yield
        finally:
            self.deadline = previous

    @property
    def project_id(self):
        if self._project_id is None:
            self._project_id = self._resolve_project_id()
        return self._project_id

    def project_id_by_name(self, name):
        """The id of one of the caller's projects, looked up in IAM."""
        if not FORMATS["project_name"].matches(name):
            raise HuaweiCloudError("project name must be %s, got %r" % (FORMATS["project_name"].rule, str(name)[:80]))
        result = self.request("GET", "/v3/projects", query={"name": name}, service="iam",
                              expect={"projects": list})
        projects = [p for p in result["projects"] if isinstance(p, dict) and p.get("name") == name]
        if len(projects) != 1:
            raise HuaweiCloudError("IAM knows %d projects named %r for these credentials; set project_id explicitly"
                                   % (len(projects), name))
        project_id = projects[0].get("id")
        if not FORMATS["header"].matches(project_id):
            raise HuaweiCloudError("IAM answered GET /v3/projects with a project id that is not %s"
                                   % FORMATS["header"].rule)
        return project_id

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
        token = response.headers.get("X-Subject-Token")
        if not token or not FORMATS["header"].matches(token):
            raise HuaweiCloudError("IAM answered POST /v3/auth/tokens without a usable X-Subject-Token header")
        self._token = token
        payload = _json(response, "POST", "/v3/auth/tokens")
        project = (payload.get("token") if isinstance(payload.get("token"), dict) else {}).get("project")
        project_id = project.get("id") if isinstance(project, dict) else None
        if project_id is not None and not FORMATS["header"].matches(project_id):
            raise HuaweiCloudError("IAM answered POST /v3/auth/tokens with a project id that is not %s"
                                   % FORMATS["header"].rule)
        if project_id and self._project_id is None:
            self._project_id = project_id

    # Requests ---------------------------------------------------------------

    def request(self, method, path, query=None, body=None, service="ims", expected=None, idempotent=None,
                content_type=JSON_TYPE, data=None, extra_headers=None, project_scoped=True, expect=None):
        """Send one API call and return the decoded JSON body (or {} when there is none).

        ``body`` is JSON-encoded; ``data`` is sent as is (a file object streams).
        ``expect`` ({key: type}) is the shape the caller reads: the body must be an object with those keys.
        Non-idempotent calls are retried only when the server said it did nothing;
        otherwise an AmbiguousRequestError lets the caller reconcile.
        """
        if not path.startswith("/") or not all(_safe_segment(part) for part in path.split("/")[1:]):
            raise HuaweiCloudError("refusing to call %s %r: a path segment is not an id" % (method, path[:120]))
        base = dict(ims=self.ims_endpoint, ecs=self.ecs_endpoint).get(service, self.iam_endpoint)
        url = base + path
        query_string = canonical_query(query or {})
        if query_string:
            url += "?" + query_string
        headers = {"Content-Type": content_type}
        if service in ("ims", "ecs") and project_scoped:
            headers["X-Project-Id"] = self.project_id
        headers.update(extra_headers or {})
        payload = data if data is not None else (json.dumps(body).encode("utf-8") if body is not None else None)
        if idempotent is None:
            idempotent = method in IDEMPOTENT_METHODS
        response = self._send(method, url, headers, payload, idempotent=idempotent)
        if expected and response.status_code not in expected:
            raise HuaweiCloudError("unexpected HTTP %s" % response.status_code, status=response.status_code,
                                   method=method, path=path)
        result = _json(response, method, path)
        if expect is not None:
            check_shape(result, expect, method, path)
        return result

    def _remaining(self):
        return None if self.deadline is None else self.deadline - self.retry_policy.clock()

    def _send(self, method, url, headers, payload, idempotent, authenticate=True):
        path = urlsplit(url).path
        policy = self.retry_policy
        started = policy.clock()
        attempt = 0
        while True:
            attempt += 1
            remaining = self._remaining()
            if remaining is not None and remaining <= 0:
                raise DeadlineError("no time left for %s %s" % (method, path), method=method, path=path)
            # One exchange (connect, send, the whole reply) ends within timeout, and within the caller's deadline.
            budget = self.timeout if remaining is None else min(self.timeout, remaining)
            retry_after = None
            try:
                sent_headers = self._authenticate(method, url, headers, payload) if authenticate else dict(headers)
                response = self._exchange(method, url, sent_headers, payload, budget)
            except TLSError as exc:
                # A certificate that does not verify will not verify on a retry either.
                self.recorder.append((method, path, None))
                raise HuaweiCloudError(tls_failure_message(urlsplit(url).hostname, self._short(exc)),
                                       method=method, path=path)
            except (NotSent, ConnectionLost) as exc:
                # Refused/unreachable before sending is safe to repeat; a drop
                # after the request went out leaves its effect unknown.
                never_sent = isinstance(exc, NotSent)
                self.recorder.append((method, path, None))
                error_type = HuaweiCloudError if (idempotent or never_sent) else AmbiguousRequestError
                error = error_type("connection to %s failed: %s" % (urlsplit(url).netloc, self._short(exc)),
                                   method=method, path=path)
                retryable = idempotent or never_sent
            except (ReplyTimeout, _BudgetExceeded) as exc:
                self.recorder.append((method, path, None))
                error_type = HuaweiCloudError if idempotent else AmbiguousRequestError
                if self.deadline is not None and budget < self.timeout:
                    error_type = DeadlineError
                error = error_type("request timed out after %ss: %s" % (round(budget, 1), self._short(exc)),
                                   method=method, path=path)
                retryable = idempotent
            except ReplyCutShort as exc:
                # The reply was cut short: the request did arrive, so a create may have happened.
                self.recorder.append((method, path, None))
                error_type = HuaweiCloudError if idempotent else AmbiguousRequestError
                raise error_type("%s %s failed: %s" % (method, path, self._short(exc)), method=method, path=path)
            except _ReplyError as exc:
                self.recorder.append((method, path, exc.status))
                raise HuaweiCloudError(scrub(str(exc), self.secrets()), status=exc.status, method=method, path=path)
            except (ValueError, UnicodeError) as exc:
                # Header values or URLs http.client refuses, undecodable bodies: never a library traceback,
                # never a credential (http.client quotes a bad header's value).
                self.recorder.append((method, path, None))
                raise HuaweiCloudError("%s %s failed: %s" % (method, path, self._short(exc)), method=method,
                                       path=path)
            else:
                self.recorder.append((method, path, response.status_code))
                if response.status_code < 300:
                    return response
                if response.status_code < 400:
                    location = response.headers.get("Location") or "no Location"
                    raise HuaweiCloudError(
                        "the endpoint answered HTTP %s redirecting to %s; IMS and IAM API calls are never "
                        "redirected, so it was not followed (check ims_endpoint/iam_endpoint)"
                        % (response.status_code, scrub(excerpt(location, 200), self.secrets())),
                        status=response.status_code, method=method, path=path)
                error = error_from_response(response.status_code, _json_or_text(response), method, path,
                                            request_id=_short_header(response.headers.get("X-Request-Id")))
                error.message = scrub(error.message, self.secrets())
                if response.status_code in (401, 403) and self.credentials.source and authenticate:
                    error.message += " (credentials from %s)" % self.credentials.source
                if response.status_code == 401 and self._token and authenticate:
                    # An expired token: get a new one once, then give up.
                    self._token = None
                    if attempt == 1 and _rewindable(payload):
                        continue
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
                retryable = is_transient_status(error.status, error.code) or (
                    idempotent and is_retryable_status(error.status, error.code))
                if not retryable and not idempotent and is_retryable_status(error.status, error.code):
                    error = AmbiguousRequestError(error.message, status=error.status, code=error.code,
                                                  request_id=error.request_id, method=method, path=path)
            delay = policy.next_delay(attempt, started, self.deadline, retry_after) if retryable else None
            if delay is None or not _rewindable(payload):
                raise error
            policy.sleep(delay)

    def _exchange(self, method, url, headers, payload, budget):
        """One request and its whole reply, within ``budget`` seconds in total (a server that drips its
        reply a byte at a time is cut off) and MAX_BODY_BYTES. Redirects are never followed: they would
        carry the credentials to a host nobody named."""
        clock = self.retry_policy.clock
        end = clock() + budget
        response = self.session.request(method, url, headers=headers, data=payload, timeout=budget,
                                        verify=self.verify)
        try:
            declared = response.headers.get("Content-Length")
            if declared is not None and (not declared.strip().isdigit() or int(declared) > MAX_BODY_BYTES):
                raise _ReplyError(response.status_code, "the reply declares a body of %s bytes; at most %d are "
                                  "accepted" % (excerpt(declared, 20), MAX_BODY_BYTES))
            chunks = []
            size = 0
            while True:
                if clock() > end:
                    raise _BudgetExceeded("the reply was not complete after %.1f s" % budget)
                chunk = response.read1(READ_CHUNK)
                if not chunk:
                    break
                size += len(chunk)
                if size > MAX_BODY_BYTES:
                    raise _ReplyError(response.status_code, "the reply body is larger than %d bytes"
                                      % MAX_BODY_BYTES)
                chunks.append(chunk)
        finally:
            response.close()
        return Reply(response.status_code, response.headers, b"".join(chunks))

    def _short(self, exc):
        return scrub(str(exc).split("\n", maxsplit=1)[0][:300], self.secrets())

    def _authenticate(self, method, url, headers, payload):
        headers = dict(headers)
        creds = self.credentials
        creds.refresh_if_needed(self)
        if creds.uses_aksk:
            if creds.security_token:
                headers["X-Security-Token"] = creds.security_token
            if payload is not None and not isinstance(payload, (bytes, str)):  # a streamed file
                headers["X-Sdk-Content-Sha256"] = "UNSIGNED-PAYLOAD"
            return sign_request(method, url, headers, payload, creds.access_key, creds.secret_key)
        if self._token is None:
            self._issue_token()
        headers["X-Auth-Token"] = self._token
        return headers

    # Pagination -------------------------------------------------------------

    def paginate(self, path, query, key, limit=500):
        """Yield every item of a marker-paged IMS list (no next link is returned:
        page on with marker=last id until a page comes back short). A marker that does
        not advance, or a page seen before, is a broken server: fail instead of looping."""
        query = dict(query or {})
        query["limit"] = limit
        seen = set()
        while True:
            items = self.request("GET", path, query=query, expect={key: list})[key]
            for item in items:
                if not isinstance(item, dict) or not isinstance(item.get("id"), str):
                    raise HuaweiCloudError("GET %s answered with an entry of %s that has no id: %s"
                                           % (path, key, excerpt(item, 100)), method="GET", path=path)
            yield from items
            if len(items) < limit:
                return
            marker = items[-1]["id"]
            page = tuple(item["id"] for item in items)
            if marker == query.get("marker") or page in seen:
                raise HuaweiCloudError("GET %s repeated a page (marker %s did not advance); stopped paging"
                                       % (path, marker), method="GET", path=path)
            seen.add(page)
            query["marker"] = marker


def tls_failure_message(host, detail):
    return ("TLS certificate verification failed for %s (%s); if it uses a private CA, set ca_bundle "
            "(HUAWEICLOUD_CA_BUNDLE) to that CA's PEM file; not retried" % (host, detail))


class _BudgetExceeded(Exception):
    """One exchange ran past its time budget."""


class _ReplyError(Exception):
    """A reply broke the response contract before it was read (too large)."""

    def __init__(self, status, message):
        super(_ReplyError, self).__init__(message)
        self.status = status


_TYPE_NAMES = {list: "a list", dict: "an object", str: "a string", int: "a number", bool: "a boolean"}


def check_shape(result, expect, method, path):
    """``result`` is an object whose keys in ``expect`` hold values of the given types."""
    if not isinstance(result, dict):
        raise HuaweiCloudError("%s %s answered with %s where an object was expected: %s"
                               % (method, path, type(result).__name__, excerpt(result, 100)),
                               method=method, path=path)
    for key, kind in expect.items():
        value = result.get(key)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise HuaweiCloudError("%s %s answered without %s as %s: %s"
                                   % (method, path, key, _TYPE_NAMES.get(kind, kind), excerpt(result, 100)),
                                   method=method, path=path)


def _safe_segment(part):
    segment = unquote(part)
    return segment not in (".", "..") and _PATH_SEGMENT.fullmatch(segment) is not None and "?" not in part


def _rewindable(payload):
    # A streamed file body cannot be sent twice without rewinding it.
    if payload is None or isinstance(payload, (bytes, str)):
        return True
    try:
        payload.seek(0)
        return True
    except (AttributeError, IOError, OSError):
        return False


def _json(response, method, path):
    """The JSON body of a 2xx reply; {} when it is empty. Anything else that is not JSON is an error."""
    if not response.content.strip():
        return {}
    try:
        return json.loads(response.content.decode("utf-8"))
    except ValueError:
        raise HuaweiCloudError("%s %s answered HTTP %s with a body that is not JSON: %s"
                               % (method, path, response.status_code,
                                  excerpt(response.content[:200].decode("utf-8", "replace"), 100)),
                               status=response.status_code, method=method, path=path)


def _json_or_text(response):
    text = response.content.decode("utf-8", "replace")
    try:
        return json.loads(text)
    except ValueError:
        return text


def _short_header(value):
    return value if value is None or FORMATS["header"].matches(value) and len(value) <= 128 else None
