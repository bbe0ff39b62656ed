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
