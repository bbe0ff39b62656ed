"""The slice of ECS the collection reads: ListServersDetails (GET /v1/{project_id}/cloudservers/detail)."""
from __future__ import annotations

from .errors import ApiError

MAX_LIMIT = 1000  # ECS API reference, ListServersDetails: limit 1-1000, default 25; offset is a page number from 1


def _int(req, name, default, low, high):
    values = req.query.get(name) or []
    if not values:
        return default
    try:
        value = int(values[-1])
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        raise ApiError(400, "Ecs.0005", "Request parameter %s is invalid: %s." % (name, values[-1]))
    return value


def list_servers(app, caller, req, project_id):
    if project_id != caller.project_id:
        raise ApiError(403, "Ecs.0013", "The project ID and token in the request do not match.")
    limit = _int(req, "limit", 25, 1, MAX_LIMIT)
    offset = _int(req, "offset", 1, 1, 1 << 30)
    with app.world.lock:
        servers = sorted((rec for rec in app.world.instances.values() if rec["project_id"] == project_id),
                         key=lambda rec: rec["id"])
        page = servers[(offset - 1) * limit:offset * limit]
        views = [{"id": rec["id"], "name": rec["name"], "status": rec["status"],
                  "image": {"id": rec.get("image_id") or ""},
                  "metadata": {"image_name": rec.get("image_name") or ""}} for rec in page]
    return 200, {"count": len(servers), "servers": views}


def add_server(app, body):
    """Control API (tests only): a server in a project, booted from ``image_id``."""
    world = app.world
    needed = ("id", "name", "region", "domain", "image_id")
    if not isinstance(body, dict) or any(not isinstance(body.get(key), str) for key in needed):
        return 400, {"error": {"code": "EMU.0001", "message": "id, name, region, domain and image_id are required"}}
    with world.lock:
        project = world.project_of(body["domain"], body["region"])
        world.instances[body["id"]] = {"id": body["id"], "name": body["name"], "region": body["region"],
                                       "project_id": project["id"], "domain": body["domain"], "status": "ACTIVE",
                                       "image_id": body["image_id"], "system_volume": {"id": body["id"], "size": 40},
                                       "data_volumes": [], "os_version": "Ubuntu 18.04 server 64bit"}
    return 200, {"ok": True}
