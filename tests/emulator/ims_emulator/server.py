"""HTTP plumbing: routing, authentication, JSON I/O, call log, fault injection, control API."""
from __future__ import annotations

import datetime
import hashlib
import hmac
import ipaddress
import json
import random
import re
import socket
import sys
import threading
import traceback
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

from . import ecs, glance, iam, ims_native, tags
from .auth import AkSkRequest, payload_hash
from .errors import ApiError, apigw_401, img
from .jobs import JobEngine
from .state import Caller, World
from .util import utcnow

MAX_JSON_BODY = 64 * 1024 * 1024
MAX_CONTROL_BODY = 1024 * 1024
# API gateway: an AK/SK request whose payload is signed may carry at most 12 MB (APIG FAQ "Does APIG have a limit
# on the size of the API request body?"); bigger bodies need UNSIGNED-PAYLOAD or a token.
MAX_SIGNED_BODY = 12 * 1024 * 1024
CHUNK = 1024 * 1024

# (service, method, pattern, handler, options)
ROUTES = [
    ("iam", "GET", r"/?", iam.versions, {"auth": False}),
    ("iam", "GET", r"/v3/?", iam.version_v3, {"auth": False}),
    ("iam", "POST", r"/v3/auth/tokens", iam.issue_token, {"auth": False}),
    ("iam", "GET", r"/v3/auth/tokens", iam.validate_token, {}),
    ("iam", "GET", r"/v3/projects", iam.list_projects, {}),
    ("iam", "GET", r"/v3/auth/projects", iam.list_projects, {}),
    ("iam", "GET", r"/v3/projects/(?P<project_id>[^/]+)", iam.show_project, {}),
    ("iam", "POST", r"/v3.0/OS-CREDENTIAL/securitytokens", iam.security_tokens, {}),
    ("metadata", "GET", r"/openstack/latest/securitykey", iam.metadata_security_key, {"auth": False}),

    # ECS: only what "is this image used by a server?" needs (ListServersDetails).
    ("ecs", "GET", r"/v1/(?P<project_id>[^/]+)/cloudservers/detail", ecs.list_servers, {}),

    ("ims", "GET", r"/?", glance.versions, {"auth": False}),
    ("ims", "GET", r"/versions", glance.versions, {"auth": False}),
    ("ims", "GET", r"/v2/cloudimages", ims_native.list_cloudimages, {}),
    ("ims", "POST", r"/v2/cloudimages/action", ims_native.create_image, {}),
    ("ims", "POST", r"/v2/cloudimages/quickimport/action", ims_native.quick_import, {}),
    ("ims", "PATCH", r"/v2/cloudimages/(?P<image_id>[^/]+)", ims_native.update_cloudimage, {}),
    ("ims", "POST", r"/v1/cloudimages/dataimages/action", ims_native.data_images_action, {}),
    ("ims", "POST", r"/v1/cloudimages/wholeimages/action", ims_native.whole_images_action, {}),
    ("ims", "POST", r"/v1/cloudimages/members", ims_native.add_members, {}),
    ("ims", "PUT", r"/v1/cloudimages/members", ims_native.update_members, {}),
    ("ims", "DELETE", r"/v1/cloudimages/members", ims_native.delete_members, {}),
    ("ims", "GET", r"/v1/cloudimages/quota", ims_native.get_quota, {}),
    ("ims", "GET", r"/v1/cloudimages/os_version", ims_native.get_os_versions, {}),
    ("ims", "GET", r"/v1/cloudimages/job/(?P<job_id>[^/]+)", ims_native.get_job_progress, {}),
    ("ims", "PUT", r"/v1/cloudimages/(?P<image_id>[^/]+)/upload", ims_native.register_image, {}),
    ("ims", "POST", r"/v1/cloudimages/(?P<image_id>[^/]+)/file", ims_native.export_image, {}),
    ("ims", "POST", r"/v1/cloudimages/(?P<image_id>[^/]+)/copy", ims_native.copy_image, {}),
    ("ims", "POST", r"/v1/cloudimages/(?P<image_id>[^/]+)/cross_region_copy", ims_native.cross_region_copy, {}),
    ("ims", "GET", r"/v1/(?P<project_id>[^/]+)/jobs/(?P<job_id>[^/]+)", ims_native.get_job, {}),
    ("ims", "GET", r"/v1/(?P<project_id>[^/]+)/cloudimages/(?P<image_id>[^/]+)/members/(?P<member_id>[^/]+)",
     ims_native.show_member, {}),
    ("ims", "GET", r"/v2/(?P<project_id>[^/]+)/images/(?P<image_id>[^/]+)/tags", tags.list_tags, {}),
    ("ims", "POST", r"/v2/(?P<project_id>[^/]+)/images/(?P<image_id>[^/]+)/tags", tags.add_tag, {}),
    ("ims", "POST", r"/v2/(?P<project_id>[^/]+)/images/(?P<image_id>[^/]+)/tags/action", tags.batch_action, {}),
    ("ims", "DELETE", r"/v2/(?P<project_id>[^/]+)/images/(?P<image_id>[^/]+)/tags/(?P<key>[^/]+)", tags.delete_tag, {}),

    ("ims", "GET", r"/v2/images", glance.list_images, {}),
    ("ims", "POST", r"/v2/images", glance.create_image, {}),
    ("ims", "GET", r"/v2/images/(?P<image_id>[^/]+)", glance.show_image, {}),
    ("ims", "PATCH", r"/v2/images/(?P<image_id>[^/]+)", glance.update_image, {}),
    ("ims", "DELETE", r"/v2/images/(?P<image_id>[^/]+)", glance.delete_image, {}),
    ("ims", "PUT", r"/v2/images/(?P<image_id>[^/]+)/file", glance.upload_file, {"stream": True}),
    ("ims", "PUT", r"/v2/images/(?P<image_id>[^/]+)/tags/(?P<tag>[^/]+)", glance.add_tag, {}),
    ("ims", "DELETE", r"/v2/images/(?P<image_id>[^/]+)/tags/(?P<tag>[^/]+)", glance.delete_tag, {}),
    ("ims", "GET", r"/v2/images/(?P<image_id>[^/]+)/members", glance.list_members, {}),
    ("ims", "POST", r"/v2/images/(?P<image_id>[^/]+)/members", glance.add_image_member, {}),
    ("ims", "GET", r"/v2/images/(?P<image_id>[^/]+)/members/(?P<member_id>[^/]+)", glance.show_member, {}),
    ("ims", "PUT", r"/v2/images/(?P<image_id>[^/]+)/members/(?P<member_id>[^/]+)", glance.update_member, {}),
    ("ims", "DELETE", r"/v2/images/(?P<image_id>[^/]+)/members/(?P<member_id>[^/]+)", glance.delete_member, {}),
]
COMPILED = [(svc, method, re.compile("^" + pattern + "$", re.IGNORECASE if svc == "iam" else 0), handler, opts)
            for svc, method, pattern, handler, opts in ROUTES]


