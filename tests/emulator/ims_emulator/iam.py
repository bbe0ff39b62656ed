"""The IAM slice: password tokens and project listing."""
from __future__ import annotations

import datetime
import secrets

from .errors import keystone_error
from .util import utcnow

TOKEN_TTL = datetime.timedelta(hours=24)


def _ts(when):
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + "%06dZ" % when.microsecond


def issue_token(app, caller, req):
    world = app.world
    body = req.json()
    try:
        auth = body["auth"]
        identity = auth["identity"]
        methods = identity["methods"]
    except (KeyError, TypeError):
        raise keystone_error(400, "Bad Request", "The request you have made requires authentication: malformed auth body.") from None
    if "password" not in methods:
        raise keystone_error(400, "Bad Request", "Only the password method is supported by the emulator.")
    user_spec = (identity.get("password") or {}).get("user") or {}
    password = user_spec.get("password")
    with world.lock:
        user = None
        if user_spec.get("id"):
            user = next((u for u in world.users.values() if u["id"] == user_spec["id"]), None)
        else:
            dom = user_spec.get("domain") or {}
            domain_name = dom.get("name")
            if not domain_name and dom.get("id"):
                domain_name = next((d["name"] for d in world.domains.values() if d["id"] == dom["id"]), None)
            user = world.users.get((domain_name, user_spec.get("name")))
        if user is None or password != user["password"]:
            raise keystone_error(401, "Unauthorized", "The username or password is wrong.")
        domain = world.domains[user["domain"]]
        scope = auth.get("scope") or {}
        project = None
        if "project" in scope:
            spec = scope["project"] or {}
            for proj in world.domain_projects(domain["name"]):
                if spec.get("id") and proj["id"] == spec["id"]:
                    project = proj
                elif not spec.get("id") and proj["name"] == spec.get("name"):
                    project = proj
            if project is None:
                raise keystone_error(401, "Unauthorized", "The project in the scope is not found or not accessible.")
        now = utcnow()
        expires = now + TOKEN_TTL
        token = "MII" + secrets.token_urlsafe(48)
        world.tokens[token] = {"domain": domain["name"], "user": user["name"], "user_id": user["id"],
                               "project_id": project["id"] if project else None, "expires": expires}
        body = {"token": {
            "methods": ["password"], "expires_at": _ts(expires), "issued_at": _ts(now),
            "user": {"id": user["id"], "name": user["name"], "domain": {"id": domain["id"], "name": domain["name"]},
                     "password_expires_at": ""},
            "roles": [{"id": "0", "name": "te_admin"}, {"id": "1", "name": "op_gated_ims"}],
            "catalog": _catalog(app, req, project),
        }}
        if project:
            body["token"]["project"] = {"id": project["id"], "name": project["name"],
                                        "domain": {"id": domain["id"], "name": domain["name"]}}
        else:
            body["token"]["domain"] = {"id": domain["id"], "name": domain["name"]}
    return 201, body, {"X-Subject-Token": token}


def versions(app, caller, req):
    """Keystone version discovery at the IAM root (keystoneauth / openstacksdk start here)."""
    return 300, {"versions": {"values": [_version(req)]}}


def version_v3(app, caller, req):
    return 200, {"version": _version(req)}


def _version(req):
    return {"id": "v3.0", "status": "stable", "updated": "2013-03-06T00:00:00Z",
            "links": [{"rel": "self", "href": req.service_base + "/v3/"}],
            "media-types": [{"base": "application/json", "type": "application/vnd.openstack.identity-v3+json"}]}


def _catalog(app, req, project):
    if not project:
        return []
    region = project["region"]
    routed = app.routed_urls if req.service_base == req.base_url else None
    ims_url = routed["ims"][region] if routed else "%s/ims/%s" % (req.base_url, region)
    iam_url = routed["iam"] if routed else req.base_url + "/iam"
    return [
        {"type": "image", "name": "glance", "id": "glance", "endpoints": [
            {"id": "ims-" + region, "interface": "public", "region": region, "region_id": region, "url": ims_url}]},
        {"type": "ims", "name": "ims", "id": "ims", "endpoints": [
            {"id": "ims2-" + region, "interface": "public", "region": region, "region_id": region, "url": ims_url}]},
        {"type": "identity", "name": "iam", "id": "iam", "endpoints": [
            {"id": "iam", "interface": "public", "region": "*", "region_id": "*", "url": iam_url + "/v3"}]},
    ]


def _project_view(req, world, proj):
    domain = world.domains[proj["domain"]]
    return {"id": proj["id"], "name": proj["name"], "domain_id": domain["id"], "parent_id": domain["id"],
            "is_domain": False, "enabled": True, "description": "",
            "links": {"self": "%s/iam/v3/projects/%s" % (req.base_url, proj["id"])}}


