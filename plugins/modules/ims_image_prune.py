#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: huaweicloud.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: ims_image_prune
short_description: Delete old generations of the project's own IMS images, safely
version_added: 1.0.0
description:
  - Selects the caller's own images (O(name_pattern), O(tags)), groups them into families (by the value of
    O(family_tag), or one family), and deletes those outside the retention - not among the O(keep_newest)
    newest and not younger than O(keep_days) days.
  - Never deletes an image tagged O(keep_tag), one an ECS server of the project was booted from
    (ECS C(ListServersDetails), see O(ecs_endpoint)), or one shared with other projects unless
    O(include_shared=true).
  - Deletes all selected images at once and waits on all deletions together.
  - In check mode it only lists what would go. The role C(huaweicloud.cloud.ims_prune) runs it in check mode
    unless C(ims_prune_apply=true).
author:
  - huaweicloud.cloud contributors (@huaweicloud)
extends_documentation_fragment:
  - huaweicloud.cloud.ims
  - huaweicloud.cloud.ims.wait
options:
  name_pattern:
    description: Only images whose name matches this glob, for example V(web-*).
    type: str
  tags:
    description:
      - "Only images with all these tags; a V(null) value matches any value (key-only)."
    type: dict
  family_tag:
    description:
      - Tag key whose value names an image's family; retention counts per family. Without it the selected
        images form one family.
    type: str
  keep_newest:
    description: Keep the newest N images of each family.
    type: int
  keep_days:
    description: Keep images younger than this many days.
    type: int
  keep_tag:
    description: Images with a tag of this key are never deleted.
    type: str
    default: keep
  include_shared:
    description: Also delete images shared with other projects (their members lose them).
    type: bool
    default: false
notes:
  - Supports C(check_mode) (lists RV(deleted) without deleting).
  - With neither O(keep_newest) nor O(keep_days), nothing is deleted.
  - Needs the IAM permission C(ecs:cloudServers:list) besides the IMS ones.
seealso:
  - module: huaweicloud.cloud.ims_image_info
"""

EXAMPLES = r"""
- name: Keep the 3 newest web images and any younger than 30 days
  huaweicloud.cloud.ims_image_prune:
    region: cn-north-4
    name_pattern: web-*
    keep_newest: 3
    keep_days: 30
  check_mode: true
  register: would_go
"""

RETURN = r"""
deleted:
  description: The images deleted (in check mode, that would be deleted), each C(id), C(name), C(created_at), C(reason).
  returned: always
  type: list
  elements: dict
  sample:
    - id: 4f1e1c6e-2d2a-4f59-9f0e-7d3a9c1b5a10
      name: web-2024-01
      created_at: '2024-01-02T07:49:48Z'
      reason: older than the retention
kept:
  description: The selected images kept, each C(id), C(name), C(created_at), C(reason).
  returned: always
  type: list
  elements: dict
  sample:
    - id: 0b7e4c1a-6a2f-4f59-9f0e-7d3a9c1b5a11
      name: web-2024-06
      created_at: '2024-06-02T07:49:48Z'
      reason: one of the 3 newest
"""

import time

from ansible_collections.huaweicloud.cloud.plugins.module_utils._discovery import DISCOVERY_SPEC, discover
from ansible_collections.huaweicloud.cloud.plugins.module_utils._images import wait_until_gone
from ansible_collections.huaweicloud.cloud.plugins.module_utils._module import HuaweiCloudModule
from ansible_collections.huaweicloud.cloud.plugins.module_utils._prune import plan as retention_plan
from ansible_collections.huaweicloud.cloud.plugins.module_utils._validation import check_int_range, first_error
from ansible_collections.huaweicloud.cloud.plugins.module_utils._waiter import wait_timeout


def view(pair):
    image, reason = pair
    return dict(id=image["id"], name=image.get("name"), created_at=image.get("created_at"), reason=reason)


def wait_gone(api, image_ids, timeout, clock=time.monotonic):
    """Wait on every deletion together: IMS deletes them concurrently, so one deadline covers them all."""
    deadline = clock() + timeout
    for image_id in image_ids:
        wait_until_gone(api, image_id, max(0, deadline - clock()))


class ImsImagePrune(HuaweiCloudModule):
    """The plan is the images to delete; apply deletes them all at once, wait waits on all of them together."""

    argument_spec = dict(
        name_pattern=dict(type="str"),
        tags=dict(type="dict"),
        family_tag=dict(type="str"),
        keep_newest=dict(type="int"),
        keep_days=dict(type="int"),
        keep_tag=dict(type="str", default="keep"),
        include_shared=dict(type="bool", default=False),
    )
    module_kwargs = dict(supports_check_mode=True)
    with_wait = True

    def validate(self):
        return first_error(check_int_range(self.params["keep_newest"], "keep_newest", 0),
                           check_int_range(self.params["keep_days"], "keep_days", 0))

    def look_up(self):
        """The project's own selected images, and the ids of those ECS servers were booted from."""
        p = self.params
        query = dict((name, spec.get("default")) for name, spec in DISCOVERY_SPEC.items())
        query.update(owner="self", name_pattern=p["name_pattern"], tags=p["tags"])
        images = [image for dummy, image in discover(self.api, query)]
        return images, (self.api.image_ids_in_use() if images else set())

    def plan(self, found):
        p = self.params
        images, used = found
        delete, keep = retention_plan(images, used, time.time(), keep_newest=p["keep_newest"],
                                      keep_days=p["keep_days"], keep_tag=p["keep_tag"],
                                      include_shared=p["include_shared"], family_tag=p["family_tag"])
        # Outside check mode, changed counts what apply really deleted: a failure half-way reports it.
        self.result.update(changed=bool(delete) and self.check_mode, deleted=[view(pair) for pair in delete],
                           kept=[view(pair) for pair in keep])
        return [image["id"] for image, dummy in delete] or None

    def apply(self, plan):
        for image_id in plan:
            self.api.delete_image(image_id)
            self.result["changed"] = True

    def wait(self, plan):
        wait_gone(self.api, plan, wait_timeout(self.params, "delete"))


def main():
    ImsImagePrune()()


if __name__ == "__main__":
    main()
