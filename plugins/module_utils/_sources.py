# -*- coding: utf-8 -*-
# Copyright: huaweicloud.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The image sources of ims_image: one table (SOURCES) says, for every way IMS makes an image, how the module's
options select it, which creation options it takes (every other one is refused, naming it), what it requires,
the ImsApi call and body it makes and what the task then waits on. ims_image only reads this table: adding a
source is one row here (plus its tests)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.huaweicloud.cloud.plugins.module_utils._images import dict_to_image_tags
from ansible_collections.huaweicloud.cloud.plugins.module_utils._validation import (
    check_description,
    check_int_range,
    check_name,
    check_obs_url,
    check_readable_file,
    check_tags,
    check_uuid,
    first_error,
    tag_value_text,
)

# The options that name what to make the image from; at most one is given.
SOURCE_OPTIONS = ("instance_id", "volume_id", "image_url", "backup_id", "filename")

# Options that only some sources take; a row lists those it takes in ``options``, the others are refused.
CREATION_OPTIONS = ("vault_id", "register", "quick_import", "disk_format", "os_version", "os_type", "architecture",
                    "min_disk", "is_config", "cmk_id", "data_images", "image_type")

UPLOAD_MAX_SIZE = 2 * 1024 ** 3  # PUT /v2/images/{id}/file takes files smaller than 2 GB (6.1.4)
# The sub-options of ims_image's data_images (table 5-6): data disk images made with a converted OBS file.
DATA_IMAGE_OPTIONS = dict(
    name=dict(type="str", required=True),
    description=dict(type="str"),
    image_url=dict(type="str", required=True),
    min_disk=dict(type="int", required=True),
    quick_import=dict(type="bool", default=False),
    tags=dict(type="dict"),
)
DATA_IMAGES_MAX = 3  # table 5-6
DATA_IMAGES_MIN_DISK = (1, 2048)  # table 5-6

# What the task waits on after the call: the job it started then the image it names ("job"), or only the image
# ("image", an upload has no job); ``operation`` names the default wait_timeout (WAIT_TIMEOUTS in _waiter.py).
JOB = "job"
IMAGE = "image"


class Source(object):
    """One way of making an image; see the module docstring. ``checks`` are (problem(params), message) pairs
    tried in order, the message formatted with the params; ``min_disk`` the documented range in GB (None: not
    taken). ``call`` is the ImsApi method and ``body`` builds its request body from the params. With
    ``metadata`` the call makes image metadata that ``fill`` (an ImsApi method) then fills with the file."""

    def __init__(self, kind, label, selected, call, body, waits, operation, options=(), checks=(), min_disk=None,
                 metadata=False, fill=None, whole=False):
        self.kind = kind
        self.label = label
        self.selected = selected
        self.call = call
        self.body = body
        self.waits = waits
        self.operation = operation
        self.options = frozenset(options)
        self.checks = checks
        self.min_disk = min_disk
        self.metadata = metadata
        self.fill = fill
        self.whole = whole

    def refused(self, p):
        """The first creation option of ``p`` this source does not take, as a message naming it, or None."""
        for option in sorted(CREATION_OPTIONS):
            if option not in self.options and given(p, option):
                return "%s cannot be used when creating an image from %s" % (option, self.label)
        return None

    def check(self, p):
        """The first requirement of this source that ``p`` misses, as a message naming the option, or None."""
        for problem, message in self.checks:
            if problem(p):
                return message % p
        if self.min_disk:
            return check_int_range(p.get("min_disk"), "min_disk", self.min_disk[0], self.min_disk[1], unit="GB")
        return None


def given(p, option):
    value = p.get(option)
    if isinstance(value, bool):
        return value
    return value is not None


def _missing(option):
    return lambda p: not p.get(option)


def _data(p):
    return p.get("image_type") == "DataImage"


def _iso(p):
    return p.get("image_type") == "IsoImage" or p.get("disk_format") == "iso"


