"""IMS native API: /v2/cloudimages*, /v1/cloudimages/*, jobs."""
from __future__ import annotations

from .errors import ApiError, img, not_found
from .images_common import (
    add_member, member_view, apply_patch, check_kms, check_member_target, check_shareable, common_props, image_size_gb,
    normalize_ops, os_props, resolve_obs, start_image_job, validate_enterprise_project,
)
from .jobs import Job
from .util import (
    GB, DEFAULT_OS_VERSION, file_format, iso, os_version_list, parse_ims_tags, validate_description,
    validate_int, validate_name, validate_os_version,
)

MAX_CROSS_REGION_JOBS = 5
OTHER_OS_VERSION = "Other(32 bit)"  # the only os_type Other value the reference shows (5.1.9 example)


def _require_dict(req):
    body = req.json()
    if body is None or body == {}:
        raise img("IMG.0007", "The request body is empty.")
    if not isinstance(body, dict):
        raise img("IMG.0001", "The request message format is invalid.")
    return body


def _job_response(job):
    return 200, {"job_id": job.job_id}


# ---------------------------------------------------------------- list / update

def list_cloudimages(app, caller, req):
    page, _more = app.world.list_images(caller, req.query, default_limit=500)
    return 200, {"images": page}


def update_cloudimage(app, caller, req, image_id):
    body = req.json()
    if body is None:
        raise img("IMG.0007", "The request body is empty.")
    ops = normalize_ops(body)
    world = app.world
    with world.lock:
        rec = world.get_visible(image_id, caller)
        if rec["origin"] == "public" or rec["project_id"] != caller.project_id:
            raise img("IMG.0047", "This operation can be performed only by the image owner.")
        if rec["props"]["status"] != "active":
            raise img("IMG.0046", "The image is unavailable.")
        apply_patch(world, rec, ops)
        return 200, world.view(rec, caller.project_id)


# ---------------------------------------------------------------- create

def create_image(app, caller, req):
    body = _require_dict(req)
    with app.world.lock:
        if body.get("instance_id"):
            if body.get("data_images"):
                raise img("IMG.0001", "The request message format is invalid: instance_id cannot be used with data_images.")
            return _job_response(_from_instance(app, caller, body))
        if body.get("image_url"):
            return _job_response(_from_file(app, caller, body, quick=bool(body.get("is_quick_import"))))
        if body.get("data_images"):
            return _job_response(_data_from_volumes(app, caller, body))
        if body.get("volume_id"):
            return _job_response(_system_from_volume(app, caller, body))
        raise img("IMG.0021", "The resource type is unknown.")


def _instance(app, caller, instance_id):
    inst = app.world.instances.get(instance_id)
    if inst is None or inst["project_id"] != caller.project_id:
        raise img("IMG.0005", "The ECS does not exist: %s." % instance_id)
    return inst


def _from_instance(app, caller, body):
    world = app.world
    validate_name(body.get("name"))
    props = common_props(body, parse_ims_tags(body))
    inst = _instance(app, caller, body["instance_id"])
    if inst["status"] != "SHUTOFF":
        raise img("IMG.0008", "The ECS cannot be used to create images because it is not in stopped state.")
    if inst.get("busy_job") and not world.jobs[inst["busy_job"]].terminal:
        raise img("IMG.0010", "The ECS cannot be used to create an image because it has in-progress tasks.")
    sysvol = inst["system_volume"]
    props.update(os_props(inst["os_version"]))
    props.update({"min_disk": int(sysvol.get("size", 40)), "__originalimagename": inst.get("image_id", ""),
                  "__data_origin": "instance,%s" % inst["id"], "__image_size": str(int(inst.get("used_bytes", 3 * GB))),
                  "hw_firmware_type": inst.get("firmware", "bios")})

    def release(_job):
        inst["busy_job"] = None

    job = start_image_job(app, caller, "imsCreateImageByInstance", "CreateImageByInstanceTask",
                          system=(body["name"], props), extra_success=release, extra_fail=release)
    inst["busy_job"] = job.job_id
    return job


