#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: huaweicloud.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: ims_image_info
short_description: List Huawei Cloud IMS images with any of the documented filters
version_added: 1.0.0
description:
  - Lists the images the caller can see in a region (C(GET /v2/cloudimages)) - public images, its own private
    images and accepted shared images - filtered by every filter of the IMS list API, following all pages.
  - Optionally adds the members of each of the caller's own images and the private image quota.
  - Never changes anything.
author:
  - huaweicloud.cloud contributors (@huaweicloud)
extends_documentation_fragment:
  - huaweicloud.cloud.ims
options:
  image_ids:
    description:
      - Only these images (one lookup per id). The other filters still apply.
      - "Each entry must be a UUID like 4ca46bf1-5c61-48ff-b4f3-0ad4e5e3ba86."
    type: list
    elements: str
    aliases: [id, ids]
  names:
    description:
      - Only images with exactly one of these names (one lookup per name). The other filters still apply.
    type: list
    elements: str
    aliases: [name]
  imagetype:
    description:
      - Image type (C(__imagetype)). V(gold) public, V(private) private, V(shared) shared by or with the caller,
        V(market) Marketplace.
    type: str
    choices: [gold, private, shared, market]
  visibility:
    description:
      - Visibility to other tenants.
    type: str
    choices: [public, private, shared]
  status:
    description:
      - Image status.
    type: str
    choices: [queued, saving, deleted, killed, active]
  owner:
    description:
      - Project id that owns the images. Use the caller's project id to list only its own images.
      - "Must be 32 hexadecimal characters."
    type: str
  platform:
    description:
      - OS platform (C(__platform)), for example V(Ubuntu), V(CentOS), V(Windows), V(EulerOS).
    type: str
  os_type:
    description:
      - OS type (C(__os_type)).
    type: str
    choices: [Linux, Windows, Other]
  os_bit:
    description:
      - OS word size (C(__os_bit)).
    type: str
    choices: ['32', '64']
  disk_format:
    description:
      - Image file format.
    type: str
    choices: [zvhd2, vhd, zvhd, raw, qcow2, iso]
  container_format:
    description:
      - Container format (IMS uses V(bare)).
    type: str
  min_ram:
    description:
      - Minimum memory the image needs, in MB.
    type: int
  min_disk:
    description:
      - Minimum system disk the image needs, in GB.
    type: int
  protected:
    description:
      - Only protected (V(true)) or unprotected (V(false)) images. Public images are protected.
    type: bool
  whole_image:
    description:
      - Only whole images (V(true)) or only other images (V(false)) (C(__whole_image)).
    type: bool
  isregistered:
    description:
      - Whether the image is registered and usable (C(__isregistered)). IMS lets ordinary users see registered
        images only.
    type: bool
  member_status:
    description:
      - Images shared with the caller whose membership has this status. V(pending) lists shares not yet
        accepted, V(rejected) rejected ones.
      - IMS needs O(visibility=shared) with it; O(visibility) and O(imagetype) default to V(shared) when this is
        set.
    type: str
    choices: [accepted, rejected, pending]
  tag:
    description:
      - Only images with this tag, written V(key=value).
    type: str
  virtual_env_type:
    description:
      - Environment the image is for - V(FusionCompute) ECS system disk images, V(DataImage) data disk images,
        V(Ironic) BMS images, V(IsoImage) ISO images.
    type: str
    choices: [FusionCompute, Ironic, DataImage, IsoImage]
  created_at:
    description:
      - Creation time condition C(operator:time); operators V(gt), V(gte), V(lt), V(lte), V(eq), V(neq); time as
        C(yyyy-MM-ddThh:mm:ssZ) or C(yyyy-MM-dd hh:mm:ss) in UTC, for example V(gt:2024-01-01T00:00:00Z).
    type: str
  updated_at:
    description:
      - Last update time condition, in the same form as O(created_at).
    type: str
  sort_key:
    description:
      - Attribute to sort by. IMS sorts by creation time by default.
    type: str
    choices: [name, container_format, disk_format, status, id, size, created_at]
  sort_dir:
    description:
      - Sort order; IMS default is V(desc).
    type: str
    choices: [asc, desc]
  enterprise_project_id:
    description:
      - Only images of this enterprise project.
      - "Must be 0 (the default enterprise project) or a UUID."
    type: str
  cmk_id:
    description:
      - Only images encrypted with this KMS key (C(__system__cmkid)).
      - "Must be a UUID like 4ca46bf1-5c61-48ff-b4f3-0ad4e5e3ba86."
    type: str
  support_kvm:
    description:
      - Filter on C(__support_kvm). IMS only sets feature flags to C(true), so V(true) is the useful value.
    type: bool
  support_xen:
    description:
      - Filter on C(__support_xen) (see O(support_kvm)).
    type: bool
  support_largememory:
    description:
      - Filter on C(__support_largememory), images for large-memory flavors.
    type: bool
  support_diskintensive:
    description:
      - Filter on C(__support_diskintensive), images for disk-intensive flavors.
    type: bool
  support_highperformance:
    description:
      - Filter on C(__support_highperformance), images for high-performance flavors.
    type: bool
  support_xen_hana:
    description:
      - Filter on C(__support_xen_hana), XEN HANA images.
    type: bool
  support_kvm_infiniband:
    description:
      - Filter on C(__support_kvm_infiniband), KVM images with InfiniBand NICs.
    type: bool
  support_xen_gpu_type:
    description:
      - XEN GPU type the images support (C(__support_xen_gpu_type)).
    type: str
  support_kvm_gpu_type:
    description:
      - KVM GPU type the images support (C(__support_kvm_gpu_type)).
    type: str
  limit:
    description:
      - Images per page (1 to 500). Pages are followed automatically, so this never limits the result.
    type: int
    default: 500
  include_members:
    description:
      - Add C(members) to each image - the projects that the caller's own images are shared with (one extra call
        per own image). Images owned by others get an empty list.
    type: bool
    default: false
  include_quota:
    description:
      - Also return RV(quota), the private image quota of the project.
    type: bool
    default: false
