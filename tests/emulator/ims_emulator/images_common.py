"""Helpers shared by the IMS native and Glance handlers: OBS lookups, KMS checks,
image-creation jobs, JSON-Patch application and member bookkeeping."""
from __future__ import annotations

import copy
import re

from .errors import ApiError, img
from .jobs import Job
from .util import GB, check_glance_tag, iso, os_info, validate_description, validate_int, validate_name, validate_os_version

READ_ONLY = {
    "id", "owner", "status", "created_at", "updated_at", "file", "self", "schema", "size", "checksum",
    "virtual_size", "__imagetype", "__isregistered", "visibility", "deleted", "deleted_at", "active_at",
    "__image_source_type", "__whole_image", "__system__cmkid", "__image_size", "__originalimagename",
    "__backup_id", "__data_origin", "__root_origin", "disk_format", "container_format", "__platform",
    "__os_type", "__os_bit", "virtual_env_type", "protected", "__image_location", "__lazyloading",
    "enterprise_project_id", "__productcode", "__support_arm",
}
REQUIRED_ATTRS = {"name", "min_ram", "min_disk"}
# Values the reference documents for user-modifiable attributes (5.1.2, 9.1, tables 9-2 and 9-3): the
# __support_* flags are "true" or absent; nothing else is taken.
DOCUMENTED_VALUES = {
    "__support_kvm": ("true",), "__support_xen": ("true",), "__support_diskintensive": ("true",),
    "__support_highperformance": ("true",), "__support_large_memory": ("true",),
    "__is_config_init": ("true", "false"), "hw_vif_multiqueue_enabled": ("true", "false"),
    "__support_kvm_gpu_type": ("M60", "V100_vGPU", "P2V_V100", "P100", "V100"),
    "__support_xen_gpu_type": ("M60_vGPU",),
}


def resolve_obs(world, caller, url, field="image_url"):
    """``bucket:object`` -> (bucket, object) readable by the caller in its region."""
    if not isinstance(url, str) or ":" not in url:
        raise img("IMG.0057", "The image file is empty, not found, or in incorrect format (%s=%r)." % (field, url))
    bucket_name, _sep, key = url.partition(":")
    if not bucket_name:
        raise img("IMG.0068", "The specified bucket name is empty.")
    bucket = world.buckets.get(bucket_name)
    if bucket is None or bucket["domain"] != caller.domain:
        raise img("IMG.0057", "The image file is empty, not found, or in incorrect format, or you do not have "
                              "enough permission to access the file: %s." % url)
    if bucket["region"] != caller.region:
        raise img("IMG.0058", "The region of the bucket where the image file is stored is inconsistent with that of the user.")
    obj = bucket["objects"].get(key)
    if obj is None or obj["size"] <= 0:
        raise img("IMG.0057", "The image file is empty, not found, or in incorrect format, or you do not have "
                              "enough permission to access the file: %s." % url)
    if obj.get("storage_class", "STANDARD") != "STANDARD" or bucket.get("storage_class", "STANDARD") != "STANDARD":
        raise img("IMG.0057", "The storage class of the OBS bucket and image file must be Standard: %s." % url)
    return bucket, obj


def check_kms(world, caller, cmk_id):
    if cmk_id is None or cmk_id == "":
        return None
    key = world.kms_keys.get(cmk_id)
    if key is None or key["domain"] != caller.domain or key.get("region", caller.region) != caller.region:
        raise img("IMG.0095", "The KMS key does not exist.")
    if key.get("state", "enabled") != "enabled":
        raise img("IMG.0097", "The key is not enabled.")
    return cmk_id


def os_props(os_version):
    platform, os_type, os_bit = os_info(os_version)
    return {"__os_version": os_version, "__platform": platform, "__os_type": os_type, "__os_bit": os_bit}


def common_props(body, tags):
    """Properties every create request may set: description, tags, min/max RAM, enterprise project."""
    props = {"tags": tags}
    desc = body.get("description")
    validate_description(desc)
    if desc:
        props["__description"] = desc
    min_ram = validate_int(body.get("min_ram"), "min_ram", 0, 1024 * 1024)
    if min_ram is not None:
        props["min_ram"] = min_ram
    max_ram = validate_int(body.get("max_ram"), "max_ram", 0, 1024 * 1024)
    if max_ram:
        props["max_ram"] = str(max_ram)
    eps = validate_enterprise_project(body.get("enterprise_project_id"))
    if eps:
        props["enterprise_project_id"] = eps
    return props


_UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def validate_enterprise_project(eps):
    """enterprise_project_id (5.1.3): "0" (the default project) or an enterprise project UUID."""
    if eps is None or eps == "":
        return None
    if not isinstance(eps, str) or (eps != "0" and not _UUID_RE.match(eps)):
        raise img("IMG.0001", "The request message format is invalid: enterprise_project_id %r." % (eps,))
    return eps


def start_image_job(app, caller, job_type, task, system=None, data=(), data_job_type=None, project_id=None,
                    entities=None, extra_start=None, extra_success=None, extra_fail=None, use_sub_jobs=None):
    """Create the image records (queued) and the job that makes them active.

    ``system``: (name, props) or None; ``data``: [(name, props)].
    Returns the job. Caller holds the world lock.
    """
    world = app.world
    pid = project_id or caller.project_id
    world.check_quota(pid, (1 if system else 0) + len(data))
    sys_rec = world.new_image(pid, system[0], system[1]) if system else None
    data_recs = [world.new_image(pid, name, props) for name, props in data]
    records = ([sys_rec] if sys_rec else []) + data_recs
    ents = dict(entities or {})
    if sys_rec:
        ents["image_id"] = sys_rec["id"]
        ents["image_name"] = sys_rec["props"]["name"]
    elif len(data_recs) == 1:
        ents["image_id"] = data_recs[0]["id"]
        ents["image_name"] = data_recs[0]["props"]["name"]
    if use_sub_jobs is None:
        use_sub_jobs = bool(data_recs) and (sys_rec is not None or len(data_recs) > 1 or data_job_type is not None)
    sub_jobs = []
    if use_sub_jobs:
        sub_jobs = [{"job_type": data_job_type or job_type,
                     "entities": {"image_id": r["id"], "image_name": r["props"]["name"]}} for r in data_recs]

    def on_start(job):
        for rec in records:
            if not rec["deleted"]:
                world.set_status(rec, "saving")
        if extra_start:
            extra_start(job)

    def on_success(job):
        if extra_success:
            extra_success(job)
        for rec in records:
            if not rec["deleted"]:
                world.set_status(rec, "active")
                rec["busy_job"] = None

    def on_fail(job):
        for rec in records:
            rec["busy_job"] = None
            if not rec["deleted"]:
                world.delete_image(rec)
        if extra_fail:
            extra_fail(job)

    job = Job(world, caller.project_id, job_type, entities=ents, current_task=task, on_start=on_start,
              on_success=on_success, on_fail=on_fail, sub_jobs=sub_jobs)
    for rec in records:
        rec["busy_job"] = job.job_id
    app.jobs.submit(job)
    return job


# ---------------------------------------------------------------- JSON patch

def normalize_ops(body):
    if not isinstance(body, list):
        raise img("IMG.0001", "The request message format is invalid: a JSON-Patch array is expected.")
    ops = []
    for item in body:
        if not isinstance(item, dict):
            raise img("IMG.0001", "The request message format is invalid: patch operation must be an object.")
        if "op" in item:
            op, path = item.get("op"), item.get("path")
        else:
            op = next((k for k in ("replace", "add", "remove") if k in item), None)
            path = item.get(op) if op else None
        if op not in ("add", "replace", "remove") or not isinstance(path, str) or not path.startswith("/"):
            raise img("IMG.0001", "The request message format is invalid: bad patch operation %r." % (item,))
        attr = path[1:]
        if not attr or "/" in attr:
            raise img("IMG.0001", "The request message format is invalid: bad patch path %r." % path)
        if op != "remove" and "value" not in item:
            raise img("IMG.0001", "The request message format is invalid: value is required for %s." % op)
        ops.append((op, attr, item.get("value")))
    return ops