class App:
    """The emulator: world state + job engine."""

    routed_urls = None  # set by make_routed_servers

    def __init__(self, config_path, job_seconds=None, visibility_delay=None, delete_delay=None):
        self.world = World(config_path, job_seconds, visibility_delay, delete_delay)
        self.jobs = JobEngine(self.world)

    def reset(self):
        self.world.reset()

    def configure(self, patch):
        world = self.world
        with world.lock:
            if "job_seconds" in patch:
                world.job_seconds = float(patch["job_seconds"])
            if "image_quota" in patch:
                world.image_quota = int(patch["image_quota"])
            for knob in ("visibility_delay", "delete_delay"):
                if knob in patch:
                    setattr(world, knob, max(0.0, float(patch[knob])))
            if "job_seconds_by_region" in patch:
                world.job_seconds_by_region = dict((str(region), max(0.0, float(seconds)))
                                                   for region, seconds in (patch["job_seconds_by_region"] or {}).items())
            if "faults" in patch:
                faults = patch["faults"]
                if not faults:
                    world.faults = {}
                else:
                    merged = dict(world.faults)
                    merged.update(faults)
                    world.faults = merged
                    if "seed" in faults:
                        world.fault_rng = random.Random(faults["seed"])
            if "fail_jobs" in patch:
                world.fail_jobs = list(patch["fail_jobs"] or [])
            if "fail_members" in patch:
                world.fail_members = list(patch["fail_members"] or [])
            if "metadata" in patch:
                # {"domain": account the ECS's agency acts in (null: no agency), "seconds": credential lifetime}
                world.metadata.update(patch["metadata"] or {})
            return {"job_seconds": world.job_seconds, "job_seconds_by_region": world.job_seconds_by_region,
                    "image_quota": world.image_quota,
                    "visibility_delay": world.visibility_delay, "delete_delay": world.delete_delay,
                    "faults": world.faults, "fail_jobs": world.fail_jobs, "fail_members": world.fail_members,
                    "metadata": world.metadata}

    def put_object(self, body):
        """Test helper: add (or replace) an OBS object ``{"bucket", "key", "size", "region"?, "domain"?}``."""
        world = self.world
        if not isinstance(body, dict) or not body.get("bucket") or not body.get("key"):
            return 400, {"error": {"code": "EMU.0001", "message": "bucket and key are required"}}
        with world.lock:
            bucket = world.buckets.get(body["bucket"])
            if bucket is None:
                if not body.get("region") or body.get("domain") not in world.domains:
                    return 400, {"error": {"code": "EMU.0001", "message": "new bucket needs region and domain"}}
                bucket = world.buckets[body["bucket"]] = {"name": body["bucket"], "region": body["region"],
                                                          "domain": body["domain"], "storage_class": "STANDARD", "objects": {}}
            bucket["objects"][body["key"]] = {"key": body["key"], "size": int(body.get("size", 1 << 30)),
                                              "storage_class": body.get("storage_class", "STANDARD")}
            return 200, bucket

    def roll_fault(self, method=None, path=None):
        world = self.world
        with world.lock:
            faults = world.faults
            # Targeted faults first: {"method", "path" (regex searched in the URL path), "kind", "when", "times"}.
            for rule in faults.get("rules") or []:
                if rule.get("times", 1) <= 0 or rule.get("method", method) != method:
                    continue
                if path is None or not re.search(rule.get("path", ""), path):
                    continue
                rule["times"] = rule.get("times", 1) - 1
                return {"kind": str(rule.get("kind", "drop")), "when": rule.get("when", "after"),
                        "slow": float(faults.get("slow_seconds", 2))}
            rate = float(faults.get("rate", 0) or 0)
            kinds = faults.get("kinds") or []
            if rate <= 0 or not kinds:
                return None
            rng = world.fault_rng
            if rng.random() >= rate:
                return None
            kind = str(rng.choice(kinds))
            if kind in ("slow", "429") or kind.startswith("IMG."):
                when = "before"
            else:
                when = "after" if rng.random() < 0.5 else "before"
            return {"kind": kind, "when": when, "slow": float(faults.get("slow_seconds", 2))}


