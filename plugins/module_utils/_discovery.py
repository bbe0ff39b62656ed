# -*- coding: utf-8 -*-
# Copyright: huaweicloud.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Finding images by filters: what ims_image_info and the ims_image lookup share.

The documented IMS list filters go to the server; tag sets, key-only tags, name globs and regular expressions
are applied here, after them, and ``most_recent`` keeps the newest match.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import fnmatch
import re

from ansible_collections.huaweicloud.cloud.plugins.module_utils._images import normalize_image, parse_time
from ansible_collections.huaweicloud.cloud.plugins.module_utils._validation import check_int_range, first_error

# option -> query parameter of GET /v2/cloudimages
FILTERS = dict(
    imagetype="__imagetype", visibility="visibility", status="status", owner="owner", platform="__platform",
    os_type="__os_type", os_bit="__os_bit", disk_format="disk_format", container_format="container_format",
    min_ram="min_ram", min_disk="min_disk", protected="protected", whole_image="__whole_image",
    isregistered="__isregistered", member_status="member_status", tag="tag", virtual_env_type="virtual_env_type",
    created_at="created_at", updated_at="updated_at", sort_key="sort_key", sort_dir="sort_dir",
    enterprise_project_id="enterprise_project_id", cmk_id="__system__cmkid",
    support_kvm="__support_kvm", support_xen="__support_xen", support_largememory="__support_largememory",
    support_diskintensive="__support_diskintensive", support_highperformance="__support_highperformance",
    support_xen_hana="__support_xen_hana", support_kvm_infiniband="__support_kvm_infiniband",
    support_xen_gpu_type="__support_xen_gpu_type", support_kvm_gpu_type="__support_kvm_gpu_type",
)

# The discovery options, as ims_image_info and the lookup both take them.
DISCOVERY_SPEC = dict(
    image_ids=dict(type="list", elements="str", aliases=["id", "ids"]),
    names=dict(type="list", elements="str", aliases=["name"]),
    imagetype=dict(type="str", choices=["gold", "private", "shared", "market"]),
    visibility=dict(type="str", choices=["public", "private", "shared"]),
    status=dict(type="str", choices=["queued", "saving", "deleted", "killed", "active"]),
    owner=dict(type="str"),
    platform=dict(type="str"),
    os_type=dict(type="str", choices=["Linux", "Windows", "Other"]),
    os_bit=dict(type="str", choices=["32", "64"]),
    disk_format=dict(type="str", choices=["zvhd2", "vhd", "zvhd", "raw", "qcow2", "iso"]),
    container_format=dict(type="str"),
    min_ram=dict(type="int"),
    min_disk=dict(type="int"),
    protected=dict(type="bool"),
    whole_image=dict(type="bool"),
    isregistered=dict(type="bool"),
    member_status=dict(type="str", choices=["accepted", "rejected", "pending"]),
    tag=dict(type="str"),
    tags=dict(type="dict"),
    name_pattern=dict(type="str"),
    name_regex=dict(type="str"),
    most_recent=dict(type="bool", default=False),
    virtual_env_type=dict(type="str", choices=["FusionCompute", "Ironic", "DataImage", "IsoImage"]),
    created_at=dict(type="str"),
    updated_at=dict(type="str"),
    sort_key=dict(type="str", choices=["name", "container_format", "disk_format", "status", "id", "size",
                                       "created_at"]),
    sort_dir=dict(type="str", choices=["asc", "desc"]),
    enterprise_project_id=dict(type="str"),
    cmk_id=dict(type="str"),
    support_kvm=dict(type="bool"),
    support_xen=dict(type="bool"),
    support_largememory=dict(type="bool"),
    support_diskintensive=dict(type="bool"),
    support_highperformance=dict(type="bool"),
    support_xen_hana=dict(type="bool"),
    support_kvm_infiniband=dict(type="bool"),
    support_xen_gpu_type=dict(type="str"),
    support_kvm_gpu_type=dict(type="str"),
    limit=dict(type="int", default=500),
)

# fullmatch: "$" would let a trailing newline through to the query string.
TIME_CONDITION = re.compile(r"(gt|gte|lt|lte|eq|neq):\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}Z?")
MAX_PAGE = 500