def list_projects(app, caller, req):
    world = app.world
    single = {k: v[-1] for k, v in req.query.items()}
    with world.lock:
        domain = world.domains[caller.domain]
        items = []
        for proj in world.domain_projects(caller.domain):
            if "name" in single and proj["name"] != single["name"]:
                continue
            if "id" in single and proj["id"] != single["id"]:
                continue
            if "domain_id" in single and domain["id"] != single["domain_id"]:
                continue
            if "enabled" in single and single["enabled"].lower() != "true":
                continue
            items.append(_project_view(req, world, proj))
        items.sort(key=lambda p: p["name"])
    return 200, {"projects": items, "links": {"self": req.base_url + "/iam/v3/projects", "previous": None, "next": None}}


def show_project(app, caller, req, project_id):
    world = app.world
    with world.lock:
        proj = world.projects.get(project_id)
        if proj is None or proj["domain"] != caller.domain:
            raise keystone_error(404, "Not Found", "Could not find project: %s." % project_id)
        return 200, {"project": _project_view(req, world, proj)}


def validate_token(app, caller, req):
    world = app.world
    token = req.headers.get("X-Subject-Token")
    with world.lock:
        rec = world.tokens.get(token or "")
        if rec is None or rec["expires"] < utcnow():
            raise keystone_error(404, "Not Found", "The token is not found or has expired.")
        return 200, {"token": {"expires_at": _ts(rec["expires"]), "user": {"id": rec["user_id"], "name": rec["user"]},
                               "project": {"id": rec["project_id"]} if rec["project_id"] else None}}


# Temporary credentials (IAM 3.0 OS-CREDENTIAL) -----------------------------------------------------------

STS_MIN_SECONDS, STS_MAX_SECONDS, STS_DEFAULT_SECONDS = 900, 24 * 3600, 900


def issue_temporary(world, domain, seconds, issued_by):
    """A temporary AK/SK/security token of ``domain``, valid ``seconds``; accepted with the token only."""
    now = utcnow()
    access = "TMP" + secrets.token_hex(9).upper()
    cred = {"secret": secrets.token_urlsafe(30), "domain": domain, "security_token": "ST" + secrets.token_urlsafe(60),
            "expires": now + datetime.timedelta(seconds=seconds), "issued_by": issued_by}
    with world.lock:
        world.access_keys[access] = cred
    return {"credential": {"access": access, "secret": cred["secret"], "securitytoken": cred["security_token"],
                           "expires_at": _ts(cred["expires"])}}


def _duration(spec):
    seconds = spec.get("duration_seconds", STS_DEFAULT_SECONDS)
    if isinstance(seconds, bool) or not isinstance(seconds, int) or not STS_MIN_SECONDS <= seconds <= STS_MAX_SECONDS:
        raise keystone_error(400, "Bad Request", "duration_seconds must be an integer from %d to %d."
                             % (STS_MIN_SECONDS, STS_MAX_SECONDS))
    return seconds


def security_tokens(app, caller, req):
    """POST /v3.0/OS-CREDENTIAL/securitytokens: methods token (own account) or assume_role (an agency)."""
    world = app.world
    body = req.json()
    try:
        identity = body["auth"]["identity"]
        methods = identity["methods"]
    except (KeyError, TypeError):
        raise keystone_error(400, "Bad Request", "The request body is malformed: auth.identity.methods is required.") from None
    if methods == ["token"]:
        spec = identity.get("token") or {}
        if not isinstance(spec, dict):
            raise keystone_error(400, "Bad Request", "identity.token must be an object.")
        return 201, issue_temporary(world, caller.domain, _duration(spec), "token")
    if methods != ["assume_role"] or not isinstance(identity.get("assume_role"), dict):
        raise keystone_error(400, "Bad Request", "methods must be [\"token\"] or [\"assume_role\"] with its object.")
    spec = identity["assume_role"]
    agency = spec.get("agency_name")
    if not isinstance(agency, str) or not agency:
        raise keystone_error(400, "Bad Request", "assume_role.agency_name is required.")
    seconds = _duration(spec)
    with world.lock:
        if spec.get("domain_id"):
            owner = next((d for d in world.domains.values() if d["id"] == spec["domain_id"]), None)
        elif spec.get("domain_name"):
            owner = world.domains.get(spec["domain_name"])
        else:
            raise keystone_error(400, "Bad Request", "assume_role needs domain_name or domain_id.")
        if owner is None or agency not in owner["agencies"]:
            raise keystone_error(403, "Forbidden", "The agency does not exist or is not delegated to this account.")
        domain = owner["name"]
    return 201, issue_temporary(world, domain, seconds, "assume_role:%s" % agency)


def metadata_security_key(app, caller, req):
    """The ECS metadata service's /openstack/latest/securitykey: temporary credentials of the ECS's agency."""
    world = app.world
    with world.lock:
        meta = dict(world.metadata)
    if not meta.get("domain"):
        raise keystone_error(404, "Not Found", "Please configure Cloud Service Agency first")
    return 200, issue_temporary(world, meta["domain"], int(meta.get("seconds", 3600)), "metadata")