notes:
  - Supports C(check_mode); the module only reads, so check mode runs it as usual.
seealso:
  - module: huaweicloud.cloud.ims_image_member
"""

EXAMPLES = r"""
- name: All private images of the project
  huaweicloud.cloud.ims_image_info:
    region: cn-north-4
    imagetype: private
  register: private

- name: Public Ubuntu 64-bit images, newest first
  huaweicloud.cloud.ims_image_info:
    region: cn-north-4
    imagetype: gold
    platform: Ubuntu
    os_bit: '64'
    sort_key: created_at
    sort_dir: desc

- name: Images shared with us that wait to be accepted
  huaweicloud.cloud.ims_image_info:
    region: cn-north-4
    member_status: pending

- name: Two images by name, with their members, and the quota
  huaweicloud.cloud.ims_image_info:
    region: cn-north-4
    names: [web-golden-2024-06, db-golden-2024-06]
    include_members: true
    include_quota: true
  register: golden

- name: Images tagged env=prod created this year
  huaweicloud.cloud.ims_image_info:
    region: cn-north-4
    tag: env=prod
    created_at: gte:2024-01-01T00:00:00Z
"""

RETURN = r"""
images:
  description:
    - The matching images, each as IMS describes it, with the C(__) and C(_) prefixes dropped from attribute names
      (C(__os_version) becomes C(os_version)) and C(tags) as a dictionary.
    - With O(include_members=true), each image also has C(members), as M(huaweicloud.cloud.ims_image_member)
      returns them; empty for images the caller does not own.
  returned: always
  type: list
  elements: dict
  sample:
    - id: 4f1e1c6e-2d2a-4f59-9f0e-7d3a9c1b5a10
      name: web-base
      status: active
      visibility: private
      imagetype: private
      os_version: Ubuntu 18.04 server 64bit
      platform: Ubuntu
      os_type: Linux
      os_bit: '64'
      min_disk: 40
      min_ram: 0
      disk_format: zvhd2
      owner: 6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d
      tags:
        team: web
      created_at: '2024-06-02T07:49:48Z'
      updated_at: '2024-06-02T07:55:01Z'
      members:
        - member_id: 0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e
          status: accepted
          image_id: 4f1e1c6e-2d2a-4f59-9f0e-7d3a9c1b5a10
          created_at: '2024-06-01T08:00:00Z'
          updated_at: '2024-06-01T08:10:00Z'