def validate(params):
    """The first problem with the discovery options, or None."""
    p = params
    error = first_error(
        check_int_range(p["limit"], "limit", 1, MAX_PAGE),
        check_int_range(p["min_ram"], "min_ram", 0),
        check_int_range(p["min_disk"], "min_disk", 0),
    )
    for option in ("created_at", "updated_at"):
        if not error and p[option] is not None and not TIME_CONDITION.fullmatch(p[option]):
            error = ("%s must be operator:time with an operator of gt, gte, lt, lte, eq, neq and a UTC time like "
                     "2024-01-31T08:00:00Z, got %r" % (option, p[option]))
    if not error and p["member_status"] and p["visibility"] not in (None, "shared"):
        error = "member_status only applies to shared images; drop visibility=%s or set it to shared" % p["visibility"]
    if not error and p["tag"] is not None and (not p["tag"] or p["tag"].startswith("=")):
        error = "tag must be written key=value, got %r" % p["tag"]
    if not error and p["tags"] is not None and any(not key for key in p["tags"]):
        error = "tags must not contain an empty key"
    for option in ("image_ids", "names"):
        if not error and p[option] is not None and any(not value for value in p[option]):
            error = "%s must not contain empty entries" % option
    if not error and p["name_regex"] is not None:
        try:
            re.compile(p["name_regex"])
        except re.error as exc:
            error = "name_regex is not a valid regular expression: %s" % exc
    return error


def wanted_tags(params):
    """Every tag condition as {key: value or None}; None matches any value (a key-only filter)."""
    wanted = {}
    if params.get("tag"):
        key, dummy, value = params["tag"].partition("=")
        wanted[key] = value
    for key, value in (params.get("tags") or {}).items():
        wanted[key] = None if value is None else str(value)
    return wanted


def build_query(params, project_id=None):
    """The query of GET /v2/cloudimages for the filter options; ``owner: self`` becomes ``project_id``."""
    query = {}
    for option, key in FILTERS.items():
        value = params.get(option)
        if value is None:
            continue
        if isinstance(value, bool):
            value = "true" if value else "false"
        query[key] = str(value)
    if query.get("owner") == "self":
        query["owner"] = project_id
    if "member_status" in query:
        query.setdefault("visibility", "shared")
        query.setdefault("__imagetype", "shared")
    if "tag" not in query:
        # IMS filters on one key=value tag: the first full one narrows the listing, the rest are checked here.
        full = sorted((key, value) for key, value in wanted_tags(params).items() if value is not None)
        if full:
            query["tag"] = "%s=%s" % full[0]
    return query


def matches(image, params):
    """Whether a normalized image passes the conditions IMS cannot apply: all tags, name glob and regex."""
    tags = image.get("tags") or {}
    for key, value in wanted_tags(params).items():
        if key not in tags or (value is not None and tags[key] != value):
            return False
    name = image.get("name") or ""
    if params.get("name_pattern") is not None and not fnmatch.fnmatchcase(name, params["name_pattern"]):
        return False
    if params.get("name_regex") is not None and not re.search(params["name_regex"], name):
        return False
    return True


def select(images, params):
    """The normalized images that pass ``matches``, only the newest one with ``most_recent`` (ties: the
    larger id, so the choice is stable); the server's order is kept otherwise."""
    found = [image for image in images if matches(image, params)]
    if params.get("most_recent") and found:
        found = [max(found, key=lambda image: (parse_time(image.get("created_at")) or 0, image.get("id") or ""))]
    return found


def list_raw(api, params):
    """The raw images the server-side filters give, one lookup per id or name when those are set."""
    filters = build_query(params, api.project_id if params.get("owner") == "self" else None)
    limit = params["limit"]
    if params["image_ids"] is None and params["names"] is None:
        return api.list_images(filters, limit=limit)
    found = []
    seen = set()
    lookups = [("id", value) for value in params["image_ids"] or []]
    lookups += [("name", value) for value in params["names"] or []]
    for key, value in lookups:
        query = dict(filters)
        query[key] = value
        for image in api.list_images(query, limit=limit):
            if image.get(key) == value and image["id"] not in seen:
                seen.add(image["id"])
                found.append(image)
    return found


def discover(api, params):
    """(raw, normalized) pairs of the images the discovery options select."""
    pairs = [(raw, normalize_image(raw)) for raw in list_raw(api, params)]
    chosen = set(id(image) for image in select([image for dummy, image in pairs], params))
    return [(raw, image) for raw, image in pairs if id(image) in chosen]
