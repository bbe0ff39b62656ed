# -*- coding: utf-8 -*-
# Copyright: huaweicloud.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The image attributes users set on ims_image: one table, read by the module's argument spec, its validation,
its comparison and diff, and its PATCH (and checked against the module's documentation by a unit test)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

BOOL = ("true", "false")
# 9.1: "true when the image supports it, otherwise leave the attribute out": false removes the attribute.
FLAG = ("true",)

# (option, IMS attribute, accepted values as IMS stores them). Every one is listed as user-modifiable by
# PATCH /v2/cloudimages (API reference 5.1.2, values in 9.1 and tables 9-2/9-3). No creation call takes
# them, so a new image gets them from the PATCH that follows its creation; IMS answers IMG.0035 to
# ``replace`` on an attribute the image does not have, hence ``add`` for those.
ATTRIBUTES = (
    ("hw_firmware_type", "hw_firmware_type", ("bios", "uefi")),
    ("hw_vif_multiqueue_enabled", "hw_vif_multiqueue_enabled", BOOL),
    ("support_kvm", "__support_kvm", FLAG),
    ("support_xen", "__support_xen", FLAG),
    ("support_diskintensive", "__support_diskintensive", FLAG),
    ("support_highperformance", "__support_highperformance", FLAG),
    ("support_kvm_gpu_type", "__support_kvm_gpu_type", ("M60", "V100_vGPU", "P2V_V100", "P100", "V100")),
    ("support_xen_gpu_type", "__support_xen_gpu_type", ("M60_vGPU",)),
    ("is_config_init", "__is_config_init", BOOL),
)

# 9.1: the GPU types "do not coexist" with __support_kvm/__support_xen.
EXCLUSIVE = (("support_kvm_gpu_type", ("support_kvm", "support_xen")),
             ("support_xen_gpu_type", ("support_kvm", "support_xen")))

# Attributes of the image record itself (9.1 and the SDK's ImageInfo): never custom properties.
RESERVED_PROPERTIES = frozenset((
    "id", "name", "status", "visibility", "protected", "container_format", "disk_format", "min_disk", "min_ram",
    "max_ram", "size", "virtual_size", "checksum", "owner", "tags", "created_at", "updated_at", "active_at",
    "deleted", "deleted_at", "self", "file", "schema", "locations", "direct_url", "virtual_env_type",
    "enterprise_project_id", "architecture", "os_version", "description", "image_type",
)) | frozenset(option for option, attribute, values in ATTRIBUTES) | frozenset(
    attribute for option, attribute, values in ATTRIBUTES)
PROPERTY_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,254}")
PROPERTY_VALUE_MAX = 255


def argument_spec():
    """The ims_image options of the table, plus ``properties`` (free custom attributes)."""
    spec = {}
    for option, attribute, values in ATTRIBUTES:
        spec[option] = dict(type="bool") if values in (BOOL, FLAG) else dict(type="str", choices=list(values))
    spec["properties"] = dict(type="dict")
    return spec


def _text(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def check(params):
    """The first problem with the attribute options, as a message naming the option, or None."""
    for option, others in EXCLUSIVE:
        if params.get(option) is None:
            continue
        for other in others:
            if params.get(other):
                return ("%s cannot be combined with %s=true: IMS documents GPU types as not coexisting with "
                        "__support_kvm and __support_xen" % (option, other))
    properties = params.get("properties")
    if properties is None:
        return None
    for key in sorted(properties, key=str):
        value = properties[key]
        if not isinstance(key, str) or not PROPERTY_NAME.fullmatch(key):
            return ("properties: %r is not a usable property name: 1 to 255 letters, digits, _, ., : and -, "
                    "starting with a letter or digit (names starting with _ are IMS attributes)" % (key,))
        if key in RESERVED_PROPERTIES:
            return "properties: %r is an IMS image attribute, not a custom property; use its own option" % key
        if value is None or isinstance(value, (dict, list)):
            return "properties: the value of %r must be a string, a number or a boolean" % key
        if len(_text(value)) > PROPERTY_VALUE_MAX:
            return "properties: the value of %r is longer than %d characters" % (key, PROPERTY_VALUE_MAX)
    return None


def wanted(params):
    """{IMS attribute: value as IMS stores it, None for a flag to remove} for what the task sets."""
    result = {}
    for option, attribute, values in ATTRIBUTES:
        if params.get(option) is not None:
            result[attribute] = None if values is FLAG and not params[option] else _text(params[option])
    for key, value in (params.get("properties") or {}).items():
        result[key] = _text(value)
    return result


def current(image, attributes):
    """{attribute: value as text, or None when absent} of ``image`` for the given attributes."""
    image = image or {}
    return dict((attribute, None if image.get(attribute) is None else _text(image[attribute]))
                for attribute in attributes)


def patch_operations(image, before, after):
    """JSON-patch operations turning the ``before`` attributes of ``image`` into ``after``."""
    operations = []
    for attribute in sorted(after):
        if after[attribute] == before.get(attribute):
            continue
        if after[attribute] is None:
            operations.append({"op": "remove", "path": "/" + attribute})
            continue
        op = "replace" if attribute in (image or {}) else "add"
        operations.append({"op": op, "path": "/" + attribute, "value": after[attribute]})
    return operations