quota:
  description: The private image quota (C(resources) with C(type), C(used), C(quota), C(min), C(max)).
  returned: when O(include_quota=true)
  type: dict
  sample:
    resources:
      - type: image
        used: 12
        quota: 100
        min: 1
        max: 1000
"""

import re

from ansible_collections.huaweicloud.cloud.plugins.module_utils._errors import HuaweiCloudError
from ansible_collections.huaweicloud.cloud.plugins.module_utils._images import normalize_image
from ansible_collections.huaweicloud.cloud.plugins.module_utils._lookup import duplicates_message
from ansible_collections.huaweicloud.cloud.plugins.module_utils._members import member_view
from ansible_collections.huaweicloud.cloud.plugins.module_utils._module import HuaweiCloudModule
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
TIME_CONDITION = re.compile(r"^(gt|gte|lt|lte|eq|neq):\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}Z?$")
MAX_PAGE = 500


def build_filters(params):
    """The query of GET /v2/cloudimages for the module's filter options."""
    query = {}
    for option, key in FILTERS.items():
        value = params.get(option)
        if value is None:
            continue
        if isinstance(value, bool):
            value = "true" if value else "false"
        query[key] = str(value)
    if "member_status" in query:
        query.setdefault("visibility", "shared")
        query.setdefault("__imagetype", "shared")
    return query


def validate(module):
    p = module.params
    error = first_error(
        check_int_range(p["limit"], "limit", 1, MAX_PAGE),
        check_int_range(p["min_ram"], "min_ram", 0),
        check_int_range(p["min_disk"], "min_disk", 0),
    )
    for option in ("created_at", "updated_at"):
        if not error and p[option] is not None and not TIME_CONDITION.match(p[option]):
            error = ("%s must be operator:time with an operator of gt, gte, lt, lte, eq, neq and a UTC time like "
                     "2024-01-31T08:00:00Z, got %r" % (option, p[option]))
    if not error and p["member_status"] and p["visibility"] not in (None, "shared"):
        error = "member_status only applies to shared images; drop visibility=%s or set it to shared" % p["visibility"]
    if not error and p["tag"] is not None and (not p["tag"] or p["tag"].startswith("=")):
        error = "tag must be written key=value, got %r" % p["tag"]
    for option in ("image_ids", "names"):
        if not error and p[option] is not None and any(not value for value in p[option]):
            error = "%s must not contain empty entries" % option
    if error:
        module.fail(error)


def list_images(api, params):
    filters = build_filters(params)
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


def members_of(api, image):
    try:
        return [member_view(member) for member in api.list_members(image["id"])]
    except HuaweiCloudError as error:
        if error.status in (403, 404):
            return []
        raise


def gather(module):
    p = module.params
    api = module.api
    raw_images = list_images(api, p)
    for name in p["names"] or []:
        named = [raw for raw in raw_images if raw.get("name") == name]
        if len(named) > 1:
            # The same duplicates rule as the modules that create images, as a warning: this module changes nothing.
            module.module.warn(duplicates_message(named, "named %r" % name))
    images = []
    own = api.project_id if p["include_members"] else None
    for raw in raw_images:
        image = normalize_image(raw)
        if p["include_members"]:
            image["members"] = members_of(api, raw) if raw.get("owner") == own else []
        images.append(image)
    result = dict(changed=False, images=images)
    if p["include_quota"]:
        result["quota"] = api.get_quota()
    return result


def main():
    module = HuaweiCloudModule(
        dict(
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
            include_members=dict(type="bool", default=False),
            include_quota=dict(type="bool", default=False),
        ),
        supports_check_mode=True,
    )
    validate(module)
    module.run(lambda: gather(module))


if __name__ == "__main__":
    main()
