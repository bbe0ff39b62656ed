#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: huaweicloud.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: ims_image_member
short_description: Share Huawei Cloud IMS private images, or accept and reject images shared with you
version_added: 1.0.0
description:
  - Producer side (O(status) not set) adds or removes the projects that private images are shared with
    (IMS batch member calls C(POST|DELETE /v1/cloudimages/members)). Current members are read first
    (C(GET /v2/images/{id}/members)) and only the missing or surplus members are changed, with as few batch
    calls as possible.
  - Consumer side (O(status) set) accepts or rejects images shared with the caller's project
    (C(PUT /v1/cloudimages/members)); images already in that status are left alone.
  - Sharing only works inside one region. Encrypted images, public images and whole images not created
    from a CBR backup cannot be shared; IMS refuses them (for example V(IMG.0098) for encrypted images)
    and the task fails with that error code.
author:
  - huaweicloud.cloud contributors (@huaweicloud)
extends_documentation_fragment:
  - huaweicloud.cloud.ims
  - huaweicloud.cloud.ims.wait
  - huaweicloud.cloud.ims.visibility
options:
  images:
    description:
      - The images, by id or by name.
      - On the producer side a name must be unique among the caller's own images and every image must be
        owned by the caller's project.
      - On the consumer side a name must be unique among the images shared with the caller.
    type: list
    elements: str
    required: true
  projects:
    description:
      - Project ids (32 hexadecimal characters) of the consumers. Producer side only.
      - With O(state=present) they are added; with O(state=absent) they are removed.
      - With O(state=absent) and no O(projects), every member of the images is removed.
      - The caller's own project is refused before any call (IMS would answer V(IMG.0076)).
      - A system or data disk image can have at most 128 members, a whole image at most 10.
      - "Each entry must be 32 hexadecimal characters."
    type: list
    elements: str
  state:
    description:
      - Whether O(projects) should be members (V(present)) or not (V(absent)). Producer side only.
    type: str
    choices: [present, absent]
    default: present
  exclusive:
    description:
      - With O(state=present), also remove every member that is not in O(projects), so that the member set
        of each image is exactly O(projects).
    type: bool
    default: false
  status:
    description:
      - Consumer side. Accept (V(accepted)) or reject (V(rejected)) the shared O(images) for the caller's
        project (O(project_id), or the project of O(region)).
      - An accepted image can be used to create servers and shows in the consumer's image list. A rejected
        image is hidden from that list.
      - Cannot be combined with O(projects), O(exclusive) or O(state=absent).
    type: str
    choices: [accepted, rejected]
  vault_id:
    description:
      - CBR vault that receives the backup of a shared whole image when it is accepted.
      - Only with O(status=accepted); required by IMS for whole images created from CBR backups.
      - "Must be a UUID like 4ca46bf1-5c61-48ff-b4f3-0ad4e5e3ba86."
    type: str
notes:
  - Supports C(check_mode) and C(diff_mode). In check mode the current members are read but nothing changes.
  - With O(wait=false) the module returns the job ids at once and RV(members) shows the expected members;
    follow up with M(huaweicloud.cloud.ims_job).
seealso:
  - module: huaweicloud.cloud.ims_image_info
  - module: huaweicloud.cloud.ims_job
"""

EXAMPLES = r"""
- name: Share two images with a partner project
  huaweicloud.cloud.ims_image_member:
    region: cn-north-4
    images:
      - web-golden-2024-06
      - 4f1e1c6e-2d2a-4f59-9f0e-7d3a9c1b5a10
    projects:
      - 0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e

- name: Make the partner projects the only members
  huaweicloud.cloud.ims_image_member:
    region: cn-north-4
    images: [web-golden-2024-06]
    projects: "{{ partner_project_ids }}"
    exclusive: true

- name: Stop sharing an image with anybody
  huaweicloud.cloud.ims_image_member:
    region: cn-north-4
    images: [web-golden-2024-06]
    state: absent

