#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: huaweicloud.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: ims_image_copy
short_description: Copy a Huawei Cloud IMS private image within a region or to another region
version_added: 1.0.0
description:
  - Copies an image within its region (C(POST /v1/cloudimages/{id}/copy)), optionally encrypting the copy
    with a KMS key, or to another region (C(POST /v1/cloudimages/{id}/cross_region_copy)) through an IAM agency.
  - Idempotent by name and source. When a copy of O(image) named O(name) already exists in the target region and
    project (IMS records the source's id in C(__originalimagename)), nothing is copied; a copy still in progress
    counts, and with O(wait=true) the module waits until it is active. When more than one image has that name,
    or an image of that name is not a copy of O(image), the task fails naming every id rather than choosing one.
  - An image in status C(killed) (a failed copy) is never returned as the result; the task fails asking to delete
    it and run again.
  - The copy job runs in the source region; the new image is looked up in the target region.
  - IMS constraints checked before any call, with the IMS error code in the message (V(IMG.0130), V(IMG.0143),
    V(IMG.0146), V(IMG.0167)) - whole images cannot be copied within a region, encrypted images and images over
    128 GB cannot be copied across regions, and images created from ISO files cannot be copied at all.
  - IMS runs at most 5 cross-region copies per account at a time (V(IMG.0149)); real copies take about 10 to 15
    minutes.
author:
  - huaweicloud.cloud contributors (@huaweicloud)
extends_documentation_fragment:
  - huaweicloud.cloud.ims
  - huaweicloud.cloud.ims.wait
  - huaweicloud.cloud.ims.visibility
options:
  image:
    description:
      - The source image, by id or by a name that is unique among the caller's own images in O(region).
    type: str
    required: true
  name:
    description:
      - Name of the copy. 1 to 128 characters - letters, digits, C(-), C(_), C(.) and spaces, not starting or
        ending with a space (API reference 9.1; Chinese characters are not allowed in names).
    type: str
    required: true
  description:
    description:
      - Description of the copy; at most 1024 characters, without C(<), C(>) or line breaks.
    type: str
  cmk_id:
    description:
      - KMS key id to encrypt the copy with. In-region copies only.
      - "Must be a UUID like 4ca46bf1-5c61-48ff-b4f3-0ad4e5e3ba86."
    type: str
  enterprise_project_id:
    description:
      - Enterprise project of the copy. In-region copies only.
      - "Must be 0 (the default enterprise project) or a UUID."
    type: str
  target_region:
    description:
      - Region to copy the image to. When set (and different from O(region)) the copy is cross-region and
        O(agency_name) is required.
      - Leave unset for an in-region copy; setting it to O(region) is refused, as IMS does (V(IMG.0142)).
      - "Must be a region id like cn-north-4."
    type: str
  target_project_name:
    description:
      - Name of the project in O(target_region) that receives the copy. Defaults to O(target_region), the name
        of a region's default project.
      - "Must be a project name: a region id like cn-north-4, optionally followed by _<sub-project>."
    type: str
  agency_name:
    description:
      - IAM agency that lets IMS act in the target project. Required for a cross-region copy.
      - "Must be 1 to 64 letters, digits, hyphens (-), underscores (_) and dots (.)."
    type: str
  tags:
    description:
      - Tags of the copy, as key to value (API reference 9.2 rules), set through the IMS tag API of the target
        region once the copy is active (with O(wait=false), a new copy gets them from a later run). They override
        the source's tags of the same key.
    type: dict
  copy_tags:
    description:
      - Give the copy the source image's tags (IMS does not copy them itself).
    type: bool
    default: true
  purge_tags:
    description:
      - Remove tags of the copy that are neither in O(tags) nor (with O(copy_tags)) on the source.
      - Tags are only managed when O(copy_tags=true) or O(tags) is set.
    type: bool
    default: true
  vault_id:
    description:
      - CBR vault in the target region that receives the backup of a whole image. Cross-region copies of whole
        images only, and required for them.
      - "Must be a UUID like 4ca46bf1-5c61-48ff-b4f3-0ad4e5e3ba86."
    type: str
  target_regions:
    description:
      - Several cross-region copies of O(image), all named O(name), from one task. Every copy is started before
        any is waited for, and with O(wait=true) one poll loop waits for all their jobs; the result lists each
        copy in RV(copies). Each entry is what O(target_region), O(target_project_name) and O(vault_id) say
        for one copy; O(agency_name) is required.
      - Mutually exclusive with O(target_region), O(target_project_name) and O(vault_id).
      - IMS runs at most 5 cross-region copies per account at a time (V(IMG.0149)); list at most 5.
    type: list
    elements: dict
    suboptions:
      region:
        description:
          - Region to copy the image to; not O(region).
          - "Must be a region id like cn-north-4."
        type: str
        required: true
      project_name:
        description:
          - Name of the project in O(target_regions[].region) that receives the copy; defaults to that region.
          - "Must be a project name: a region id like cn-north-4, optionally followed by _<sub-project>."
        type: str
      vault_id:
        description:
          - CBR vault in that region for the copy of a whole image.
          - "Must be a UUID like 4ca46bf1-5c61-48ff-b4f3-0ad4e5e3ba86."
        type: str
notes:
  - Supports C(check_mode) and C(diff_mode). Check mode reads the source and target but starts no copy.
  - With O(wait=false) the module returns RV(job_id) at once; several copies can be started that way and waited
    on together with M(huaweicloud.cloud.ims_job) (its O(huaweicloud.cloud.ims_job#module:job_ids) option),
    which must run against the B(source) region.
seealso:
  - module: huaweicloud.cloud.ims_job
  - module: huaweicloud.cloud.ims_image_info
"""

EXAMPLES = r"""
- name: Copy an image within the region, encrypted with a KMS key
  huaweicloud.cloud.ims_image_copy:
    region: cn-north-4
    image: web-golden-2024-06
    name: web-golden-2024-06-encrypted
    cmk_id: 5f2c3e41-7a8b-4c9d-8e0f-1a2b3c4d5e6f

- name: Copy an image to another region
  huaweicloud.cloud.ims_image_copy:
    region: cn-north-4
    image: web-golden-2024-06
    name: web-golden-2024-06
    target_region: ap-southeast-3
    agency_name: ims_admin_agency
  register: copied

- name: Start copies to three regions without waiting
  huaweicloud.cloud.ims_image_copy:
    region: cn-north-4
    image: web-golden-2024-06
    name: web-golden-2024-06
    target_region: "{{ item }}"
    agency_name: ims_admin_agency
    wait: false
  loop: [cn-east-3, cn-south-1, ap-southeast-1]
  register: started

- name: Or start them from one task, one poll loop waiting for all
  huaweicloud.cloud.ims_image_copy:
    region: cn-north-4
    image: web-golden-2024-06
    name: web-golden-2024-06
    target_regions:
      - region: cn-east-3
      - region: cn-south-1
        project_name: cn-south-1_web
    agency_name: ims_admin_agency
  register: copied_to_all

- name: Wait for all of them together (jobs run in the source region)
  huaweicloud.cloud.ims_job:
    region: cn-north-4
    job_ids: "{{ started.results | map(attribute='job_id') | select | list }}"
    wait: true
    wait_timeout: 3600

# A whole-system image takes about half an hour to reach another region. With async the task runs in the
# background and Ansible prints an ASYNC POLL line every poll interval; the module's own progress readings go to
# the journal meanwhile (journalctl -f | grep ansible-huaweicloud.cloud.ims_image_copy) and into the result's
# progress at the end.
- name: Copy a whole-system image to another region, in the background
  huaweicloud.cloud.ims_image_copy:
    region: cn-north-4
    image: app-server-whole-2024-06
    name: app-server-whole-2024-06
    target_region: ap-southeast-3
    agency_name: ims_admin_agency
    vault_id: 3b5816b5-f29c-4172-9d9a-76c719a659ce
  async: 7200
  poll: 60
  register: whole_copy

- name: Show how the copy went
  ansible.builtin.debug:
    msg: "{{ whole_copy.progress.elapsed }} s, {{ whole_copy.progress.polls }} status reads"
"""

RETURN = r"""
image:
  description:
    - The image as IMS describes it, with the C(__) and C(_) prefixes dropped from attribute names
      (C(__os_version) becomes C(os_version)) and C(tags) as a dictionary.
    - The copy in the target region. V(null) in check mode when it would be created. With O(wait=false), the copy
      being made once IMS lists it (V(null) if IMS did not list it within O(visibility_window)).
  returned: always
  type: dict
  sample:
    id: 0c5d8e2a-9b7f-4e6d-8a1c-3f2e4d5c6b7a
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
image_id:
  description: Id of the copy (V(null) when not known yet).
  returned: always
  type: str
  sample: 0c5d8e2a-9b7f-4e6d-8a1c-3f2e4d5c6b7a
source_image_id:
  description: Id of the source image.
  returned: always
  type: str
  sample: 4f1e1c6e-2d2a-4f59-9f0e-7d3a9c1b5a10
job_id:
  description:
    - Id of the copy job, polled in the source region. V(null) when nothing was copied.
    - Also returned, with C(changed=true), when the task fails after the job started.
  returned: always
  type: str
  sample: ff8080818f6bd6ec018f7a0bd54b1c2a
target_region:
  description: Region of the copy.
  returned: always
  type: str
  sample: ap-southeast-3
polls:
  description: How many times the task read the copy job's status while waiting (V(0) when it did not wait).
  returned: always
  type: int
  sample: 5
target_project_id:
  description: Project of the copy.
  returned: always
  type: str
  sample: 2f7a9c1d3e5b4a6c8d0e1f2a3b4c5d6e
progress:
  description:
    - The copy job as the task last read it while waiting, and readings during the wait (see O(wait_timeout)).
    - C(job_id); C(status) and C(process_percent) (a fraction, as IMS gives it) of the last read; C(polls);
      C(elapsed) seconds since the job was started (or since the wait began); C(wait_timeout), the time-out
      that applied; C(history), a list of C(time) (UTC), C(elapsed), C(status) and C(process_percent) of the
      first read, of about one a minute after it, and of the last (at most 100).
    - Also returned when the wait times out or the job fails.
  returned: when the task waited for a copy job
  type: dict
  sample:
    job_id: ff8080818f6bd6ec018f7a0bd54b1c2a
    status: SUCCESS
    process_percent: 1.0
    polls: 14
    elapsed: 812.4
    wait_timeout: 1800
    history:
      - {time: '2024-06-02T07:49:49Z', elapsed: 0.5, status: INIT, process_percent: 0.0}
      - {time: '2024-06-02T07:50:52Z', elapsed: 63.4, status: RUNNING, process_percent: 0.08}
      - {time: '2024-06-02T08:03:21Z', elapsed: 812.4, status: SUCCESS, process_percent: 1.0}
copies:
  description:
    - With O(target_regions), one entry per copy, in the order given, with the keys a single copy returns at the
      top level (RV(image), RV(image_id), RV(job_id), RV(target_region), RV(target_project_id), RV(polls),
      C(changed)); the top-level RV(image), RV(image_id), RV(job_id), RV(target_region) and
      RV(target_project_id) are then V(null).
  returned: when O(target_regions) is set
  type: list
  elements: dict
  sample:
    - target_region: cn-east-3
      job_id: ff8080818f6bd6ec018f7a0bd54b1c2a
      image_id: null
      changed: true
job_ids:
  description: With O(target_regions), the ids of the copy jobs this task started (also on a failure after one).
  returned: when O(target_regions) is set
  type: list
  elements: str
  sample: [ff8080818f6bd6ec018f7a0bd54b1c2a]
"""

from ansible_collections.huaweicloud.cloud.plugins.module_utils._errors import HuaweiCloudError
from ansible_collections.huaweicloud.cloud.plugins.module_utils._images import (
    desired_tags,
    normalize_image,
    record_tags,
    tag_api_changes,
    wait_for_image,
)
from ansible_collections.huaweicloud.cloud.plugins.module_utils._ims import create_once
from ansible_collections.huaweicloud.cloud.plugins.module_utils._jobs import job_image_ids
from ansible_collections.huaweicloud.cloud.plugins.module_utils._lookup import (
    looks_like_image_id,
    resolve_image,
    single_image,
    wait_until_listed,
)
from ansible_collections.huaweicloud.cloud.plugins.module_utils._module import HuaweiCloudModule
from ansible_collections.huaweicloud.cloud.plugins.module_utils._validation import (
    check_description,
    check_format,
    check_name,
    check_tags,
    first_error,
    server_int,
    tag_value_text,
)
from ansible_collections.huaweicloud.cloud.plugins.module_utils._waiter import wait_timeout

CROSS_REGION_MAX_BYTES = 128 * 1024 ** 3


def targets(p):
    """The copies to make, one code path for all: target_regions, or the one target_region names (region None: a
    copy within the source region)."""
    if p["target_regions"] is not None:
        return p["target_regions"]
    return [dict(region=p["target_region"], project_name=p["target_project_name"], vault_id=p["vault_id"])]


def validate(p):
    """The first problem with the options, as (message, IMS error code or None), or None."""
    error = first_error(check_name(p["name"]), check_description(p["description"]), check_tags(p["tags"], "tags"))
    if not error and p["image"] == "":
        error = "image must be an image id or name"
    if error:
        return error, None
    many = p["target_regions"] is not None
    regions = [target["region"] for target in targets(p)]
    if not regions:
        return "target_regions must list at least one region", None
    if len(set(regions)) != len(regions):
        return "target_regions lists a region more than once: %s" % ", ".join(regions), None
    for index, target in enumerate(targets(p)):
        label = "target_regions[%d]" % index
        if many:
            error = first_error(check_format(target["region"], "target_region", "region"),
                                check_format(target["project_name"], "target_project_name", "project_name"),
                                check_format(target["vault_id"], "vault_id", "uuid"))
            if error:
                return "%s: %s" % (label, error), None
        if target["region"] is not None and target["region"] == p["region"]:
            if many:
                return ("%s.region is the source region %s; copy within the region with target_region unset "
                        "(IMS would answer IMG.0142)" % (label, p["region"]), "IMG.0142")
            return ("target_region is the source region %s; leave target_region unset for an in-region copy "
                    "(IMS would answer IMG.0142)" % p["region"], "IMG.0142")
    if not regions[0]:
        for option in ("target_project_name", "agency_name", "vault_id"):
            if p[option]:
                return "%s applies to cross-region copies only; set target_region" % option, None
        if p["image"] == p["name"]:
            return same_name_message(p["name"]), None
        return None
    if not p["agency_name"]:
        return "agency_name is required to copy an image to another region", None
    for option in ("cmk_id", "enterprise_project_id"):
        if p[option]:
            return ("%s applies to in-region copies only; IMS does not take it for %s"
                    % (option, "a cross-region copy" if many else "a copy to %s" % regions[0])), None
    return None


def same_name_message(name):
    return ("an in-region copy needs a name other than the source's (%r), or it could not be told apart from the "
            "source" % name)


def check_source(source, name, cross_region, vault_id):
    """Documented IMS constraints on the source image, as a message, or None."""
    props = source
    if not cross_region and props.get("name") == name:
        return same_name_message(name)
    if props.get("status") != "active":
        return "image %s is %s; only active images can be copied" % (source["id"], props.get("status"))
    if props.get("disk_format") == "iso" or props.get("virtual_env_type") == "IsoImage":
        return "image %s was created from an ISO file and cannot be copied (IMG.0167)" % source["id"]
    whole = str(props.get("__whole_image", "")).lower() == "true"
    if whole and not cross_region:
        return "image %s is a whole image; whole images cannot be copied within a region (IMG.0130)" % source["id"]
    if whole and not vault_id:
        return "image %s is a whole image; vault_id is required to copy it to another region" % source["id"]
    if cross_region and props.get("__system__cmkid"):
        return "image %s is encrypted; encrypted images cannot be copied across regions (IMG.0143)" % source["id"]
    try:
        size = server_int(props.get("__image_size")) or 0
    except ValueError:
        return ("image %s reports an __image_size of %s, which is not a number; the 128 GB cross-region limit "
                "cannot be checked" % (source["id"], repr(props.get("__image_size"))[:40]))
    if cross_region and size > CROSS_REGION_MAX_BYTES:
        return ("image %s is larger than 128 GB; it cannot be copied across regions (IMG.0146)" % source["id"])
    return None


def copied_from(image):
    """The id of the image this one was copied from: IMS keeps it in ``__originalimagename`` (the SDK's spelling)."""
    return image.get("__originalimagename") or None


def describe_origin(image):
    origin = copied_from(image)
    return "%s: parent image %s" % (image["id"], origin) if origin else "%s: no parent image" % image["id"]


def wanted_tags(p, api, source_id, source=None):
    """The tags the copy should carry: the source's (copy_tags) overridden by ``tags``; None leaves them alone.
    The source's tags come from its record when this run read it, else from the tag API."""
    if not p["copy_tags"] and p["tags"] is None:
        return None
    wanted = {}
    if p["copy_tags"]:
        wanted = record_tags(source) if source is not None else api.list_tags(source_id)
    wanted.update((key, tag_value_text(value)) for key, value in (p["tags"] or {}).items())
    return wanted


def converge_tags(module, target_api, image, wanted, result):
    """Bring the active copy's tags (IMS tag API of its region) to ``wanted``; copies start without tags."""
    if wanted is None:
        return
    purge = module.params["purge_tags"]
    current = record_tags(image)
    if desired_tags(current, wanted, purge) == current:
        # The record's tags already match: a re-run reads nothing more.
        return
    # Before a change the tag API (the authority) decides, never a record that may lag.
    current = target_api.list_tags(image["id"])
    after = desired_tags(current, wanted, purge)
    if after == current:
        return
    result["changed"] = True
    diff = result.setdefault("diff", dict(before=dict(tags=current), after={}))
    diff["after"]["tags"] = after
    if module.check_mode:
        return
    to_create, to_delete = tag_api_changes(current, after)
    if to_create:
        target_api.tag_action(image["id"], "create", to_create)
    if to_delete:
        target_api.tag_action(image["id"], "delete", to_delete)
    result["image"] = normalize_image(target_api.get_image(image["id"]) or image)


def copy_timeout(p, target):
    """The wait_timeout of one copy: the task's, else the default of its kind of copy."""
    if not target["region"]:
        return wait_timeout(p, "copy")
    return wait_timeout(p, "whole_cross_region_copy" if target["vault_id"] else "cross_region_copy")


class ImsImageCopy(HuaweiCloudModule):
    """Every copy (one, or one per target_regions entry) takes the same steps: look up the source and the copy in
    each target, plan one entry per target (nothing to start / a copy to settle / a copy to start), start every copy
    before any wait, one poll loop for all their jobs, then each copy's tags. The plan is the list of entries."""

    argument_spec = dict(
        image=dict(type="str", required=True),
        name=dict(type="str", required=True),
        description=dict(type="str"),
        cmk_id=dict(type="str"),
        enterprise_project_id=dict(type="str"),
        target_region=dict(type="str"),
        target_project_name=dict(type="str"),
        agency_name=dict(type="str"),
        vault_id=dict(type="str"),
        target_regions=dict(type="list", elements="dict", options=dict(
            region=dict(type="str", required=True),
            project_name=dict(type="str"),
            vault_id=dict(type="str"),
        )),
        tags=dict(type="dict"),
        copy_tags=dict(type="bool", default=True),
        purge_tags=dict(type="bool", default=True),
    )
    module_kwargs = dict(
        supports_check_mode=True,
        mutually_exclusive=[["target_regions", "target_region"], ["target_regions", "target_project_name"],
                            ["target_regions", "vault_id"]],
    )
    with_wait = True
    with_visibility = True

    def validate(self):
        self.many = self.params["target_regions"] is not None
        problem = validate(self.params)
        if problem and problem[1]:
            self.fail(problem[0], error_code=problem[1])
        return problem and problem[0]

    def look_up(self):
        """Each target's copy of the source under ``name`` (or None); the source itself when given by name."""
        p = self.params
        api = self.api
        empty = dict(changed=False, source_image_id=None, job_id=None, polls=0, image=None, image_id=None)
        copies = []
        for target in targets(p):
            if target["region"]:
                region = target["region"]
                target_api = api.in_region(region, api.client.project_id_by_name(target["project_name"] or region))
            else:
                region, target_api = p["region"], api
            # One copy: the copy's keys are the task's; several: each has its own entry in copies.
            result = {} if self.many else self.result
            result.update(empty, target_region=region, target_project_id=target_api.project_id)
            copies.append(dict(target=target, region=region, api=target_api, result=result,
                               timeout=copy_timeout(p, target)))
        if self.many:
            self.result.update(empty, target_region=None, target_project_id=None, job_ids=[],
                               copies=[c["result"] for c in copies])
        self._wanted = "unknown"
        self.source = None if looks_like_image_id(p["image"]) else resolve_image(api, p["image"], owned=True)
        self.source_id = self.source["id"] if self.source else p["image"]
        # The copies first: a re-run that finds them all, given the source's id, reads nothing else.
        for c in copies:
            c["existing"] = self.find_copy(c)
            c["result"]["source_image_id"] = self.result["source_image_id"] = self.source_id
        if self.source is None and any(c["existing"] is None for c in copies):
            self.source = resolve_image(api, self.source_id, owned=True)
        return copies

    def plan(self, found):
        p = self.params
        by_name = not looks_like_image_id(p["image"])
        for c in found:
            if by_name or c["existing"] is None:
                error = check_source(self.source, p["name"], bool(c["target"]["region"]), c["target"]["vault_id"])
                if error:
                    self.fail("copy to %s: %s" % (c["region"], error) if self.many else error)
            if c["existing"] is not None:
                self.take(c, c["existing"])
                continue
            c["result"].update(changed=True, diff=dict(before={}, after=dict(
                name=p["name"], region=c["region"], project_id=c["api"].project_id, source_image_id=self.source_id,
                tags=desired_tags({}, self.wanted(), True))))
        self.sum_up(found)
        return found

    def apply(self, plan):
        """Start every copy that does not exist yet; none is waited for here."""
        for c in plan:
            if c["existing"] is None:
                self.start(c)
                self.sum_up(plan)

    def start(self, c):
        p, api, target = self.params, self.api, c["target"]
        body = dict(name=p["name"])
        if p["description"] is not None:
            body["description"] = p["description"]
        if target["region"]:
            body.update(region=target["region"], project_name=target["project_name"] or target["region"],
                        agency_name=p["agency_name"])
            if target["vault_id"]:
                body["vault_id"] = target["vault_id"]
        else:
            body.update((option, p[option]) for option in ("cmk_id", "enterprise_project_id") if p[option])

        def start():
            return "job", (api.cross_region_copy if target["region"] else api.copy)(self.source_id, body)

        def started_already():
            found = self.find_copy(c)
            return ("image", found) if found is not None else None

        kind, handle = create_once(start, started_already, window=p["visibility_window"])
        if kind == "image":
            # An earlier attempt whose answer was lost did start the copy: settled like one found.
            c["existing"] = c["late"] = handle
            self.take(c, handle)
        else:
            c["result"]["job_id"] = handle

    def wait(self, plan):
        """One poll loop for every copy job this run started."""
        job_ids = [c["result"]["job_id"] for c in plan if c["result"]["job_id"]]
        if job_ids:
            jobs = self.api.wait_jobs(job_ids, max(c["timeout"] for c in plan))
            for c in plan:
                c["job"] = jobs.get(c["result"]["job_id"])

    def finish(self, plan):
        """Each copy once its job has ended (with wait=true): its image active, its tags converged."""
        wait = self.params["wait"]
        for c in plan:
            if c.get("job") is not None:
                self.finish_job(c)
            elif c["existing"] is not None:
                self.settle(c)
                if wait and c.get("late"):
                    self.find_copy(c)
            elif c["result"]["job_id"] and not wait and not self.check_mode:
                self.until_listed(c)
        self.sum_up(plan)
        if self.many:
            self.result["polls"] = sum(c["result"]["polls"] for c in plan)
            diffs = [(c["region"], c["result"]["diff"]) for c in plan if c["result"].get("diff")]
            if diffs:
                self.result["diff"] = dict(before=dict((region, diff["before"]) for region, diff in diffs),
                                           after=dict((region, diff["after"]) for region, diff in diffs))
        return self.result

    def sum_up(self, copies):
        """Several copies: the task changed something (and started jobs) when one of them did."""
        if self.many:
            self.result["changed"] = any(c["result"]["changed"] for c in copies)
            self.result["job_ids"] = [c["result"]["job_id"] for c in copies if c["result"]["job_id"]]

    def wanted(self):
        if self._wanted == "unknown":
            self._wanted = wanted_tags(self.params, self.api, self.source_id, self.source)
        return self._wanted

    def find_copy(self, c):
        """The copy of this source under this name in the target of ``c``, or None; an image of that name copied
        from elsewhere (or not copied at all) is an error, never taken for our copy."""
        name = self.params["name"]
        target_project_id = c["api"].project_id
        named = [image for image in c["api"].find_images(name, owned=True)
                 if image.get("status") != "deleted" and image["id"] != self.source_id]
        others = [image for image in named if copied_from(image) != self.source_id]
        if others:
            raise HuaweiCloudError(
                "image %s is named %r in project %s in region %s but is not a copy of image %s (%s); choose "
                "another name, or delete that image" % (
                    ", ".join(sorted(image["id"] for image in others)), name, target_project_id, c["region"],
                    self.source_id, "; ".join(sorted(describe_origin(image) for image in others))))
        return single_image(named, "copies of image %s named %r in project %s in region %s"
                            % (self.source_id, name, target_project_id, c["region"]))

    def take(self, c, image):
        """A copy found (not started by this run) is the result, unless it failed."""
        c["result"].update(image=normalize_image(image), image_id=image["id"])
        if image.get("status") == "killed":
            raise HuaweiCloudError("image %s (%s) in region %s is in status killed: its copy failed; delete it "
                                   "and run again" % (image["id"], self.params["name"], c["region"]))

    def until_listed(self, c):
        """wait=false: the copy once IMS lists it (a re-run that looked earlier would copy twice); tags if active."""
        found = wait_until_listed(self.api, c["result"]["job_id"], lambda: self.find_copy(c),
                                  self.params["visibility_window"])
        if found is not None:
            c["existing"] = found
            self.take(c, found)
            self.settle(c)

    def settle(self, c):
        """A copy found: with wait=true one still in progress is waited for, never returned; tags once active."""
        image = c["existing"]
        if self.params["wait"] and image.get("status") != "active":
            image = wait_for_image(c["api"], image["id"], c["timeout"])
            c["result"].update(image=normalize_image(image))
        if image.get("status") == "active":
            converge_tags(self, c["api"], image, self.wanted(), c["result"])

    def finish_job(self, c):
        api, result = self.api, c["result"]
        handle = result["job_id"]
        result.update(polls=api.waiter.polls.get(handle, 0), progress=api.waiter.progress(handle))
        image_ids = job_image_ids(c["job"])
        if not image_ids:
            raise HuaweiCloudError("copy job %s succeeded but names no image" % handle)
        image = wait_for_image(c["api"], image_ids[0], c["timeout"], unlisted_grace=self.params["visibility_window"])
        result.update(image=normalize_image(image), image_id=image["id"])
        converge_tags(self, c["api"], image, self.wanted(), result)
        # Another run may have copied the same image under the same name meanwhile: report, never hide, it.
        self.find_copy(c)


def main():
    ImsImageCopy()()


if __name__ == "__main__":
    main()