def _coerce(attr, value, glance):
    if attr == "name":
        validate_name(value)
        return value
    if attr == "__description":
        validate_description(value)
        return value
    if attr in ("min_ram", "min_disk"):
        return validate_int(value, attr, 0, 1024 * 1024)
    if attr == "max_ram":
        return str(validate_int(value, attr, 0, 1024 * 1024))
    if attr == "hw_firmware_type":
        if value not in ("bios", "uefi"):
            raise img("IMG.0141", "The value of hw_firmware_type is not uefi or bios.")
        return value
    if attr == "__os_version":
        validate_os_version(value, required=True)
        return value
    if attr in DOCUMENTED_VALUES:
        text = ("true" if value else "false") if isinstance(value, bool) else value
        if text not in DOCUMENTED_VALUES[attr]:
            raise img("IMG.0001", "The request message format is invalid: %s must be one of %s."
                      % (attr, ", ".join(DOCUMENTED_VALUES[attr])))
        return text
    if attr == "tags":
        if not glance or not isinstance(value, list):
            raise img("IMG.0115", "The image tag is invalid.")
        return [check_glance_tag(tag) for tag in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if not isinstance(value, str):
        raise img("IMG.0001", "The request message format is invalid: value of %s must be a string." % attr)
    if len(value) > 255:
        raise img("IMG.0001", "The request message format is invalid: value of %s is too long." % attr)
    return value


def apply_patch(world, rec, ops, glance=False):
    props = copy.deepcopy(rec["props"])
    for op, attr, value in ops:
        if attr in READ_ONLY:
            if glance:
                raise ApiError(403, "IMG.0001", "Attribute '%s' is read-only." % attr)
            raise img("IMG.0001", "The request message format is invalid: attribute %s cannot be modified." % attr)
        if op == "remove":
            if attr not in props:
                raise img("IMG.0035", "An attribute conflict occurred during the modification: %s does not exist." % attr)
            if attr in REQUIRED_ATTRS or attr in ("tags", "__os_version", "hw_firmware_type"):
                raise img("IMG.0001", "The request message format is invalid: attribute %s cannot be removed." % attr)
            del props[attr]
            continue
        if op == "replace" and attr not in props:
            raise img("IMG.0035", "An attribute conflict occurred during the modification: %s does not exist, use add." % attr)
        props[attr] = _coerce(attr, value, glance)
        if attr == "__os_version":
            props.update(os_props(props[attr]))
    props["updated_at"] = iso()
    rec["props"] = props
    return rec


# ---------------------------------------------------------------- members

def member_view(rec, member_id):
    member = rec["members"][member_id]
    return {"status": member["status"], "created_at": member["created_at"], "updated_at": member["updated_at"],
            "image_id": rec["id"], "member_id": member_id, "schema": "/v2/schemas/member"}


def check_shareable(world, caller, rec):
    props = rec["props"]
    if rec["origin"] == "public":
        raise img("IMG.0089", "The public image or Marketplace image cannot be shared.")
    if rec["project_id"] != caller.project_id:
        raise img("IMG.0047", "This operation can be performed only by the image owner.")
    if props.get("__system__cmkid"):
        raise img("IMG.0098", "The encrypted image cannot be shared or published in Marketplace.")
    if props.get("__whole_image") == "true" and not rec.get("whole_from_cbr"):
        raise img("IMG.0135", "The full-ECS image cannot be shared.")
    if props.get("status") != "active":
        raise img("IMG.0046", "The image is unavailable.")


def check_member_target(world, caller, rec, member_id):
    if member_id == caller.project_id:
        raise img("IMG.0076", "You cannot share an image with yourself.")
    project = world.projects.get(member_id)
    if project is None or project["region"] != rec["region"]:
        raise img("IMG.0108", "The tenant ID was not found in the current region: %s." % member_id)
    limit = 10 if rec["props"].get("__whole_image") == "true" else 128
    if member_id not in rec["members"] and len(rec["members"]) >= limit:
        raise img("IMG.0088", "The number of shared images has reached the maximum allowed.")


def add_member(rec, member_id):
    if member_id not in rec["members"]:
        now = iso()
        rec["members"][member_id] = {"status": "pending", "created_at": now, "updated_at": now}


def image_size_gb(rec):
    try:
        return int(rec["props"].get("__image_size") or 0) / GB
    except ValueError:
        return 0
