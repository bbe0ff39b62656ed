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
    - The copy in the target region. V(null) in check mode when it would be created, and with O(wait=false).
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


def validate(module):
    p = module.params
    error = first_error(check_name(p["name"]), check_description(p["description"]), check_tags(p["tags"], "tags"))
    if not error and p["image"] == "":
        error = "image must be an image id or name"
    if error:
        module.fail(error)
    if p["target_regions"] is not None:
        validate_targets(module)
        return
    if p["target_region"] is not None and p["target_region"] == p["region"]:
        module.fail("target_region is the source region %s; leave target_region unset for an in-region copy "
                    "(IMS would answer IMG.0142)" % p["region"], error_code="IMG.0142")
    if p["target_region"]:
        if not p["agency_name"]:
            module.fail("agency_name is required to copy an image to another region")
        for option in ("cmk_id", "enterprise_project_id"):
            if p[option]:
                module.fail("%s applies to in-region copies only; IMS does not take it for a copy to %s"
                            % (option, p["target_region"]))
    else:
        for option in ("target_project_name", "agency_name", "vault_id"):
            if p[option]:
                module.fail("%s applies to cross-region copies only; set target_region" % option)


def validate_targets(module):
    """target_regions: every entry checked before the first copy starts."""
    p = module.params
    regions = [target["region"] for target in p["target_regions"]]
    if not regions:
        module.fail("target_regions must list at least one region")
    if len(set(regions)) != len(regions):
        module.fail("target_regions lists a region more than once: %s" % ", ".join(regions))
    if not p["agency_name"]:
        module.fail("agency_name is required to copy an image to another region")
    for option in ("cmk_id", "enterprise_project_id"):
        if p[option]:
            module.fail("%s applies to in-region copies only; IMS does not take it for a cross-region copy" % option)
    for index, target in enumerate(p["target_regions"]):
        label = "target_regions[%d]" % index
        error = first_error(check_format(target["region"], "target_region", "region"),
                            check_format(target["project_name"], "target_project_name", "project_name"),
                            check_format(target["vault_id"], "vault_id", "uuid"))
        if error:
            module.fail("%s: %s" % (label, error))
        if target["region"] == p["region"]:
            module.fail("%s.region is the source region %s; copy within the region with target_region unset "
                        "(IMS would answer IMG.0142)" % (label, p["region"]), error_code="IMG.0142")


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


