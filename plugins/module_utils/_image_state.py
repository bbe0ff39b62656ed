# -*- coding: utf-8 -*-
# Copyright: huaweicloud.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What ims_image manages on an image: the checks of its options (with the sources table), how the image is
compared and shown in diffs, the PATCH that converges it, and what IMS takes for an export."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.huaweicloud.cloud.plugins.module_utils import _attributes as attributes
from ansible_collections.huaweicloud.cloud.plugins.module_utils import _sources as sources
from ansible_collections.huaweicloud.cloud.plugins.module_utils._images import desired_tags, tags_to_dict
from ansible_collections.huaweicloud.cloud.plugins.module_utils._validation import (
    check_description,
    check_int_range,
    check_name,
    check_obs_url,
    check_tags,
    check_uuid,
    first_error,
    server_int,
    tag_value_text,
)

EXPORT_FORMATS = ["qcow2", "vhd", "zvhd", "vmdk"]

EXPORT_OPTIONS = dict(
    bucket_url=dict(type="str", required=True),
    file_format=dict(type="str", choices=EXPORT_FORMATS),
    quick=dict(type="bool", default=False),
    force=dict(type="bool", default=False),
)

# Export limits of the API reference (5.1.8), in bytes.
EXPORT_MAX_SIZE = 1024 ** 4           # images must be smaller than 1 TB
EXPORT_MAX_CONVERTED_SIZE = 128 * 1024 ** 3  # larger images only with quick export


def validate_params(p):
    """The first problem with the module parameters, as a message naming the option, or None."""
    error = first_error(
        check_uuid(p.get("id"), "id"),
        check_name(p.get("name"), "name"),
        check_description(p.get("description"), "description"),
        check_tags(p.get("tags"), "tags"),
        check_int_range(p.get("min_ram"), "min_ram", minimum=0, unit="MB"),
        check_int_range(p.get("max_ram"), "max_ram", minimum=0, unit="MB"),
        attributes.check(p),
    )
    if error:
        return error
    if p.get("id") is None and p.get("name") is None:
        return "one of id or name is required to identify the image"
    if p.get("delete_backup") and p.get("state") != "absent":
        return "delete_backup only applies to state=absent (it deletes the CBR backup of a full-ECS image)"
    error = check_export(p, sources.source_of(p))
    if error:
        return error
    if p.get("state") == "absent":
        return None
    if p.get("min_ram") and p.get("max_ram") and p["max_ram"] < p["min_ram"]:
        return "max_ram (%d MB) must not be less than min_ram (%d MB)" % (p["max_ram"], p["min_ram"])
    return sources.check(p)


def describe(image, tags=None, managed=()):
    """The attributes this module manages, as compared and shown in diffs. ``tags``: the image's tags as the
    IMS tag API lists them (the authority); without it, what the image record's ``tags`` strings say.
    ``managed``: the table attributes and custom properties the task sets (only those are compared)."""
    if image is None:
        return {}
    described = {
        "name": image.get("name"),
        "description": image.get("__description") or "",
        "min_ram": _int_or_none(image.get("min_ram")),
        "max_ram": _int_or_none(image.get("max_ram")),
        "tags": dict(tags) if tags is not None else tags_to_dict(image.get("tags")),
    }
    if managed:
        described["attributes"] = attributes.current(image, managed)
    return described


def _int_or_none(value):
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def desired_state(p, current, by_id, tags=None):
    """(before, after): what ``describe`` says of the current image (or None) and its tags, and should say
    after this task."""
    wanted = attributes.wanted(p)
    before = describe(current, tags, managed=tuple(wanted))
    if current:
        after = dict(before)
    else:
        after = {"name": p["name"], "description": "", "min_ram": 0, "max_ram": None, "tags": {}}
    if wanted:
        after["attributes"] = dict(after.get("attributes") or {}, **wanted)
    if p.get("name") is not None and (by_id or current is None):
        after["name"] = p["name"]
    for option in ("description", "min_ram", "max_ram"):
        if p.get(option) is not None:
            after[option] = p[option]
    wanted_tags = None
    if p.get("tags") is not None:
        wanted_tags = dict((key, tag_value_text(value)) for key, value in p["tags"].items())
    after["tags"] = desired_tags(after["tags"], wanted_tags, p.get("purge_tags", True))
    return before, after


def patch_operations(image, after):
    """JSON-patch operations for PATCH /v2/cloudimages that turn ``image`` into ``after`` (tags excluded).

    ``replace`` needs the attribute to exist (IMS answers IMG.0035 otherwise),
    so absent attributes are added.
    """
    before = describe(image)
    operations = []
    fields = (("name", "name"), ("description", "__description"), ("min_ram", "min_ram"), ("max_ram", "max_ram"))
    for key, attribute in fields:
        if after.get(key) is None or after[key] == before.get(key):
            continue
        op = "replace" if attribute in image else "add"
        operations.append({"op": op, "path": "/" + attribute, "value": after[key]})
    wanted = after.get("attributes") or {}
    return operations + attributes.patch_operations(image, attributes.current(image, wanted), wanted)


def check_export(p, source):
    """The first problem with the ``export`` option of ``p`` given the source row it creates from (or None), as
    a message naming the option, or None."""
    export = p.get("export")
    if export is None:
        return None
    if p.get("state") == "absent":
        return "export is only used with state=present; an image that is deleted cannot be exported"
    error = check_obs_url(export.get("bucket_url"), "export.bucket_url")
    if error:
        return error
    if export.get("quick") and export.get("file_format") is not None:
        return ("export.file_format cannot be used with export.quick=true: a quick export keeps the image's own "
                "format")
    if not export.get("quick") and export.get("file_format") is None:
        return "export.file_format (%s) is required unless export.quick=true" % ", ".join(EXPORT_FORMATS)
    if source is not None and source.whole:
        return "export cannot be used with a full-ECS image (%s): IMS does not export them" % source.label
    if source is not None and (p.get("image_type") == "IsoImage" or p.get("disk_format") == "iso"):
        return "export cannot be used with an ISO image: IMS does not export them"
    return None


def export_refusal(image, quick):
    """Why IMS would refuse to export this (normalized) image, or None."""
    what = "image %s (%s)" % (image.get("id"), image.get("name"))
    if str(image.get("whole_image")).lower() == "true":
        return "%s is a full-ECS image, which IMS cannot export" % what
    if image.get("disk_format") == "iso" or image.get("virtual_env_type") == "IsoImage":
        return "%s is an ISO image, which IMS cannot export" % what
    try:
        size = server_int(image.get("image_size")) or 0
    except ValueError:
        return "%s reports an image size of %s, which is not a number; the export limits cannot be checked" % (
            what, repr(image.get("image_size"))[:40])
    if size >= EXPORT_MAX_SIZE:
        return "%s is %d bytes; IMS only exports images smaller than 1 TB" % (what, size)
    if size > EXPORT_MAX_CONVERTED_SIZE and not quick:
        return ("%s is %d bytes; images larger than 128 GB can only be exported with export.quick=true"
                % (what, size))
    return None