def _data_props(body, vol_or_obj_size_gb, origin, os_type="Linux"):
    props = common_props(body, parse_ims_tags(body))
    props.update({"virtual_env_type": "DataImage", "min_disk": vol_or_obj_size_gb, "__data_origin": origin,
                  "__os_type": os_type, "__os_version": None, "__platform": None, "__os_bit": None,
                  "__support_kvm": None, "hw_firmware_type": None})
    return props


def _data_from_volumes(app, caller, body):
    world = app.world
    items = body.get("data_images")
    if not isinstance(items, list) or not items:
        raise img("IMG.0001", "The request message format is invalid: data_images must be a non-empty list.")
    data, instances = [], set()
    for item in items:
        if not isinstance(item, dict):
            raise img("IMG.0001", "The request message format is invalid.")
        validate_name(item.get("name"))
        vol = world.volumes.get(item.get("volume_id") or "")
        if vol is None or vol["project_id"] != caller.project_id or vol["bootable"] and vol["instance_id"]:
            raise img("IMG.0120", "The specified data disk ID is unavailable: %s." % item.get("volume_id"))
        instances.add(vol["instance_id"])
        props = _data_props(item, vol["size"], "volume,%s" % vol["id"])
        props["__image_size"] = str(vol["size"] * GB // 4)
        data.append((item["name"], props))
    if len(instances) > 1:
        raise img("IMG.0140", "The disks in the request come from different ECSs.")
    return start_image_job(app, caller, "imsVolumeCreateImageJob", "CreateDataImageByVolumeTask", data=data,
                           data_job_type="imsVolumeCreateImageJob", use_sub_jobs=True)


def _system_from_volume(app, caller, body):
    world = app.world
    validate_name(body.get("name"))
    props = common_props(body, parse_ims_tags(body))
    vol = world.volumes.get(body["volume_id"])
    if vol is None or vol["project_id"] != caller.project_id:
        raise img("IMG.0120", "The specified data disk ID is unavailable: %s." % body["volume_id"])
    os_version = validate_os_version(body.get("os_version"), required=True)
    image_type = body.get("type", "ECS")
    if image_type not in ("ECS", "BMS", "FusionCompute", "Ironic"):
        raise img("IMG.0024", "The image type in the request is incorrect.")
    props.update(os_props(os_version))
    props.update({"min_disk": max(40, vol["size"]), "__data_origin": "volume,%s" % vol["id"],
                  "virtual_env_type": "Ironic" if image_type in ("BMS", "Ironic") else "FusionCompute",
                  "__image_size": str(vol["size"] * GB // 4)})
    return start_image_job(app, caller, "imsVolumeCreateImageJob", "CreateImageByVolumeTask", system=(body["name"], props))


def _file_checks(obj, quick, fmt):
    if fmt is None:
        raise img("IMG.0057", "The image file is empty, not found, or in incorrect format.")
    if quick:
        if fmt not in ("raw", "zvhd2"):
            raise img("IMG.0158", "Only image files in raw OR ZVHD2 format support the Fast Create function.")
        if obj["size"] > 1024 * GB:
            raise img("IMG.0059", "The size of the image file exceeds the maximum allowed.")
    elif obj["size"] > 128 * GB:
        raise img("IMG.0059", "The size of the image file exceeds the maximum allowed (128 GB without quick import).")


def _from_file(app, caller, body, quick=False, endpoint_quick=False):
    world = app.world
    validate_name(body.get("name"))
    props = common_props(body, parse_ims_tags(body))
    _bucket, obj = resolve_obs(world, caller, body.get("image_url"))
    fmt = file_format(obj["key"])
    _file_checks(obj, quick, fmt)
    is_iso = fmt == "iso"
    if is_iso and quick:
        raise img("IMG.0158", "Only image files in raw OR ZVHD2 format support the Fast Create function.")
    os_type = body.get("os_type")
    if os_type is not None and os_type not in ("Linux", "Windows", "Other"):
        raise img("IMG.0122", "The OS type is invalid.")
    os_version = body.get("os_version")
    if is_iso and not os_version:
        raise img("IMG.0166", "OS information must be contained in the ISO files used to create images.")
    if quick and not os_version:
        raise img("IMG.0159", "The OS version is required when image files are used to create ECSs through the Fast Create function.")
    if os_type == "Windows" and not os_version:
        # Table 9-1 names no generic Windows version, so there is nothing documented to fall back to.
        raise img("IMG.0056", "The OS version is invalid: os_version is required for os_type Windows.")
    os_version = validate_os_version(os_version) or (OTHER_OS_VERSION if os_type == "Other" else DEFAULT_OS_VERSION)
    if endpoint_quick:
        min_disk = validate_int(body.get("min_disk"), "min_disk", 1, 1024, required=True)
    else:
        min_disk = validate_int(body.get("min_disk"), "min_disk", 40, 1024 if quick else 255, required=True)
    if quick and min_disk * GB < obj["size"]:
        raise img("IMG.0055", "The memory or disk size is invalid: min_disk must be larger than the image file.")
    cmk = check_kms(world, caller, body.get("cmk_id"))
    image_type = body.get("type")
    if image_type not in (None, "ECS", "BMS", "FusionCompute", "Ironic", "IsoImage"):
        raise img("IMG.0024", "The image type in the request is incorrect.")
    arch = body.get("architecture", "x86")
    if arch not in ("x86", "arm"):
        raise img("IMG.0212", "The value of architecture is not x86 or arm.")
    props.update(os_props(os_version))
    props.update({"min_disk": min_disk, "__root_origin": "file", "__data_origin": "file,%s" % body["image_url"],
                  "__image_size": str(obj["size"]), "disk_format": "iso" if is_iso else "zvhd2",
                  "virtual_env_type": "IsoImage" if is_iso else ("Ironic" if image_type in ("BMS", "Ironic") else "FusionCompute")})
    if body.get("is_config"):
        props["__is_config_init"] = "true"
    if cmk:
        props["__system__cmkid"] = cmk
    if arch == "arm":
        props["hw_firmware_type"] = "uefi"
        props["__support_arm"] = "true"
    if quick:
        props["__lazyloading"] = "false"
    data = []
    data_items = body.get("data_images") or []
    if not isinstance(data_items, list):
        raise img("IMG.0001", "The request message format is invalid: data_images must be a list.")
    if len(data_items) > 3:
        raise img("IMG.0194", "The maximum number of images that can be imported at one time has been reached.")
    urls = {body["image_url"]}
    for index, item in enumerate(data_items):
        if not isinstance(item, dict):
            raise img("IMG.0001", "The request message format is invalid.")
        name = item.get("name") or "%s-data-%d" % (body["name"], index + 1)
        validate_name(name)
        url = item.get("image_url")
        if url in urls:
            raise img("IMG.0123", "The image file address in the request is duplicate.")
        urls.add(url)
        _b, dobj = resolve_obs(world, caller, url)
        dquick = bool(item.get("is_quick_import"))
        _file_checks(dobj, dquick, file_format(dobj["key"]))
        dmin = validate_int(item.get("min_disk"), "min_disk", 1, 2048, required=True)
        dprops = _data_props(item, dmin, "file,%s" % url, os_type=props["__os_type"])
        dprops.update({"__root_origin": "file", "__image_size": str(dobj["size"])})
        data.append((name, dprops))
    return start_image_job(app, caller, "imsImportImageJob", "ImportImageTask", system=(body["name"], props), data=data,
                           data_job_type="imsImportDataImageJob")


def quick_import(app, caller, req):
    body = _require_dict(req)
    with app.world.lock:
        image_type = body.get("type", "ECS")
        if image_type == "DataImage":
            return _job_response(_data_from_file(app, caller, body, quick=True))
        if image_type not in ("ECS", "BMS"):
            raise img("IMG.0157", "Incorrect image type.")
        return _job_response(_from_file(app, caller, body, quick=True, endpoint_quick=True))


def _data_from_file(app, caller, body, quick=False):
    world = app.world
    validate_name(body.get("name"))
    os_type = body.get("os_type", "Linux")
    if os_type not in ("Linux", "Windows"):
        raise img("IMG.0122", "The OS type is invalid.")
    _bucket, obj = resolve_obs(world, caller, body.get("image_url"))
    _file_checks(obj, quick, file_format(obj["key"]))
    if file_format(obj["key"]) == "iso":
        raise img("IMG.0167", "This operation cannot be performed for ISO images.")
    if quick:
        min_disk = validate_int(body.get("min_disk"), "min_disk", 1, 1024, required=True)
    else:
        min_disk = validate_int(body.get("min_disk"), "min_disk", 40, 2048, required=True)
    props = _data_props(body, min_disk, "file,%s" % body["image_url"], os_type=os_type)
    props.update({"__root_origin": "file", "__image_size": str(obj["size"])})
    cmk = check_kms(world, caller, body.get("cmk_id"))
    if cmk:
        props["__system__cmkid"] = cmk
    return start_image_job(app, caller, "imsImportDataImageJob", "ImportDataImageTask", data=[(body["name"], props)],
                           use_sub_jobs=False)


def data_images_action(app, caller, req):
    body = _require_dict(req)
    with app.world.lock:
        return _job_response(_data_from_file(app, caller, body))


def whole_images_action(app, caller, req):
    body = _require_dict(req)
    world = app.world
    with world.lock:
        validate_name(body.get("name"))
        props = common_props(body, parse_ims_tags(body))
        props.update({"__whole_image": "true"})
        if body.get("instance_id"):
            inst = _instance(app, caller, body["instance_id"])
            if inst["status"] not in ("SHUTOFF", "ACTIVE"):
                raise img("IMG.0126", "The VM in the current stage cannot be used to create a full-ECS image.")
            vault = world.vaults.get(body.get("vault_id") or "")
            if vault is None or vault["project_id"] != caller.project_id:
                raise img("IMG.0184", "Failed to obtain the vault.")
            backup_id = world.new_backup_id()
            props.update(os_props(inst["os_version"]))
            props.update({"min_disk": int(inst["system_volume"].get("size", 40)), "__backup_id": backup_id,
                          "__data_origin": "instance,%s" % inst["id"], "__image_size": str(int(inst.get("used_bytes", 3 * GB)))})

            def make_backup(job):
                world.backups[backup_id] = {"id": backup_id, "name": "autobk_" + body["name"], "region": caller.region,
                                            "vault_id": vault["id"], "instance_id": inst["id"], "status": "available",
                                            "project_id": caller.project_id, "domain": caller.domain,
                                            "os_version": inst["os_version"], "used_by": job.entities.get("image_id")}
            job = start_image_job(app, caller, "imsCreateWholeImageByInstanceJob", "CreateWholeImageTask",
                                  system=(body["name"], props), extra_success=make_backup)
            world.images[job.entities["image_id"]]["whole_from_cbr"] = True
            return _job_response(job)
        if body.get("backup_id"):
            if body.get("whole_image_type", "CBR") != "CBR":
                raise img("IMG.0190", "Full-ECS images can be created only from CBR backups.")
            backup = world.backups.get(body["backup_id"])
            if backup is None or backup["project_id"] != caller.project_id:
                raise img("IMG.0020", "The backup does not exist.")
            if backup.get("status") != "available":
                raise img("IMG.0032", "The backup is unavailable.")
            if backup.get("used_by") and backup["used_by"] in world.images and not world.images[backup["used_by"]]["deleted"]:
                raise img("IMG.0029", "The backup in the request has already been used to create an image.")
            props.update(os_props(backup.get("os_version") or DEFAULT_OS_VERSION))
            props.update({"min_disk": int(backup.get("size", 40)), "__backup_id": backup["id"],
                          "__data_origin": "backup,%s" % backup["id"], "__image_size": str(int(backup.get("size", 40)) * GB // 4)})
            job = start_image_job(app, caller, "imsCreateWholeImageByBackupJob", "CreateWholeImageByBackupTask",
                                  system=(body["name"], props))
            rec = world.images[job.entities["image_id"]]
            rec["whole_from_cbr"] = True
            backup["used_by"] = rec["id"]

            def release(_job):
                backup["used_by"] = None
            job.on_fail = _chain(job.on_fail, release)
            return _job_response(job)
        raise img("IMG.0001", "The request message format is invalid: instance_id or backup_id is required.")


def _chain(first, second):
    def run(job):
        if first:
            first(job)
        second(job)
    return run


# ---------------------------------------------------------------- register / export

def register_image(app, caller, req, image_id):
    body = _require_dict(req)
    world = app.world
    with world.lock:
        rec = world.get_visible(image_id, caller)
        if rec["project_id"] != caller.project_id:
            raise img("IMG.0047", "This operation can be performed only by the image owner.")
        if rec["origin"] != "glance":
            raise img("IMG.1075", "Failed to register the image file: the image was not created by the image metadata API.")
        if rec["props"]["status"] != "queued" or rec["busy_job"]:
            raise img("IMG.0046", "The image is unavailable: only a queued metadata image can be registered.")
        _bucket, obj = resolve_obs(world, caller, body.get("image_url"))
        fmt = file_format(obj["key"])
        if fmt is None:
            raise img("IMG.0057", "The image file is empty, not found, or in incorrect format.")

        def start(_job):
            world.set_status(rec, "saving")

        def success(_job):
            rec["busy_job"] = None
            if rec["deleted"]:
                return
            rec["props"].update({"__image_size": str(obj["size"]), "size": obj["size"], "__root_origin": "file",
                                 "__data_origin": "file,%s" % body["image_url"]})
            if fmt == "iso":
                rec["props"].update({"disk_format": "iso", "virtual_env_type": "IsoImage"})
            world.set_status(rec, "active")

        def fail(_job):
            rec["busy_job"] = None
            if not rec["deleted"]:
                world.set_status(rec, "killed")

        job = Job(world, caller.project_id, "imsNativeImportImageJob", entities={"image_id": rec["id"], "image_name": rec["props"]["name"]},
                  current_task="RegisterImageTask", on_start=start, on_success=success, on_fail=fail)
        rec["busy_job"] = job.job_id
        app.jobs.submit(job)
        return _job_response(job)


def export_image(app, caller, req, image_id):
    body = _require_dict(req)
    world = app.world
    with world.lock:
        rec = world.get_visible(image_id, caller)
        props = rec["props"]
        if rec["origin"] == "public":
            raise img("IMG.0077", "The public image cannot be exported.")
        if rec["project_id"] != caller.project_id:
            raise img("IMG.0047", "This operation can be performed only by the image owner.")
        if props["status"] != "active":
            raise img("IMG.0046", "The image is unavailable.")
        if props.get("__whole_image") == "true":
            raise img("IMG.0128", "The full-ECS image cannot be exported.")
        if props.get("disk_format") == "iso" or props.get("virtual_env_type") == "IsoImage":
            raise img("IMG.0167", "This operation cannot be performed for ISO images.")
        quick = body.get("is_quick_export", False)
        if not isinstance(quick, bool):
            raise img("IMG.0001", "The request message format is invalid: is_quick_export must be a boolean.")
        fmt = body.get("file_format")
        if quick:
            if fmt:
                raise img("IMG.0001", "The request message format is invalid: file_format cannot be set with is_quick_export.")
            fmt = "zvhd2"
        elif fmt not in ("qcow2", "vhd", "zvhd", "vmdk"):
            raise img("IMG.0072", "The specified image format is not supported.")
        if not quick and image_size_gb(rec) > 128:
            raise img("IMG.0160", "Only images less than 128 GB can be exported.")
        url = body.get("bucket_url")
        if not isinstance(url, str) or ":" not in url:
            raise img("IMG.0073", "The name of the exported file is empty.")
        bucket_name, _sep, key = url.partition(":")
        if not bucket_name:
            raise img("IMG.0068", "The specified bucket name is empty.")
        if not key:
            raise img("IMG.0073", "The name of the exported file is empty.")
        if len(key) > 1024:
            raise img("IMG.0074", "The file name length exceeds the limit.")
        bucket = world.buckets.get(bucket_name)
        if bucket is None or bucket["domain"] != caller.domain:
            raise img("IMG.0069", "The specified bucket cannot be accessed.")
        if bucket["region"] != caller.region:
            raise img("IMG.0058", "The region of the bucket where the image file is stored is inconsistent with that of the user.")
        if key in bucket["objects"]:
            raise img("IMG.0070", "The image file already exists. Confirm the file in the corresponding directory of the OBS bucket.")
        for job in world.jobs.values():
            if job.job_type == "imsNativeExportImageJob" and not job.terminal and job.entities.get("image_id") == rec["id"]:
                raise img("IMG.0148", "The image is being exported.")
        size = int(props.get("__image_size") or 0) or GB

        def success(_job):
            bucket["objects"][key] = {"key": key, "size": size, "storage_class": "STANDARD", "format": fmt,
                                      "exported_from": rec["id"], "created_at": iso()}

        job = Job(world, caller.project_id, "imsNativeExportImageJob", entities={"image_id": rec["id"], "image_name": props["name"]},
                  current_task="ExportImageTask", on_success=success)
        app.jobs.submit(job)
        return _job_response(job)


# ---------------------------------------------------------------- copy

def _copy_props(src, name, desc, cmk):
    props = {k: v for k, v in src["props"].items() if k in (
        "__os_version", "min_disk", "min_ram", "max_ram", "disk_format", "virtual_env_type", "hw_firmware_type",
        "__image_size", "__support_kvm", "__support_xen", "__os_type", "__root_origin", "__support_arm",
        "hw_vif_multiqueue_enabled", "__is_config_init")}
    props.update({"__originalimagename": src["id"], "__data_origin": "image,%s" % src["id"], "tags": []})
    if src["props"].get("virtual_env_type") == "DataImage":
        props.update({"__os_version": None, "__platform": None, "__os_bit": None})
    if desc:
        props["__description"] = desc
    if cmk:
        props["__system__cmkid"] = cmk
    return props


def copy_image(app, caller, req, image_id):
    body = _require_dict(req)
    world = app.world
    with world.lock:
        validate_name(body.get("name"))
        validate_description(body.get("description"))
        src = world.get_visible(image_id, caller)
        props = src["props"]
        shared = src["project_id"] != caller.project_id
        if src["origin"] == "public":
            raise img("IMG.0105", "The operation is not supported: public images cannot be copied.")
        if shared and src["members"].get(caller.project_id, {}).get("status") != "accepted":
            raise img("IMG.0196", "The image cannot be replicated because it is not accepted by the recipient.")
        if props["status"] != "active":
            raise img("IMG.0046", "The image is unavailable.")
        if props.get("__whole_image") == "true":
            raise img("IMG.0130", "The full-ECS image cannot be exported or replicated.")
        if props.get("disk_format") == "iso" or props.get("virtual_env_type") == "IsoImage":
            raise img("IMG.0167", "This operation cannot be performed for ISO images.")
        cmk = check_kms(world, caller, body.get("cmk_id"))
        if shared and (cmk or props.get("__system__cmkid")):
            raise img("IMG.0197", "Failed to replicate the shared image because it is encrypted using KMS.")
        if cmk and cmk == props.get("__system__cmkid"):
            raise img("IMG.0096", "The specified KMS key ID must be different from the image key ID.")
        new_props = _copy_props(src, body["name"], body.get("description"), cmk or props.get("__system__cmkid"))
        eps = validate_enterprise_project(body.get("enterprise_project_id"))
        if eps:
            new_props["enterprise_project_id"] = eps
        job = start_image_job(app, caller, "imsCopyImageInRegionJob", "CopyImageInRegionTask", system=(body["name"], new_props))
        return _job_response(job)


def cross_region_copy(app, caller, req, image_id):
    body = _require_dict(req)
    world = app.world
    with world.lock:
        validate_name(body.get("name"))
        validate_description(body.get("description"))
        region = body.get("region")
        if not region or region not in world.regions:
            raise img("IMG.0147", "The entered region information is incorrect.")
        if region == caller.region:
            raise img("IMG.0142", "Replication must be performed across regions.")
        target = None
        for proj in world.domain_projects(caller.domain):
            if proj["region"] == region and proj["name"] == body.get("project_name"):
                target = proj
        if target is None:
            raise img("IMG.0145", "The project name is incorrect.")
        if body.get("agency_name") not in world.domains[caller.domain]["agencies"]:
            raise img("IMG.0151", "The agency does not have the needed permissions to perform this operation on the target project.")
        src = world.get_visible(image_id, caller)
        props = src["props"]
        if src["origin"] == "public" or src["project_id"] != caller.project_id:
            raise img("IMG.0047", "This operation can be performed only by the image owner.")
        if props["status"] != "active":
            raise img("IMG.0046", "The image is unavailable.")
        if props.get("__system__cmkid"):
            raise img("IMG.0143", "An encrypted image cannot be replicated cross regions.")
        if image_size_gb(src) > 128:
            raise img("IMG.0146", "The size of the image to be replicated across regions exceeds the upper limit.")
        if props.get("disk_format") == "iso" or props.get("virtual_env_type") == "IsoImage":
            raise img("IMG.0167", "This operation cannot be performed for ISO images.")
        whole = props.get("__whole_image") == "true"
        if whole:
            vault = world.vaults.get(body.get("vault_id") or "")
            if not body.get("vault_id"):
                raise img("IMG.0130", "The full-ECS image cannot be replicated without vault_id.")
            if vault is None or vault["project_id"] != target["id"]:
                raise img("IMG.0184", "Failed to obtain the vault.")
        running = sum(1 for j in world.jobs.values()
                      if j.job_type == "imsCopyImageCrossUserJob" and j.domain == caller.domain and not j.terminal)
        if running >= MAX_CROSS_REGION_JOBS:
            raise img("IMG.0149", "The number of image replicated cross regions exceeds the maximum number allowed at a time.")
        new_props = _copy_props(src, body["name"], body.get("description"), None)
        if whole:
            new_props.update({"__whole_image": "true", "__backup_id": world.new_backup_id()})
        world.check_quota(target["id"])
        job = start_image_job(app, caller, "imsCopyImageCrossUserJob", "CopyImageCrossRegionTask",
                              system=(body["name"], new_props), project_id=target["id"],
                              entities={"target_region": region, "target_project_id": target["id"]})
        if whole:
            world.images[job.entities["image_id"]]["whole_from_cbr"] = True
        return _job_response(job)


# ---------------------------------------------------------------- members (batch)

def _id_list(body, field):
    value = body.get(field)
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        raise img("IMG.0001", "The request message format is invalid: %s must be a non-empty list of strings." % field)
    return list(dict.fromkeys(value))


def add_members(app, caller, req):
    body = _require_dict(req)
    world = app.world
    with world.lock:
        images = _id_list(body, "images")
        projects = _id_list(body, "projects")
        recs = []
        for image_id in images:
            rec = world.get_visible(image_id, caller)
            check_shareable(world, caller, rec)
            for pid in projects:
                check_member_target(world, caller, rec, pid)
            recs.append(rec)
        failing = _take_member_failures(world, projects)
        results = [{"image_id": r["id"], "project_id": p, "status": "failed" if p in failing else "success"}
                   for r in recs for p in projects]

        def success(job):
            for rec in recs:
                if rec["deleted"]:
                    continue
                for pid in projects:
                    if pid not in failing:
                        add_member(rec, pid)
                rec["props"]["updated_at"] = iso()
            if failing:
                code = next(iter(failing.values()))
                raise ApiError(400, code, "Failed to add the tenant: %s." % ", ".join(sorted(failing)))

        job = Job(world, caller.project_id, "imsAddImageMembersJob", entities={"results": results},
                  current_task="AddImageMembersTask", on_success=success)
        job.partial_results = bool(failing)
        app.jobs.submit(job)
        return _job_response(job)


def _take_member_failures(world, projects):
    """Consume the ``fail_members`` control entries that name one of ``projects``: {project_id: error_code}."""
    failing, keep = {}, []
    for rule in world.fail_members:
        if rule.get("project_id") in projects and rule["project_id"] not in failing:
            failing[rule["project_id"]] = rule.get("error_code", "IMG.0112")
        else:
            keep.append(rule)
    world.fail_members = keep
    return failing


def delete_members(app, caller, req):
    body = _require_dict(req)
    world = app.world
    with world.lock:
        images = _id_list(body, "images")
        projects = _id_list(body, "projects")
        recs = []
        for image_id in images:
            rec = world.get_visible(image_id, caller)
            if rec["origin"] == "public" or rec["project_id"] != caller.project_id:
                raise img("IMG.0047", "This operation can be performed only by the image owner.")
            recs.append(rec)
        results = [{"image_id": r["id"], "project_id": p, "status": "success"} for r in recs for p in projects]

        def success(_job):
            for rec in recs:
                for pid in projects:
                    rec["members"].pop(pid, None)
                rec["props"]["updated_at"] = iso()

        job = Job(world, caller.project_id, "imsDeleteImageMembersJob", entities={"results": results},
                  current_task="DeleteImageMembersTask", on_success=success)
        app.jobs.submit(job)
        return _job_response(job)


def update_members(app, caller, req):
    body = _require_dict(req)
    world = app.world
    with world.lock:
        images = _id_list(body, "images")
        if body.get("project_id") != caller.project_id:
            raise img("IMG.0067", "The project ID is incorrect.")
        status = body.get("status")
        if status not in ("accepted", "rejected"):
            raise img("IMG.0001", "The request message format is invalid: status must be accepted or rejected.")
        recs = []
        for image_id in images:
            rec = world.images.get(image_id)
            if rec is None or rec["deleted"] or rec["region"] != caller.region or caller.project_id not in rec["members"]:
                raise img("IMG.0027", "The image ID in the request does not exist: %s." % image_id)
            if rec["props"].get("__whole_image") == "true" and status == "accepted":
                vault = world.vaults.get(body.get("vault_id") or "")
                if vault is None or vault["project_id"] != caller.project_id:
                    raise img("IMG.0184", "Failed to obtain the vault.")
            recs.append(rec)
        results = [{"image_id": r["id"], "project_id": caller.project_id, "status": "success"} for r in recs]

        def success(_job):
            for rec in recs:
                member = rec["members"].get(caller.project_id)
                if member:
                    member["status"] = status
                    member["updated_at"] = iso()

        job = Job(world, caller.project_id, "imsUpdateImageMembersJob", entities={"results": results},
                  current_task="UpdateImageMembersTask", on_success=success)
        app.jobs.submit(job)
        return _job_response(job)


# ---------------------------------------------------------------- quota / os / jobs

def show_member(app, caller, req, project_id, image_id, member_id):
    """SDK ShowImageMember: GET /v1/{project_id}/cloudimages/{image_id}/members/{member_id}."""
    if project_id != caller.project_id:
        raise ApiError(403, "IMG.0030", "The project ID and token in the request are invalid.")
    world = app.world
    with world.lock:
        rec = world.get_visible(image_id, caller, status=404)
        if member_id not in rec["members"] or (rec["project_id"] != caller.project_id and member_id != caller.project_id):
            raise ApiError(404, "IMG.0114", "Failed to query the tenant details: member %s of image %s." % (member_id, image_id))
        view = member_view(rec, member_id)
        view["member_type"] = "TENANT"
        return 200, view


def get_quota(app, caller, req):
    world = app.world
    with world.lock:
        used = world.quota_used(caller.project_id)
    return 200, {"quotas": {"resources": [{"type": "image", "used": used, "quota": world.image_quota, "min": 1, "max": 1000}]}}


def get_os_versions(app, caller, req):
    tags = req.query.get("tag", [])
    tag = tags[-1] if tags else None
    return 200, os_version_list(tag)


def get_job(app, caller, req, job_id, project_id=None):
    world = app.world
    if project_id is not None and project_id != caller.project_id:
        raise ApiError(403, "IMG.0030", "The project ID and token in the request are invalid.")
    with world.lock:
        job = world.jobs.get(job_id)
        if job is None or job.project_id != caller.project_id:
            raise not_found("The job %s does not exist." % job_id, code="IMG.0023")
        return 200, job.public()


def get_job_progress(app, caller, req, job_id):
    """GET /v1/cloudimages/job/{job_id} (ShowJobProgress, which replaces the deprecated ShowJob): the project
    comes from the caller's X-Project-Id."""
    world = app.world
    with world.lock:
        job = world.jobs.get(job_id)
        if job is None or job.project_id != caller.project_id:
            raise not_found("The job %s does not exist." % job_id, code="IMG.0023")
        return 200, job.progress()
