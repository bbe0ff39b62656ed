"""OpenStack Glance v2 API as served by IMS: /v2/images*, members, versions."""
from __future__ import annotations

import hashlib
from urllib.parse import urlencode

from .errors import ApiError, img
from .images_common import add_member, apply_patch, check_member_target, check_shareable, member_view, normalize_ops, os_props
from .jobs import Job
from .util import DEFAULT_OS_VERSION, check_glance_tag, iso, validate_int, validate_name, validate_os_version

PATCH_TYPES = ("application/openstack-images-v2.1-json-patch", "application/openstack-images-v2.0-json-patch")
GLANCE_CREATE_KEYS = {"name", "visibility", "protected", "container_format", "disk_format", "tags", "min_ram",
                      "min_disk", "__os_version", "id"}
IGNORED_CREATE_KEYS = {"status", "owner", "created_at", "updated_at", "self", "file", "schema", "size", "checksum",
                       "virtual_size", "locations", "direct_url"}
GLANCE_EXTRA_KEYS = ("__description", "__support_kvm", "__support_xen", "__is_config_init", "__support_kvm_gpu_type",
                     "__support_xen_gpu_type", "__support_amd")
# 6.1.6 (create image metadata) documents exactly these; zvhd is listed for other calls only.
DISK_FORMATS = ("zvhd2", "vhd", "raw", "qcow2", "iso")
# 6.1.4: files uploaded through this API must be smaller than 2 GB (bigger ones go through OBS + register).
MAX_UPLOAD_BYTES = 2 * 1024 ** 3


def forbidden(message):
    return ApiError(403, "IMG.0026", message)


def versions(app, caller, req):
    base = req.service_base
    entries = []
    for vid, status, path in (("v2.2", "CURRENT", "/v2/"), ("v2.1", "SUPPORTED", "/v2/"), ("v2.0", "SUPPORTED", "/v2/"),
                              ("v1.1", "DEPRECATED", "/v1/"), ("v1.0", "DEPRECATED", "/v1/")):
        entries.append({"status": status, "id": vid, "links": [{"href": base + path, "rel": "self"}]})
    return 300, {"versions": entries}


def list_images(app, caller, req):
    page, more = app.world.list_images(caller, req.query, default_limit=25, max_limit=1000)
    params = [(k, v) for k, values in req.query.items() if k != "marker" for v in values]
    body = {"images": page, "schema": "/v2/schemas/images", "first": "/v2/images" + ("?" + urlencode(params) if params else "")}
    if more and page:
        body["next"] = "/v2/images?" + urlencode(params + [("marker", page[-1]["id"])])
    return 200, body


def show_image(app, caller, req, image_id):
    world = app.world
    with world.lock:
        rec = world.get_visible(image_id, caller, status=404)
        return 200, world.view(rec, caller.project_id)


def create_image(app, caller, req):
    body = req.json()
    if body is None:
        body = {}
    if not isinstance(body, dict):
        raise img("IMG.0001", "The request message format is invalid.")
    world = app.world
    name = body.get("name")
    if name is not None:
        validate_name(name)
    visibility = body.get("visibility", "private")
    if visibility != "private":
        raise forbidden("Only private images can be created (visibility=%s)." % visibility)
    protected = body.get("protected", False)
    if not isinstance(protected, bool):
        raise img("IMG.0001", "The request message format is invalid: protected must be a boolean.")
    container_format = body.get("container_format", "bare")
    if container_format != "bare":
        raise img("IMG.0001", "The request message format is invalid: container_format must be bare.")
    disk_format = body.get("disk_format", "zvhd2")
    if disk_format not in DISK_FORMATS:
        raise img("IMG.0072", "The specified image format is not supported.")
    tags = body.get("tags", [])
    if not isinstance(tags, list):
        raise img("IMG.0115", "The image tag is invalid.")
    for tag in tags:
        check_glance_tag(tag)
    min_ram = validate_int(body.get("min_ram", 0), "min_ram", 0, 1024 * 1024)
    # 6.1.6: min_disk 40-255 GB when given.
    min_disk = validate_int(body.get("min_disk"), "min_disk", 40, 255) or 0
    os_version = validate_os_version(body.get("__os_version")) or DEFAULT_OS_VERSION
    props = {"protected": protected, "container_format": container_format, "disk_format": disk_format,
             "tags": list(dict.fromkeys(tags)), "min_ram": min_ram, "min_disk": min_disk, "__root_origin": "file",
             "virtual_env_type": "IsoImage" if disk_format == "iso" else "FusionCompute"}
    props.update(os_props(os_version))
    for key, value in body.items():
        if key in GLANCE_CREATE_KEYS or key in IGNORED_CREATE_KEYS:
            continue
        if key.startswith("__") and key not in GLANCE_EXTRA_KEYS:
            raise forbidden("Attribute '%s' is reserved." % key)
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif value is not None and not isinstance(value, str):
            value = str(value)
        props[key] = value
    with world.lock:
        image_id = body.get("id")
        if image_id is not None and (not isinstance(image_id, str) or image_id in world.images):
            raise ApiError(409, "IMG.0001", "Image with identifier %s already exists." % image_id)
        world.check_quota(caller.project_id)
        rec = world.new_image(caller.project_id, name or "", props, status="queued", origin="glance", image_id=image_id)
        rec["props"]["__image_size"] = "0"
        return 201, world.view(rec, caller.project_id), {"Location": "%s/v2/images/%s" % (req.service_base, rec["id"])}