- name: Accept an image shared with us (run with the consumer's credentials)
  huaweicloud.cloud.ims_image_member:
    region: cn-north-4
    images: [4f1e1c6e-2d2a-4f59-9f0e-7d3a9c1b5a10]
    status: accepted

- name: Accept a shared whole image into a CBR vault
  huaweicloud.cloud.ims_image_member:
    region: cn-north-4
    images: [4f1e1c6e-2d2a-4f59-9f0e-7d3a9c1b5a10]
    status: accepted
    vault_id: 9a3b5c7d-1e2f-4a6b-8c0d-2e4f6a8b0c1d
"""

RETURN = r"""
images:
  description: Ids of the images the task dealt with, in the order given.
  returned: always
  type: list
  elements: str
  sample: ["4f1e1c6e-2d2a-4f59-9f0e-7d3a9c1b5a10"]
members:
  description:
    - Members of each image after the task, keyed by image id.
    - On the consumer side only the caller's own membership is listed.
    - In check mode, or with O(wait=false), the expected members (new ones with status V(pending)).
  returned: always
  type: dict
  sample:
    4f1e1c6e-2d2a-4f59-9f0e-7d3a9c1b5a10:
      - member_id: 0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e
        status: pending
        image_id: 4f1e1c6e-2d2a-4f59-9f0e-7d3a9c1b5a10
        created_at: "2024-06-01T08:00:00Z"
        updated_at: "2024-06-01T08:00:00Z"
job_ids:
  description:
    - Ids of the IMS jobs the task started (none when nothing changed or in check mode).
    - Also returned, with C(changed=true), when the task fails after a job started.
  returned: always
  type: list
  elements: str
  sample: ["ff8080818f6bd6ec018f7a0bd54b1c2a"]
jobs_progress:
  description:
    - One entry per job of RV(job_ids), in order, as the task last read it while waiting, with timestamped
      readings; the keys of RV(huaweicloud.cloud.ims_image_copy#module:progress) (see O(wait_timeout)).
  returned: when the task waited for member jobs
  type: list
  elements: dict
  sample: [{job_id: ff8080818f6bd6ec018f7a0bd54b1c2a, status: SUCCESS, process_percent: 1.0, polls: 6,
            elapsed: 431.0, wait_timeout: 1200, history: []}]
failed_members:
  description:
    - When a member job failed for some projects, its C(entities.results[]) entries that did not succeed
      (C(project_id), C(image_id), C(status)); the task then fails naming those projects.
  returned: on failure of a member job
  type: list
  elements: dict
  sample: [{project_id: 0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e, image_id: 4f1e1c6e-2d2a-4f59-9f0e-7d3a9c1b5a10, status: failed}]
project_id:
  description: The caller's project id.
  returned: always
  type: str
  sample: 6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d
diff:
  description:
    - Producer side, member project ids per image; consumer side, the caller's member status per image.
  returned: when changed or in diff mode
  type: dict
  sample:
    before: {4f1e1c6e-2d2a-4f59-9f0e-7d3a9c1b5a10: []}
    after: {4f1e1c6e-2d2a-4f59-9f0e-7d3a9c1b5a10: [0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e]}
"""

from ansible_collections.huaweicloud.cloud.plugins.module_utils._errors import JobFailedError
from ansible_collections.huaweicloud.cloud.plugins.module_utils._jobs import job_error, member_failures
from ansible_collections.huaweicloud.cloud.plugins.module_utils._lookup import resolve_images, resolve_shared_image_id
from ansible_collections.huaweicloud.cloud.plugins.module_utils._members import (
    MAX_MEMBERS,
    expected_members,
    member_view,
    members_after,
    over_limit,
    plan_sharing,
    plan_status,
    read_members,
    start_member_jobs,
)
from ansible_collections.huaweicloud.cloud.plugins.module_utils._module import HuaweiCloudModule
from ansible_collections.huaweicloud.cloud.plugins.module_utils._validation import check_project_id, first_error
from ansible_collections.huaweicloud.cloud.plugins.module_utils._waiter import wait_timeout


def validate(p):
    """The first problem with the options, as a message naming the option, or None."""
    if not p["images"] or any(not ref for ref in p["images"]):
        return "images must list at least one image id or name, and no empty entries"
    if p["status"]:
        for name, given in (("projects", p["projects"] is not None), ("exclusive", p["exclusive"]),
                            ("state=absent", p["state"] == "absent")):
            if given:
                return ("%s is for the image owner; it cannot be combined with status "
                        "(which accepts or rejects images shared with you)" % name)
        if p["status"] == "rejected" and p["vault_id"]:
            return "vault_id is only used with status=accepted"
        return None
    if p["vault_id"]:
        return "vault_id is only used with status=accepted"
    if p["state"] == "present" and p["projects"] is None:
        return "projects is required with state=present (or set status to accept or reject a shared image)"
    if p["exclusive"] and p["state"] != "present":
        return "exclusive only applies to state=present"
    error = first_error(*[check_project_id(project, "projects") for project in p["projects"] or []])
    if error:
        return error
    if len(set(p["projects"] or [])) > MAX_MEMBERS:
        return "an image can be shared with at most %d projects, %d given" % (MAX_MEMBERS, len(set(p["projects"])))
    return None


class ImsImageMember(HuaweiCloudModule):
    """Two sides, the same steps: the owner plans member changes of its images (batch member jobs), a consumer
    plans status changes of images shared with it (one member status job). The plan is what to change."""

    argument_spec = dict(
        images=dict(type="list", elements="str", required=True),
        projects=dict(type="list", elements="str"),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        exclusive=dict(type="bool", default=False),
        status=dict(type="str", choices=["accepted", "rejected"]),
        vault_id=dict(type="str"),
    )
    module_kwargs = dict(supports_check_mode=True)
    with_wait = True
    with_visibility = True

    def validate(self):
        return validate(self.params)

    def look_up(self):
        if self.params["status"]:
            return self._look_up_shared()
        return self._look_up_owned()

    def plan(self, found):
        if self.params["status"]:
            return self._plan_status(found)
        return self._plan_members(found)

    def apply(self, plan):
        api = self.api
        p = self.params
        if p["status"]:
            self.result["job_ids"] = [api.set_member_status(plan, api.project_id, p["status"],
                                                            vault_id=p["vault_id"])]
            return
        to_add, to_remove = plan
        start_member_jobs(api, to_remove, False, p["visibility_window"], self.result["job_ids"])
        start_member_jobs(api, to_add, True, p["visibility_window"], self.result["job_ids"])

    def wait(self, plan):
        self._wait_jobs()
        api = self.api
        image_ids = self.result["images"]
        if self.params["status"]:
            self.result["members"] = dict((image_id, [member_view(api.get_member(image_id, api.project_id) or {})])
                                          for image_id in image_ids)
        else:
            self.result["members"] = read_members(api, image_ids)

    def _wait_jobs(self):
        """Wait for the member jobs. A job that failed for some projects fails the task naming them (from
        ``entities.results[]``), also when the job itself ended SUCCESS; what did change is read back first."""
        api = self.api
        result = self.result
        try:
            jobs = list(api.wait_jobs(result["job_ids"], wait_timeout(self.params, "members")).values())
            failed_job = None
        except JobFailedError as error:
            jobs, failed_job = [error.job], error.job
        finally:
            result["jobs_progress"] = [api.waiter.progress(job_id) for job_id in result["job_ids"]]
        failures = [failure for job in jobs for failure in member_failures(job)]
        if not failures and failed_job is None:
            return
        job = failed_job or next(job for job in jobs if member_failures(job))
        code, reason = job_error(job)
        if failures:
            what = "failed for project(s) %s" % ", ".join(sorted(set(f["project_id"] for f in failures)))
        else:
            what = "failed"
        result["members"] = read_members(api, result["images"])
        message = "member job %s %s: %s%s" % (job.get("job_id"), what, reason or "no reason given",
                                              " (%s)" % code if code else "")
        self.fail(message, error_code=code, failed_members=failures, job=job,
                  **dict((k, v) for k, v in result.items() if k != "diff"))

    # Owner side ---------------------------------------------------------------

    def _look_up_owned(self):
        """(images, their members), once the images are checked to be the caller's."""
        p = self.params
        api = self.api
        own = api.project_id
        # Project ids are lower-case hex in IMS; compare them that way.
        self.projects = None if p["projects"] is None else sorted(set(project.lower() for project in p["projects"]))
        if self.projects and own.lower() in self.projects:
            self.fail("cannot share an image with your own project %s (IMS would answer IMG.0076); "
                      "remove it from projects" % own, error_code="IMG.0076")
        images = resolve_images(api, p["images"], owned=True)
        foreign = [image["id"] for image in images if image.get("owner") != own]
        if foreign:
            self.fail("only the owner can change the members of an image; not owned by project %s: %s "
                      "(to accept or reject an image shared with you, set status)" % (own, ", ".join(foreign)))
        return images, read_members(api, [image["id"] for image in images])

    def _plan_members(self, found):
        p = self.params
        images, before = found
        image_ids = [image["id"] for image in images]
        current = dict((image_id, set(m["member_id"] for m in before[image_id])) for image_id in image_ids)
        to_add, to_remove = plan_sharing(current, self.projects, p["state"], p["exclusive"])
        after_ids = members_after(current, to_add, to_remove)
        problems = over_limit(images, after_ids)
        if problems:
            self.fail("; ".join(problems))
        changed = bool(to_add or to_remove)
        self.result.update(changed=changed, images=image_ids, project_id=self.api.project_id, job_ids=[],
                           members=before,
                           diff=dict(before=dict((i, sorted(current[i])) for i in image_ids), after=after_ids))
        if not changed:
            return None
        if self.check_mode or not p["wait"]:
            self.result["members"] = expected_members(before, to_add, to_remove)
        return to_add, to_remove

    # Consumer side --------------------------------------------------------------

    def _look_up_shared(self):
        """image id -> the caller's membership of it (None when not shared with it)."""
        api = self.api
        image_ids = []
        for ref in self.params["images"]:
            image_id = resolve_shared_image_id(api, ref)
            if image_id not in image_ids:
                image_ids.append(image_id)
        return [(image_id, api.get_member(image_id, api.project_id)) for image_id in image_ids]

    def _plan_status(self, memberships):
        p = self.params
        own = self.api.project_id
        image_ids = [image_id for image_id, dummy in memberships]
        statuses = dict((image_id, (m or {}).get("status")) for image_id, m in memberships)
        to_update, not_shared = plan_status(statuses, p["status"])
        if not_shared:
            self.fail("not shared with project %s in region %s: %s" % (own, p["region"], ", ".join(not_shared)))
        members = dict((image_id, [member_view(m)]) for image_id, m in memberships)
        self.result.update(changed=bool(to_update), images=image_ids, project_id=own, job_ids=[], members=members,
                           diff=dict(before=statuses, after=dict((image_id, p["status"]) for image_id in image_ids)))
        if not to_update:
            return None
        if self.check_mode or not p["wait"]:
            for image_id in to_update:
                members[image_id][0]["status"] = p["status"]
        return to_update


def main():
    ImsImageMember()()


if __name__ == "__main__":
    main()