def copy(module, result, target, wait, deferred=None, memo=None):
    """One copy of the source to ``target`` (region None: within the source region; project_name, vault_id).
    With ``deferred`` (a list), waiting is left to the caller: (job id or None, finish) is appended, and
    ``finish(job)`` settles the copy once its job (if any) has ended. ``memo`` keeps the source's tags for the
    next copy of the same task."""
    p = module.params
    api = module.api
    cross_region = bool(target["region"])
    if not cross_region and p["image"] == p["name"]:
        module.fail(same_name_message(p["name"]))
    if cross_region:
        target_region = target["region"]
        target_project_name = target["project_name"] or target_region
        target_api = api.in_region(target_region, api.client.project_id_by_name(target_project_name))
    else:
        target_region = p["region"]
        target_api = api
    target_project_id = target_api.project_id
    timeout = copy_timeout(p, target)
    result.update(changed=False, source_image_id=None, job_id=None, polls=0, image=None, image_id=None,
                  target_region=target_region, target_project_id=target_project_id)
    window = p["visibility_window"]
    memo = {} if memo is None else memo

    def read_source(ref):
        """The source's record, read once per task."""
        if "source" not in memo:
            memo["source"] = resolve_image(api, ref, owned=True)
        return memo["source"]

    source = None
    if looks_like_image_id(p["image"]):
        source_id = p["image"]
    else:
        source = read_source(p["image"])
        source_id = source["id"]

    def wanted():
        if "tags" not in memo:
            memo["tags"] = wanted_tags(p, api, source_id, source)
        return memo["tags"]

    def find_copy():
        """The copy of this source under this name, or None; an image of that name copied from elsewhere (or not
        copied at all) is an error, never taken for our copy."""
        named = [image for image in target_api.find_images(p["name"], owned=True)
                 if image.get("status") != "deleted" and image["id"] != source_id]
        others = [image for image in named if copied_from(image) != source_id]
        if others:
            raise HuaweiCloudError(
                "image %s is named %r in project %s in region %s but is not a copy of image %s (%s); choose "
                "another name, or delete that image" % (
                    ", ".join(sorted(image["id"] for image in others)), p["name"], target_project_id, target_region,
                    source_id, "; ".join(sorted(describe_origin(image) for image in others))))
        return single_image(named, "copies of image %s named %r in project %s in region %s"
                            % (source_id, p["name"], target_project_id, target_region))

    def settle(image):
        """The copy once active (with wait=true; a copy still in progress is waited for, never returned)."""
        result.update(image=normalize_image(image), image_id=image["id"])
        if image.get("status") == "killed":
            raise HuaweiCloudError("image %s (%s) in region %s is in status killed: its copy failed; delete it "
                                   "and run again" % (image["id"], p["name"], target_region))
        if wait and deferred is not None:
            deferred.append((None, lambda job: settle_now(image)))
            return result
        return settle_now(image)

    def settle_now(image):
        if wait and image.get("status") != "active":
            image = wait_for_image(target_api, image["id"], timeout)
            result.update(image=normalize_image(image))
        if image.get("status") == "active":
            converge_tags(module, target_api, image, wanted(), result)
        return result

    # The copy first: a re-run that finds it, given the source's id, reads nothing else.
    existing = find_copy()
    result["source_image_id"] = source_id
    if existing is not None and source is None:
        return settle(existing)
    if source is None:
        source = read_source(source_id)
    error = check_source(source, p["name"], cross_region, target["vault_id"])
    if error and deferred is None:
        module.fail(error)
    if error:
        # One of several copies: fail through module.run, which keeps the jobs the others started.
        raise HuaweiCloudError("copy to %s: %s" % (target_region, error))
    if existing is not None:
        return settle(existing)

    result["changed"] = True
    result["diff"] = dict(before={}, after=dict(name=p["name"], region=target_region, project_id=target_project_id,
                                                source_image_id=source["id"], tags=desired_tags({}, wanted(), True)))
    if module.check_mode:
        return result

    body = dict(name=p["name"])
    if p["description"] is not None:
        body["description"] = p["description"]
    if cross_region:
        body.update(region=target_region, project_name=target_project_name, agency_name=p["agency_name"])
        if target["vault_id"]:
            body["vault_id"] = target["vault_id"]
    else:
        for option in ("cmk_id", "enterprise_project_id"):
            if p[option]:
                body[option] = p[option]

    def start():
        if cross_region:
            return "job", api.cross_region_copy(source["id"], body)
        return "job", api.copy(source["id"], body)

    def started_already():
        found = find_copy()
        return ("image", found) if found is not None else None

    def finish(job):
        result.update(polls=api.waiter.polls.get(handle, 0), progress=api.waiter.progress(handle))
        image_ids = job_image_ids(job)
        if not image_ids:
            raise HuaweiCloudError("copy job %s succeeded but names no image" % handle)
        image = wait_for_image(target_api, image_ids[0], timeout, unlisted_grace=window)
        result.update(image=normalize_image(image), image_id=image["id"])
        converge_tags(module, target_api, image, wanted(), result)
        # Another run may have copied the same image under the same name meanwhile: report, never hide, it.
        find_copy()
        return result

    kind, handle = create_once(start, started_already, window=window)
    if kind == "image":
        # An earlier attempt whose answer was lost did start the copy: wait for it like for our own job.
        settle(handle)
        if wait and deferred is None:
            find_copy()
        return result
    result["job_id"] = handle
    if not wait:
        return result
    if deferred is not None:
        deferred.append((handle, finish))
        return result
    return finish(api.wait_job(handle, timeout))


def copy_to_regions(module, result):
    """target_regions: every copy started (or found) before any wait, then one poll loop for all their jobs."""
    p = module.params
    copies, deferred, memo = [], [], {}
    result.update(changed=False, source_image_id=None, job_id=None, polls=0, image=None, image_id=None,
                  target_region=None, target_project_id=None, copies=copies, job_ids=[])
    for target in p["target_regions"]:
        one = {}
        copies.append(one)
        try:
            copy(module, one, target, p["wait"], deferred, memo)
        finally:
            result["changed"] = any(c.get("changed") for c in copies)
            result["job_ids"] = [c["job_id"] for c in copies if c.get("job_id")]
        result["source_image_id"] = one.get("source_image_id")
    job_ids = [handle for handle, dummy in deferred if handle]
    timeout = max(copy_timeout(p, target) for target in p["target_regions"])
    jobs = module.api.wait_jobs(job_ids, timeout) if job_ids else {}
    for handle, finish in deferred:
        finish(jobs.get(handle))
    result["polls"] = sum(c.get("polls") or 0 for c in copies)
    diffs = [(c["target_region"], c["diff"]) for c in copies if c.get("diff")]
    if diffs:
        result["diff"] = dict(before=dict((region, diff["before"]) for region, diff in diffs),
                              after=dict((region, diff["after"]) for region, diff in diffs))
    return result


def main():
    module = HuaweiCloudModule(
        dict(
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
        ),
        with_wait=True,
        with_visibility=True,
        supports_check_mode=True,
        mutually_exclusive=[["target_regions", "target_region"], ["target_regions", "target_project_name"],
                            ["target_regions", "vault_id"]],
    )
    validate(module)
    result = {}
    p = module.params
    if p["target_regions"] is not None:
        module.run(lambda: copy_to_regions(module, result), partial=result)
    else:
        target = dict(region=p["target_region"], project_name=p["target_project_name"], vault_id=p["vault_id"])
        module.run(lambda: copy(module, result, target, p["wait"]), partial=result)


if __name__ == "__main__":
    main()