def parse_content_length(value):
    """A Content-Length as digits only (no sign, no spaces inside), or None."""
    value = (value or "").strip()
    if not value.isdigit() or len(value) > 15:
        return None
    return int(value)


def is_loopback(address):
    try:
        return ipaddress.ip_address(address.split("%")[0]).is_loopback
    except ValueError:
        return False


class Request:
    def __init__(self, handler, service, region, sub_path, raw_path, raw_query):
        self._h = handler
        self.method = handler.command
        self.service = service
        self.region = region
        self.path = sub_path
        self.raw_path = raw_path
        self.raw_query = raw_query
        self.query = parse_qs(raw_query, keep_blank_values=True)
        self.headers = handler.headers
        host = handler.headers.get("Host") or "%s:%s" % handler.server.server_address[:2]
        self.base_url = "http://" + host
        self.body = b""
        self.body_consumed = False
        self._pending_verify = None

    # -- body
    def _content_length(self):
        value = self.headers.get("Content-Length")
        if value is None:
            return None
        length = parse_content_length(value)
        if length is None:
            # The body's end is unknown: answer and close rather than read on.
            self._h.close_connection = True
            raise ApiError(400, "IMG.0001", "Invalid Content-Length.")
        return length

    def body_left_unread(self):
        """Whether a body (or an unreadable length) is still on the connection, which must then close."""
        if self.body_consumed:
            return False
        try:
            return bool(self._content_length() or self._chunked())
        except ApiError:
            return True

    def _chunked(self):
        return "chunked" in (self.headers.get("Transfer-Encoding") or "").lower()

    def stream(self):
        rfile = self._h.rfile
        self.body_consumed = True
        if self._chunked():
            while True:
                line = rfile.readline(65537)
                if not line:
                    raise ConnectionError("client closed connection during chunked body")
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    return
                remaining = size
                while remaining:
                    data = rfile.read(min(CHUNK, remaining))
                    if not data:
                        raise ConnectionError("client closed connection during body")
                    remaining -= len(data)
                    yield data
                rfile.readline(3)
            return
        remaining = self._content_length() or 0
        while remaining:
            data = rfile.read(min(CHUNK, remaining))
            if not data:
                raise ConnectionError("client closed connection during body")
            remaining -= len(data)
            yield data

    def read_body(self):
        length = self._content_length()
        if length is not None and length > MAX_JSON_BODY:
            raise ApiError(413, "IMG.0001", "Request body too large.")
        parts, total = [], 0
        for chunk in self.stream():
            total += len(chunk)
            if total > MAX_JSON_BODY:
                raise ApiError(413, "IMG.0001", "Request body too large.")
            parts.append(chunk)
        self.body = b"".join(parts)

    def json(self):
        if not self.body or not self.body.strip():
            return None
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise img("IMG.0001", "The request message format is invalid: body is not valid JSON.") from None

    def verify_payload(self, sha256_hex):
        if self._pending_verify is not None:
            self._pending_verify(sha256_hex)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "IMSEmulator/1.0"
    sys_version = ""
    # Headers and body go out in two writes: with Nagle's algorithm the body waits for the client's delayed ACK
    # of the headers (~40 ms on Linux loopback) on every keep-alive response, a stall real IMS does not add.
    disable_nagle_algorithm = True

    def log_message(self, format, *args):  # noqa: A002 - signature fixed by the base class
        """Silence the default per-request stderr logging (the call log is in /_emulator/calls)."""

    def do_GET(self):
        self.dispatch()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_GET

    @property
    def app(self):
        return self.server.app

    # ---------------------------------------------------------------- output
    def send_json(self, status, body, headers=None, close=False):
        data = b"" if body is None or status == 204 else json.dumps(body, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        if data or status != 204:
            self.send_header("Content-Type", "application/json;charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-Request-Id", hashlib.md5(repr((time.time(), id(self))).encode()).hexdigest())
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if data and self.command != "HEAD":
            self.wfile.write(data)

    # ---------------------------------------------------------------- dispatch
    def dispatch(self):
        split = urlsplit(self.path)
        raw_path, raw_query = split.path, split.query
        if raw_path == "/_emulator" or raw_path.startswith("/_emulator/"):
            self.control(raw_path[len("/_emulator"):] or "/")
            return
        service, region, sub = self.split_service(raw_path)
        req = Request(self, service, region, sub, raw_path, raw_query)
        req.service_base = self.service_base(req)
        record = {"method": self.command, "path": raw_path, "query": raw_query, "status": None, "project_id": None,
                  "ts": utcnow().strftime("%Y-%m-%dT%H:%M:%S.%fZ"), "fault": None}
        fault = self.app.roll_fault(self.command, raw_path) if service else None
        try:
            if fault:
                record["fault"] = fault["kind"]
                if fault["kind"] == "slow":
                    time.sleep(fault["slow"])
                    fault = None
                elif fault["when"] == "before":
                    self.emit_fault(fault, req, record)
                    return
            status, body, headers = self.handle_api(req, record)
            if fault:
                self.emit_fault(fault, req, record)
                return
            close = req.body_left_unread()
            record["status"] = status
            self.send_json(status, body, headers, close=close)
        except (ConnectionError, socket.timeout, BrokenPipeError):
            self.close_connection = True
            record["status"] = 0
        finally:
            with self.app.world.lock:
                self.app.world.calls.append(record)

    def split_service(self, raw_path):
        route = getattr(self.server, "route", None)
        if route:  # host-routed listener: the whole path belongs to one service (and region)
            return route[0], route[1], unquote(raw_path)
        parts = raw_path.split("/", 3)
        if len(parts) >= 2 and parts[1] == "iam":
            return "iam", None, unquote("/" + "/".join(parts[2:])) if len(parts) > 2 else "/"
        if len(parts) >= 2 and parts[1] == "openstack":
            # The ECS metadata service (169.254.169.254 on a real ECS), served at the emulator's root.
            return "metadata", None, unquote(raw_path)
        if len(parts) >= 3 and parts[1] in ("ims", "ecs"):
            return parts[1], unquote(parts[2]), unquote("/" + parts[3]) if len(parts) > 3 else "/"
        return None, None, unquote(raw_path)

    def service_base(self, req):
        """The base URL a client used for this service: the listener itself when host-routed, else the prefix."""
        if getattr(self.server, "route", None):
            return req.base_url
        if req.service == "iam":
            return req.base_url + "/iam"
        return "%s/%s/%s" % (req.base_url, req.service, req.region)

    def handle_api(self, req, record):
        try:
            if req.service is None:
                raise ApiError(404, "APIGW.0101", "The API does not exist or has not been published in the environment.")
            if req.service in ("ims", "ecs") and req.region not in self.app.world.regions:
                raise ApiError(404, "APIGW.0101", "Unknown region %s." % req.region)
            route, params, allowed = None, {}, False
            for svc, method, pattern, handler, opts in COMPILED:
                if svc != req.service:
                    continue
                match = pattern.match(req.path)
                if match:
                    allowed = True
                    if method == req.method or (method == "GET" and req.method == "HEAD"):
                        route, params = (handler, opts), match.groupdict()
                        break
            if route is None:
                if allowed:
                    raise ApiError(405, "APIGW.0101", "Method %s is not allowed on %s." % (req.method, req.path))
                raise ApiError(404, "APIGW.0101", "The API does not exist or has not been published in the environment.")
            handler, opts = route
            self.check_signed_size(req)
            if not opts.get("stream"):
                req.read_body()
            caller = None
            if opts.get("auth", True):
                caller = self.authenticate(req, deferred=opts.get("stream", False))
                record["project_id"] = caller.project_id
            result = handler(self.app, caller, req, **params)
            if len(result) == 2:
                return result[0], result[1], {}
            return result
        except ApiError as exc:
            record["status"] = exc.status
            return exc.status, exc.to_body(), exc.headers
        except (ConnectionError, socket.timeout):
            raise
        except Exception:  # pylint: disable=broad-except
            traceback.print_exc(file=sys.stderr)
            record["status"] = 500
            return 500, {"error": {"code": "IMG.0061", "message": "Unknown system error (emulator bug)."}}, {}

    # ---------------------------------------------------------------- auth
    @staticmethod
    def check_signed_size(req):
        authz = req.headers.get("Authorization") or ""
        if not authz.startswith("SDK-HMAC-SHA256") or req.headers.get("X-Sdk-Content-Sha256") == "UNSIGNED-PAYLOAD":
            return
        if (req._content_length() or 0) > MAX_SIGNED_BODY:
            raise ApiError(413, "APIGW.0201", "Request entity too large: an AK/SK-signed body may be at most 12 MB.")

    def authenticate(self, req, deferred=False):
        world = self.app.world
        token = req.headers.get("X-Auth-Token")
        authz = req.headers.get("Authorization")
        project_hdr = req.headers.get("X-Project-Id")
        if token:
            with world.lock:
                rec = world.tokens.get(token)
                if rec is None or rec["expires"] < utcnow():
                    raise apigw_401("the token is invalid or has expired")
                project = world.projects.get(rec["project_id"]) if rec["project_id"] else None
            if req.service in ("ims", "ecs"):
                if project is None or project["region"] != req.region:
                    raise apigw_401("the token is not scoped to a project of region %s" % req.region)
                if project_hdr and project_hdr != project["id"]:
                    raise apigw_401("X-Project-Id does not match the token scope")
            return Caller(rec["domain"], project, method="token", user=rec["user"], region=req.region)
        if not authz:
            raise apigw_401("no authentication information (X-Auth-Token or Authorization) was provided")
        aksk = AkSkRequest(req.method, req.raw_path, req.raw_query, dict(req.headers.items()))
        if aksk.fields is None:
            raise apigw_401("malformed Authorization header")
        with world.lock:
            cred = world.access_keys.get(aksk.access_key)
        if cred is None:
            raise apigw_401("access key %s does not exist" % aksk.access_key)
        check_temporary(cred, req.headers.get("X-Security-Token"))
        has_body = bool(req._content_length() or req._chunked()) if deferred else bool(req.body)
        if deferred and has_body and not aksk.payload_hash_header():
            aksk.check_date()
            req._pending_verify = lambda sha: aksk.verify(cred["secret"], sha)
        else:
            aksk.verify(cred["secret"], payload_hash(aksk.headers, req.body, has_body))
        project = None
        if req.service in ("ims", "ecs"):
            with world.lock:
                project = world.projects.get(project_hdr or "")
            if not project_hdr:
                raise apigw_401("X-Project-Id is required for project-scoped APIs")
            if project is None or project["domain"] != cred["domain"] or project["region"] != req.region:
                raise apigw_401("X-Project-Id %s is not a project of this account in region %s" % (project_hdr, req.region))
        return Caller(cred["domain"], project, method="aksk", region=req.region)

    # ---------------------------------------------------------------- faults
    def emit_fault(self, fault, req, record):
        kind = fault["kind"]
        if kind == "drop":
            record["status"] = 0
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        if kind.startswith("IMG."):
            status, body = 400, {"error": {"code": kind, "message": "The number of tasks exceeds the flow control limit."}}
        elif kind == "429":
            status, body = 429, {"error": {"code": "APIGW.0308", "message": "The throttling threshold has been reached."}}
        elif kind == "503":
            status, body = 503, {"error": {"code": "APIGW.0201", "message": "Service unavailable, please try again later."}}
        elif kind.isdigit():
            status, body = int(kind), {"error": {"code": "IMG.0061", "message": "Unknown system error."}}
        else:
            status, body = 500, {"error": {"code": "IMG.0061", "message": "Unknown system error."}}
        record["status"] = status
        close = req.body_left_unread()
        self.send_json(status, body, close=close)

    # ---------------------------------------------------------------- control API
    def control(self, path):
        app = self.app
        # The control API can reset and read the whole world (issued tokens too): loopback callers only, and
        # with the configured token when there is one.
        token = self.server.control_token
        if not is_loopback(self.client_address[0]) or (
                token and not hmac.compare_digest(self.headers.get("X-Emulator-Token", ""), token)):
            self.send_json(403, {"error": {"code": "EMU.0403", "message": "control API refused"}}, close=True)
            return
        length = parse_content_length(self.headers.get("Content-Length") or "0")
        if length is None or length > MAX_CONTROL_BODY:
            self.send_json(400, {"error": {"code": "EMU.0001", "message": "invalid or too large Content-Length"}},
                           close=True)
            return
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw.decode("utf-8")) if raw.strip() else {}
        except (UnicodeDecodeError, json.JSONDecodeError):
            self.send_json(400, {"error": {"code": "EMU.0001", "message": "invalid JSON"}})
            return
        method = self.command
        if path == "/health" and method == "GET":
            self.send_json(200, {"ok": True})
        elif path == "/state" and method == "GET":
            self.send_json(200, app.world.snapshot())
        elif path == "/reset" and method == "POST":
            app.reset()
            self.send_json(200, {"ok": True})
        elif path == "/config" and method == "POST":
            if not isinstance(body, dict):
                self.send_json(400, {"error": {"code": "EMU.0001", "message": "object expected"}})
                return
            self.send_json(200, app.configure(body))
        elif path == "/config" and method == "GET":
            self.send_json(200, app.configure({}))
        elif path == "/ecs/servers" and method == "POST":
            self.send_json(*ecs.add_server(app, body))
        elif path == "/obs" and method == "POST":
            self.send_json(*app.put_object(body))
        elif path == "/calls" and method == "GET":
            with app.world.lock:
                calls = list(app.world.calls)
            self.send_json(200, calls)
        elif path == "/tokens" and method == "GET":
            # Tests only: every IAM token issued since the last reset, so secret-leak tests can look for them.
            with app.world.lock:
                tokens = [{"token": token, "user": rec["user"], "domain": rec["domain"], "project_id": rec["project_id"]}
                          for token, rec in app.world.tokens.items()]
            self.send_json(200, tokens)
        elif path == "/temporary_credentials" and method == "GET":
            # Tests only: every temporary AK/SK/security token issued, to look for them in output and to expire them.
            with app.world.lock:
                issued = [{"access": access, "secret": rec["secret"], "security_token": rec["security_token"],
                           "domain": rec["domain"], "issued_by": rec["issued_by"], "expires": rec["expires"].isoformat()}
                          for access, rec in app.world.access_keys.items() if "security_token" in rec]
            self.send_json(200, issued)
        elif path == "/temporary_credentials/expire" and method == "POST":
            with app.world.lock:
                for rec in app.world.access_keys.values():
                    if "security_token" in rec:
                        rec["expires"] = utcnow() - datetime.timedelta(seconds=1)
            self.send_json(200, {"ok": True})
        elif path == "/calls" and method == "DELETE":
            with app.world.lock:
                app.world.calls = []
            self.send_json(200, {"ok": True})
        else:
            self.send_json(404, {"error": {"code": "EMU.0404", "message": "unknown control call %s %s" % (method, path)}})