def update_image(app, caller, req, image_id):
    ctype = (req.headers.get("Content-Type") or "").split(";")[0].strip().lower()
    if ctype not in PATCH_TYPES:
        raise ApiError(415, "IMG.0001", "Unsupported Content-Type %r; use %s." % (ctype, PATCH_TYPES[0]))
    body = req.json()
    ops = normalize_ops(body)
    world = app.world
    with world.lock:
        rec = world.get_visible(image_id, caller, status=404)
        if rec["origin"] == "public" or rec["project_id"] != caller.project_id:
            raise forbidden("You are not permitted to modify image %s." % image_id)
        if rec["props"]["status"] in ("deleted", "killed"):
            raise img("IMG.0046", "The image is unavailable.")
        apply_patch(world, rec, ops, glance=True)
        return 200, world.view(rec, caller.project_id)


def delete_image(app, caller, req, image_id):
    body = req.json() if req.body else None
    world = app.world
    with world.lock:
        rec = world.get_visible(image_id, caller, status=404)
        if rec["origin"] == "public":
            raise img("IMG.0094", "The public image cannot be deleted.")
        if rec["project_id"] != caller.project_id:
            raise img("IMG.0092", "The image can only be deleted by the owner.")
        if rec["props"].get("protected"):
            raise img("IMG.0028", "The image in the request is protected.")
        if world.is_busy(rec) and rec["props"]["status"] != "active":
            raise img("IMG.0090", "The image being created cannot be deleted.")
        if isinstance(body, dict) and body.get("delete_backup") and rec["props"].get("__backup_id"):
            world.backups.pop(rec["props"]["__backup_id"], None)
        world.request_delete(rec)
        return 204, None


def upload_file(app, caller, req, image_id):
    """Stream the body into hashes (never held in memory); the image is saving, then active."""
    world = app.world
    ctype = (req.headers.get("Content-Type") or "").split(";")[0].strip().lower()
    if ctype != "application/octet-stream":
        raise ApiError(415, "IMG.0001", "Content-Type must be application/octet-stream.")
    with world.lock:
        rec = world.get_visible(image_id, caller, status=404)
        if rec["origin"] == "public" or rec["project_id"] != caller.project_id:
            raise forbidden("You are not permitted to upload data for image %s." % image_id)
        if rec["origin"] != "glance":
            raise img("IMG.0046", "The image is unavailable: only images created from metadata accept a file.")
        if rec["props"]["status"] != "queued" or rec["busy_job"]:
            raise ApiError(409, "IMG.0046", "Image status transition from %s to saving is not allowed." % rec["props"]["status"])
        length = req._content_length()
        if length is not None and length >= MAX_UPLOAD_BYTES:
            raise img("IMG.0059", "The size of the image file exceeds the maximum allowed (2 GB through this API).")
        world.set_status(rec, "saving")
        rec["busy_job"] = "upload"
    md5 = hashlib.md5()
    sha = hashlib.sha256()
    size = 0
    try:
        for chunk in req.stream():
            md5.update(chunk)
            sha.update(chunk)
            size += len(chunk)
            if size >= MAX_UPLOAD_BYTES:
                raise img("IMG.0059", "The size of the image file exceeds the maximum allowed (2 GB through this API).")
        req.verify_payload(sha.hexdigest())
        if size == 0:
            raise img("IMG.0057", "The image file is empty, not found, or in incorrect format.")
    except BaseException:
        with world.lock:
            rec["busy_job"] = None
            if not rec["deleted"]:
                world.set_status(rec, "queued")
        raise
    with world.lock:
        rec["props"].update({"size": size, "checksum": md5.hexdigest(), "__image_size": str(size)})

        def success(_job):
            rec["busy_job"] = None
            if not rec["deleted"]:
                world.set_status(rec, "active")

        def fail(_job):
            rec["busy_job"] = None
            if not rec["deleted"]:
                world.set_status(rec, "killed")

        job = Job(world, caller.project_id, "imsUploadImageFileJob", entities={"image_id": rec["id"]},
                  current_task="UploadImageTask", on_success=success, on_fail=fail, hidden=True)
        rec["busy_job"] = job.job_id
        app.jobs.submit(job)
    return 204, None