_MIN_DISK_REQUIRED = (lambda p: p.get("min_disk") is None, "min_disk is required to create an image from image_url")
_DATA_OS_TYPE = (lambda p: p.get("os_type") == "Other",
                 "os_type must be Linux or Windows for a data disk image, got Other")


# Request bodies -------------------------------------------------------------------

def _tag_strings(tags):
    """Tags as the ``key.value`` strings of data image items."""
    return ["%s.%s" % (key, tag_value_text(value)) for key, value in sorted(tags.items())]


def _common(p, body, memory=True):
    """What every job-based creation body takes besides its source: name, description, tags, memory limits
    (not the OBS imports' bodies: ``memory=False``) and enterprise project."""
    body["name"] = p["name"]
    if p.get("description"):
        body["description"] = p["description"]
    if p.get("tags"):
        body["image_tags"] = dict_to_image_tags(dict((k, tag_value_text(v)) for k, v in p["tags"].items()))
    if memory:
        for option in ("min_ram", "max_ram"):
            if p.get(option) is not None:
                body[option] = p[option]
    if p.get("enterprise_project_id"):
        body["enterprise_project_id"] = p["enterprise_project_id"]
    return body


def _copy(p, body, options):
    for option in options:
        if p.get(option):
            body[option] = p[option]
    return body


def instance_body(p):
    return _common(p, {"instance_id": p["instance_id"]})


def whole_instance_body(p):
    return _common(p, {"instance_id": p["instance_id"], "vault_id": p["vault_id"]})


def whole_backup_body(p):
    return _common(p, {"backup_id": p["backup_id"], "whole_image_type": "CBR"})


def volume_body(p):
    body = _common(p, {"volume_id": p["volume_id"], "os_version": p["os_version"]})
    if p.get("image_type"):
        body["type"] = p["image_type"]
    return body


def volume_data_body(p):
    entry = {"name": p["name"], "volume_id": p["volume_id"]}
    if p.get("description"):
        entry["description"] = p["description"]
    if p.get("tags"):
        entry["tags"] = _tag_strings(p["tags"])
    return {"data_images": [entry]}


def quick_import_body(p):
    body = _common(p, {"image_url": p["image_url"], "min_disk": p["min_disk"]}, memory=False)
    body["os_version"] = p["os_version"]
    body["type"] = p.get("image_type") or "ECS"
    return _copy(p, body, ("architecture",))


def quick_import_data_body(p):
    body = _common(p, {"image_url": p["image_url"], "min_disk": p["min_disk"]}, memory=False)
    body["type"] = "DataImage"
    body["os_type"] = p.get("os_type") or "Linux"
    return body


def obs_data_body(p):
    body = _common(p, {"image_url": p["image_url"], "min_disk": p["min_disk"], "os_type": p.get("os_type") or "Linux"},
                   memory=False)
    return _copy(p, body, ("cmk_id",))


def obs_body(p):
    body = _copy(p, _common(p, {"image_url": p["image_url"], "min_disk": p["min_disk"]}),
                 ("os_version", "os_type", "cmk_id", "architecture"))
    if p.get("is_config") is not None:
        body["is_config"] = p["is_config"]
    if p.get("image_type"):
        body["type"] = p["image_type"]
    if p.get("data_images"):
        body["data_images"] = [data_image_item(item) for item in p["data_images"]]
    return body


def data_image_item(item):
    entry = {"name": item["name"]}
    if item.get("description"):
        entry["description"] = item["description"]
    if item.get("tags"):
        entry["tags"] = _tag_strings(item["tags"])
    entry["image_url"] = item["image_url"]
    entry["min_disk"] = item["min_disk"]
    if item.get("quick_import"):
        entry["is_quick_import"] = True
    return entry


def metadata_body(p):
    """POST /v2/images (6.1.6): the metadata a register or upload fills. No tags here: Glance tags cannot hold
    key=value pairs (reference 9.2); the module sets them through the IMS tag API."""
    body = {"name": p["name"], "container_format": "bare", "visibility": "private", "protected": False}
    if p.get("os_version"):
        body["__os_version"] = p["os_version"]
    for option in ("disk_format", "min_disk", "min_ram"):
        if p.get(option) is not None:
            body[option] = p[option]
    return body