def check_temporary(cred, security_token):
    """Temporary access keys work only with their security token and until they expire."""
    if "security_token" not in cred:
        return
    if not security_token or not hmac.compare_digest(security_token, cred["security_token"]):
        raise apigw_401("the security token is missing or does not belong to this temporary access key")
    if cred["expires"] < utcnow():
        raise apigw_401("the temporary access key and its security token have expired")


class EmulatorServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    route = None  # (service, region) on a host-routed listener, see make_routed_servers

    def __init__(self, address, app, control_token=None):
        self.app = app
        self.control_token = control_token
        super().__init__(address, Handler)


def make_server(host, port, config_path, job_seconds=None, control_token=None, allow_remote=False,
                visibility_delay=None, delete_delay=None):
    """The emulator listens on loopback only unless ``allow_remote``: it hands out tokens for fixed
    credentials and its control API rewrites the world."""
    if not allow_remote and not is_loopback_host(host):
        raise ValueError("refusing to listen on %s: the emulator is for loopback use; pass --allow-remote "
                         "(and set --control-token) to listen elsewhere" % host)
    app = App(config_path, job_seconds, visibility_delay, delete_delay)
    server = EmulatorServer((host, port), app, control_token)
    app.jobs.start()
    return server


def is_loopback_host(host):
    if host == "localhost":
        return True
    return is_loopback(host)


def make_routed_servers(app, host="127.0.0.1", control_token=None):
    """One extra listener per service (and per region for IMS) on free loopback ports, each serving its service at
    the URL root, as the real host-routed endpoints (``https://ims.{region}.myhuaweicloud.com``) do. Clients that
    keep only scheme://host:port of an endpoint (the official SDK) use these. Returns {"iam": server,
    "ims": {region: server}}; serve each with serve_in_thread."""
    servers = {"iam": EmulatorServer((host, 0), app, control_token), "ims": {}}
    servers["iam"].route = ("iam", None)
    for region in app.world.regions:
        server = EmulatorServer((host, 0), app, control_token)
        server.route = ("ims", region)
        servers["ims"][region] = server
    app.routed_urls = {"iam": server_url(servers["iam"]),
                       "ims": {region: server_url(srv) for region, srv in servers["ims"].items()}}
    return servers


def server_url(server):
    return "http://%s:%d" % server.server_address[:2]


def serve_in_thread(server):
    thread = threading.Thread(target=server.serve_forever, name="ims-emulator", daemon=True)
    thread.start()
    return thread