def add_tag(app, caller, req, image_id, tag):
    world = app.world
    check_glance_tag(tag)
    with world.lock:
        rec = world.get_visible(image_id, caller, status=404)
        if rec["origin"] == "public" or rec["project_id"] != caller.project_id:
            raise forbidden("You are not permitted to modify image %s." % image_id)
        if tag not in rec["props"]["tags"]:
            rec["props"]["tags"].append(tag)
        rec["props"]["updated_at"] = iso()
        return 204, None


def delete_tag(app, caller, req, image_id, tag):
    world = app.world
    with world.lock:
        rec = world.get_visible(image_id, caller, status=404)
        if rec["origin"] == "public" or rec["project_id"] != caller.project_id:
            raise forbidden("You are not permitted to modify image %s." % image_id)
        if tag not in rec["props"]["tags"]:
            raise ApiError(404, "IMG.0115", "Tag %s not found on image %s." % (tag, image_id))
        rec["props"]["tags"].remove(tag)
        rec["props"]["updated_at"] = iso()
        return 204, None


# ---------------------------------------------------------------- members

def list_members(app, caller, req, image_id):
    world = app.world
    with world.lock:
        rec = world.get_visible(image_id, caller, status=404)
        if rec["project_id"] == caller.project_id:
            ids = list(rec["members"])
        elif caller.project_id in rec["members"]:
            ids = [caller.project_id]
        else:
            ids = []
        return 200, {"members": [member_view(rec, m) for m in ids], "schema": "/v2/schemas/members"}


def add_image_member(app, caller, req, image_id):
    body = req.json()
    if not isinstance(body, dict) or not isinstance(body.get("member"), str) or not body["member"]:
        raise img("IMG.0001", "The request message format is invalid: member is required.")
    world = app.world
    with world.lock:
        rec = world.get_visible(image_id, caller, status=404)
        check_shareable(world, caller, rec)
        member_id = body["member"]
        if member_id in rec["members"]:
            raise ApiError(409, "IMG.0112", "Member %s already exists for image %s." % (member_id, image_id))
        check_member_target(world, caller, rec, member_id)
        add_member(rec, member_id)
        rec["props"]["updated_at"] = iso()
        return 200, member_view(rec, member_id)


def show_member(app, caller, req, image_id, member_id):
    world = app.world
    with world.lock:
        rec = world.get_visible(image_id, caller, status=404)
        if member_id not in rec["members"] or (rec["project_id"] != caller.project_id and member_id != caller.project_id):
            raise ApiError(404, "IMG.0114", "Member %s not found for image %s." % (member_id, image_id))
        return 200, member_view(rec, member_id)


def update_member(app, caller, req, image_id, member_id):
    body = req.json()
    if not isinstance(body, dict) or body.get("status") not in ("accepted", "rejected", "pending"):
        raise img("IMG.0001", "The request message format is invalid: status must be accepted, rejected or pending.")
    world = app.world
    with world.lock:
        rec = world.get_visible(image_id, caller, status=404)
        if member_id not in rec["members"]:
            raise ApiError(404, "IMG.0114", "Member %s not found for image %s." % (member_id, image_id))
        if member_id != caller.project_id:
            raise forbidden("Only the member itself can change its membership status.")
        if rec["props"].get("__whole_image") == "true" and body["status"] == "accepted":
            vault = world.vaults.get(body.get("vault_id") or "")
            if vault is None or vault["project_id"] != caller.project_id:
                raise img("IMG.0184", "Failed to obtain the vault.")
        member = rec["members"][member_id]
        member["status"] = body["status"]
        member["updated_at"] = iso()
        return 200, member_view(rec, member_id)


def delete_member(app, caller, req, image_id, member_id):
    world = app.world
    with world.lock:
        rec = world.get_visible(image_id, caller, status=404)
        if rec["project_id"] != caller.project_id:
            raise forbidden("Only the image owner can remove members.")
        if member_id not in rec["members"]:
            raise ApiError(404, "IMG.0114", "Member %s not found for image %s." % (member_id, image_id))
        del rec["members"][member_id]
        rec["props"]["updated_at"] = iso()
        return 204, None