# The table ------------------------------------------------------------------------
# Order matters: the first row whose ``selected`` holds is the source (instance_id with vault_id is a full-ECS
# image, image_url with register=true a registration, ...).

SOURCES = (
    Source("whole_instance", "instance_id and vault_id",
           lambda p: p.get("instance_id") and p.get("vault_id"),
           "create_whole_image", whole_instance_body, JOB, "whole_image",  # 5.1.9
           options=("vault_id",), whole=True),
    Source("instance", "instance_id",
           lambda p: p.get("instance_id"),
           "create_image", instance_body, JOB, "instance"),  # 5.1.3, system disk of an ECS
    Source("whole_backup", "backup_id",
           lambda p: p.get("backup_id"),
           "create_whole_image", whole_backup_body, JOB, "whole_image", whole=True),  # 5.1.9, CBR backup
    Source("volume_data", "volume_id with image_type=DataImage",
           lambda p: p.get("volume_id") and _data(p),
           "create_image", volume_data_body, JOB, "instance",  # 5.1.3, data_images of an EVS volume
           options=("image_type",)),
    Source("volume", "volume_id",
           lambda p: p.get("volume_id"),
           "create_image", volume_body, JOB, "instance",  # 5.1.3, EVS system disk
           options=("os_version", "image_type"),
           checks=((_missing("os_version"), "os_version is required to create a system disk image from volume_id"),
                   (lambda p: p.get("image_type") == "IsoImage", "image_type=IsoImage is only used with image_url"))),
    Source("upload", "filename",
           lambda p: p.get("filename"),
           "create_metadata", metadata_body, IMAGE, "import",  # 6.1.6 then PUT /v2/images/{id}/file (6.1.4)
           options=("disk_format", "os_version", "min_disk"), min_disk=(40, 255), metadata=True, fill="upload_file"),
    Source("register", "image_url with register=true",
           lambda p: p.get("image_url") and p.get("register"),
           "create_metadata", metadata_body, JOB, "import",  # 6.1.6 then PUT /v1/cloudimages/{id}/upload (6.1.5)
           options=("register", "disk_format", "os_version", "min_disk"), min_disk=(40, 255), metadata=True,
           fill="register"),
    Source("quick_import_data", "image_url with quick_import=true and image_type=DataImage",
           lambda p: p.get("image_url") and p.get("quick_import") and _data(p),
           "quick_import", quick_import_data_body, JOB, "quick_import",  # 5.1.4
           options=("quick_import", "os_type", "min_disk", "image_type"),
           checks=(_DATA_OS_TYPE, _MIN_DISK_REQUIRED), min_disk=(1, 1024)),
    Source("quick_import", "image_url with quick_import=true",
           lambda p: p.get("image_url") and p.get("quick_import"),
           "quick_import", quick_import_body, JOB, "quick_import",  # 5.1.4
           options=("quick_import", "os_version", "architecture", "min_disk", "image_type"),
           checks=((_missing("os_version"), "os_version is required with quick_import=true for a system disk image"),
                   (lambda p: p.get("image_type") not in (None, "ECS", "BMS"),
                    "image_type must be ECS or BMS (or DataImage) with quick_import=true, got %(image_type)s"),
                   _MIN_DISK_REQUIRED),
           min_disk=(1, 1024)),
    Source("obs_data", "image_url with image_type=DataImage",
           lambda p: p.get("image_url") and _data(p),
           "create_data_images", obs_data_body, JOB, "import",  # 5.1.5
           options=("os_type", "min_disk", "cmk_id", "image_type"),
           checks=(_DATA_OS_TYPE, _MIN_DISK_REQUIRED), min_disk=(40, 2048)),
    Source("obs", "image_url",
           lambda p: p.get("image_url"),
           "create_image", obs_body, JOB, "import",  # 5.1.3, converted file (ISO too) with optional data images
           options=("os_version", "os_type", "architecture", "min_disk", "is_config", "cmk_id", "data_images",
                    "image_type"),
           checks=((lambda p: _iso(p) and not p.get("os_version"),
                    "os_version is required to create an image from an ISO file"),
                   (lambda p: p.get("os_type") == "Windows" and not p.get("os_version"),
                    "os_version is required with os_type=Windows (the OS table has no generic Windows version)"),
                   _MIN_DISK_REQUIRED),
           min_disk=(40, 255)),
)


