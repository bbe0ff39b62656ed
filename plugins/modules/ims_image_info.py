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
  - huaweicloud.cloud.ims.discovery
options:
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

- name: The newest web image of our own, tagged team=web and carrying a keep tag with any value
  huaweicloud.cloud.ims_image_info:
    region: cn-north-4
    owner: self
    name_pattern: web-*
    tags:
      team: web
      keep: null
    most_recent: true
  register: newest

- name: Our images older than 30 days (created_at_epoch is in seconds)
  ansible.builtin.debug:
    msg: "{{ private.images | selectattr('created_at_epoch', 'lt', now(utc=true).timestamp() - 30 * 86400) | list }}"

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
    - C(created_at) and C(updated_at) are UTC ISO 8601 strings (they compare correctly as strings);
      C(created_at_epoch) and C(updated_at_epoch) are the same times in seconds since the epoch, for arithmetic.
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
      created_at_epoch: 1717314588
      updated_at_epoch: 1717314901
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

from ansible_collections.huaweicloud.cloud.plugins.module_utils._discovery import DISCOVERY_SPEC, discover, validate
from ansible_collections.huaweicloud.cloud.plugins.module_utils._errors import HuaweiCloudError
from ansible_collections.huaweicloud.cloud.plugins.module_utils._module import HuaweiCloudModule


def members_of(api, image):
    # Imported here and below, where needed: most runs ask for neither, and every module_utils file a run
    # imports is compiled anew in each task (AnsiballZ keeps no bytecode).
    from ansible_collections.huaweicloud.cloud.plugins.module_utils._members import member_view

    try:
        return [member_view(member) for member in api.list_members(image["id"])]
    except HuaweiCloudError as error:
        if error.status in (403, 404):
            return []
        raise


class ImsImageInfo(HuaweiCloudModule):
    """Only reads: look_up discovers the images, the plan is to report them, finish adds members and quota."""

    argument_spec = dict(
        DISCOVERY_SPEC,
        include_members=dict(type="bool", default=False),
        include_quota=dict(type="bool", default=False),
    )
    read_only = True
    module_kwargs = dict(supports_check_mode=True)

    def validate(self):
        return validate(self.params)

    def look_up(self):
        return discover(self.api, self.params)

    def plan(self, found):
        return found

    def finish(self, plan):
        found = plan
        p = self.params
        api = self.api
        for name in p["names"] or []:
            named = [raw for raw, dummy in found if raw.get("name") == name]
            if len(named) > 1:
                from ansible_collections.huaweicloud.cloud.plugins.module_utils._lookup import duplicates_message

                # The duplicates rule of the modules that create images, as a warning: this module changes nothing.
                self.module.warn(duplicates_message(named, "named %r" % name))
        images = []
        own = api.project_id if p["include_members"] else None
        for raw, image in found:
            if p["include_members"]:
                image["members"] = members_of(api, raw) if raw.get("owner") == own else []
            images.append(image)
        self.result.update(changed=False, images=images)
        if p["include_quota"]:
            self.result["quota"] = api.get_quota()
        return self.result


def main():
    ImsImageInfo()()


if __name__ == "__main__":
    main()