def source_of(p):
    """The row the source options select, or None when no source is given."""
    return next((source for source in SOURCES if source.selected(p)), None)


def check(p):
    """The first problem with the source options of ``p`` (state=present), as a message naming the option, or
    None. Needs ``name`` when a source is given."""
    sources = [option for option in SOURCE_OPTIONS if p.get(option) is not None]
    if len(sources) > 1:
        return "%s are mutually exclusive: give one source to create the image from" % ", ".join(sources)
    if p.get("vault_id") is not None and p.get("instance_id") is None:
        return "vault_id is only used with instance_id (to create a full-ECS image)"
    if p.get("register") and p.get("image_url") is None:
        return "register=true needs image_url, the OBS file to register"
    if p.get("quick_import") and p.get("image_url") is None:
        return "quick_import=true needs image_url, the OBS file to import"
    source = source_of(p)
    if source is None:
        # Nothing to create from: only an existing image can be managed.
        for option in CREATION_OPTIONS:
            if given(p, option):
                return "%s is only used when creating an image; give a source (%s) too" % (
                    option, ", ".join(SOURCE_OPTIONS))
        return None
    error = source.refused(p)
    if error:
        return error
    if p.get("name") is None:
        return "name is required to create an image"
    error = first_error(*[check_uuid(p.get(option), option)
                          for option in ("instance_id", "vault_id", "backup_id", "volume_id", "cmk_id")])
    if error:
        return error
    if p.get("enterprise_project_id") not in (None, "0") and check_uuid(p["enterprise_project_id"]):
        return "enterprise_project_id must be 0 (the default project) or a UUID, got %r" % p["enterprise_project_id"]
    error = first_error(check_obs_url(p.get("image_url"), "image_url"),
                        check_readable_file(p.get("filename"), "filename"))
    if error:
        return error
    if p.get("filename") and os.path.getsize(p["filename"]) >= UPLOAD_MAX_SIZE:
        return ("filename: %s is %d bytes; IMS takes uploads smaller than 2 GB (API reference 6.1.4): put the file "
                "in OBS and use image_url with register=true" % (p["filename"], os.path.getsize(p["filename"])))
    return source.check(p) or _check_data_images(p)


def _check_data_images(p):
    items = p.get("data_images") or []
    if len(items) > DATA_IMAGES_MAX:
        return "data_images: an image file in OBS can bring at most %d data disk images, got %d" % (
            DATA_IMAGES_MAX, len(items))
    names = set()
    for index, item in enumerate(items):
        label = "data_images[%d]" % index
        error = first_error(
            check_name(item.get("name"), label + ".name"),
            check_description(item.get("description"), label + ".description"),
            check_tags(item.get("tags"), label + ".tags"),
        )
        if error:
            return error
        if item["name"] in names or item["name"] == p.get("name"):
            return "%s.name %r is used twice; every image created needs its own name" % (label, item["name"])
        names.add(item["name"])
        if item.get("image_url") == p.get("image_url"):
            return "%s.image_url is the same file as image_url; every image needs its own file" % label
        low, high = DATA_IMAGES_MIN_DISK
        error = first_error(check_obs_url(item.get("image_url"), label + ".image_url"),
                            check_int_range(item.get("min_disk"), label + ".min_disk", low, high, unit="GB"))
        if error:
            return error
    return None
