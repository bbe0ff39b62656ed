#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: huaweicloud.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: ims_job
short_description: Look up or wait for Huawei Cloud IMS asynchronous jobs
version_added: 1.0.0
description:
  - Reads IMS asynchronous jobs (C(GET /v1/cloudimages/job/{job_id}), which replaces the deprecated
    C(GET /v1/{project_id}/jobs/{job_id}); an ended member job is read once more from the latter for its
    per-project results) and, with O(wait=true), polls them until they end (C(SUCCESS) or C(FAIL)).
  - Use it to follow jobs that other modules started with C(wait=false), or to resume a wait that timed out.
  - Several jobs (O(job_ids)) are waited on together, under one deadline.
  - Never changes anything.
author:
  - huaweicloud.cloud contributors (@huaweicloud)
extends_documentation_fragment:
  - huaweicloud.cloud.ims
options:
  job_id:
    description:
      - Id of the job.
      - Jobs belong to the region and project that started them; for a cross-region copy that is the B(source)
        region.
      - Exactly one of O(job_id) and O(job_ids) is required.
      - "Must be a job id: 32 hexadecimal characters (or a UUID) as IMS returns it."
    type: str
  job_ids:
    description:
      - Ids of several jobs of O(region), returned together in RV(jobs).
      - "Each entry must be a job id: 32 hexadecimal characters (or a UUID) as IMS returns it."
    type: list
    elements: str
  wait:
    description:
      - Whether to wait until the jobs end. With V(false) their current status is returned at once.
    type: bool
    default: false
  wait_timeout:
    description:
      - Seconds to wait with O(wait=true). On time-out the task fails and its message names the jobs still
        running; running this module again resumes the wait.
      - Default 3600. A job's type is only known once read, so the default is the longest of the operation
        table in the O(huaweicloud.cloud.ims_image#module:wait_timeout) option of M(huaweicloud.cloud.ims_image).
    type: int
  fail_on_error:
    description:
      - Whether a job that ended in C(FAIL) makes the task fail, with the job's error code in RV(error_code) and
        its reason in the message.
      - With V(false) the task succeeds and the outcome is only reported in RV(status) / RV(jobs).
    type: bool
    default: true
notes:
  - Supports C(check_mode); the module only reads, so check mode runs it as usual.
seealso:
  - module: huaweicloud.cloud.ims_image_copy
  - module: huaweicloud.cloud.ims_image_member
"""

EXAMPLES = r"""
- name: Start a copy without waiting
  huaweicloud.cloud.ims_image_copy:
    region: cn-north-4
    image: web-golden-2024-06
    name: web-golden-2024-06
    target_region: cn-east-3
    agency_name: ims_admin_agency
    wait: false
  register: copy

- name: Wait for the copy job (polled in the source region)
  huaweicloud.cloud.ims_job:
    region: cn-north-4
    job_id: "{{ copy.job_id }}"
    wait: true
    wait_timeout: 3600

- name: Check the status of a job without failing on FAIL
  huaweicloud.cloud.ims_job:
    region: cn-north-4
    job_id: ff8080818f6bd6ec018f7a0bd54b1c2a
    fail_on_error: false
  register: job

- name: Report a failure
  ansible.builtin.debug:
    msg: "{{ job.error_code }}: {{ job.fail_reason }}"
  when: job.status == 'FAIL'
"""

RETURN = r"""
job_id:
  description: Id of the job (O(job_id) only).
  returned: when O(job_id) is given
  type: str
  sample: ff8080818f6bd6ec018f7a0bd54b1c2a
status:
  description:
    - C(INIT), C(RUNNING), C(SUCCESS) or C(FAIL). With O(job_ids), C(FAIL) if any job failed, else C(RUNNING)
      if any is still going, else C(SUCCESS).
  returned: always
  type: str
  sample: SUCCESS
job_type:
  description: IMS job type, for example C(imsCopyImageInRegionJob).
  returned: when O(job_id) is given
  type: str
  sample: imsCopyImageInRegionJob
entities:
  description: The job's C(entities) (image id and name, progress, member results, sub-jobs).
  returned: when O(job_id) is given
  type: dict
  sample: {image_id: 0c5d8e2a-9b7f-4e6d-8a1c-3f2e4d5c6b7a, process_percent: 1.0}
image_ids:
  description:
    - Image ids named by the jobs, from C(entities.image_id), C(entities.sub_jobs_result[].entities.image_id)
      and C(entities.results[].image_id), without duplicates.
  returned: always
  type: list
  elements: str
  sample: ["0c5d8e2a-9b7f-4e6d-8a1c-3f2e4d5c6b7a"]
error_code:
  description: IMS error code of a failed job (of the first failed one with O(job_ids)).
  returned: always
  type: str
  sample: IMG.0143
fail_reason:
  description: Why the job failed (of the first failed one with O(job_ids)).
  returned: always
  type: str
  sample: An encrypted image cannot be replicated cross regions.
job:
  description: The raw job record.
  returned: when O(job_id) is given
  type: dict
  sample: {job_id: ff8080818f6bd6ec018f7a0bd54b1c2a, status: SUCCESS, job_type: imsCopyImageInRegionJob}
jobs:
  description:
    - One entry per job, in the order given, each with C(job_id), C(status), C(job_type), C(entities),
      C(image_ids), C(error_code), C(fail_reason), C(failed_members) (for member jobs, the
      C(entities.results[]) entries, per image and project, that did not succeed), C(polls) (how many times
      this task read the job's status while waiting; V(0) with O(wait=false)), C(progress) (see
      M(huaweicloud.cloud.ims_image_copy)'s RV(huaweicloud.cloud.ims_image_copy#module:progress); V(null) with
      O(wait=false)) and the raw C(job).
  returned: always
  type: list
  elements: dict
  sample:
    - job_id: ff8080818f6bd6ec018f7a0bd54b1c2a
      status: SUCCESS
      job_type: imsCopyImageCrossUserJob
      image_ids: ["0c5d8e2a-9b7f-4e6d-8a1c-3f2e4d5c6b7a"]
      polls: 5
"""

from ansible_collections.huaweicloud.cloud.plugins.module_utils._errors import JobFailedError
from ansible_collections.huaweicloud.cloud.plugins.module_utils._jobs import job_summary
from ansible_collections.huaweicloud.cloud.plugins.module_utils._module import HuaweiCloudModule
from ansible_collections.huaweicloud.cloud.plugins.module_utils._waiter import wait_timeout


def overall_status(jobs):
    statuses = [job.get("status") for job in jobs]
    if "FAIL" in statuses:
        return "FAIL"
    if len(set(statuses)) == 1:
        return statuses[0]
    return "RUNNING"


class ImsJob(HuaweiCloudModule):
    """Only reads: the plan is the job ids, waited for with wait=true (check mode too) and then reported."""

    argument_spec = dict(
        job_id=dict(type="str"),
        job_ids=dict(type="list", elements="str"),
        wait=dict(type="bool", default=False),
        wait_timeout=dict(type="int"),
        fail_on_error=dict(type="bool", default=True),
    )
    read_only = True
    module_kwargs = dict(
        required_one_of=[("job_id", "job_ids")],
        mutually_exclusive=[("job_id", "job_ids")],
        supports_check_mode=True,
    )

    def validate(self):
        p = self.params
        if p["job_id"] is not None and not p["job_id"].strip():
            return "job_id must not be empty"
        if p["job_ids"] is not None and (not p["job_ids"] or not all(job_id.strip() for job_id in p["job_ids"])):
            return "job_ids must list at least one job id, and no empty entries"
        return None

    def plan(self, found):
        p = self.params
        self.jobs = None
        return [p["job_id"]] if p["job_id"] else list(dict.fromkeys(p["job_ids"]))

    def wait(self, plan):
        job_ids = plan
        try:
            finished = self.api.wait_jobs(job_ids, wait_timeout(self.params, "job"))
            self.jobs = [finished[job_id] for job_id in job_ids]
        except JobFailedError:
            pass  # every job has ended; finish reads them all again to report each outcome

    def finish(self, plan):
        job_ids = plan
        p = self.params
        api = self.api
        jobs = self.jobs or [api.get_job(job_id) for job_id in job_ids]
        summaries = [dict(job_summary(job), polls=api.waiter.polls.get(job.get("job_id"), 0),
                          progress=api.waiter.progress(job.get("job_id"))) for job in jobs]
        failed = [s for s in summaries if s["status"] == "FAIL"]
        image_ids = []
        for summary in summaries:
            image_ids.extend(i for i in summary["image_ids"] if i not in image_ids)
        result = self.result
        result.update(changed=False, status=overall_status(jobs), jobs=summaries, image_ids=image_ids,
                      error_code=failed[0]["error_code"] if failed else None,
                      fail_reason=failed[0]["fail_reason"] if failed else None)
        if p["job_id"]:
            single = summaries[0]
            result.update(job_id=single["job_id"], job_type=single["job_type"], entities=single["entities"],
                          job=single["job"])
        if failed and p["fail_on_error"]:
            first = failed[0]
            self.fail("job %s (%s) failed: %s%s" % (
                first["job_id"], first["job_type"], "%s: " % first["error_code"] if first["error_code"] else "",
                first["fail_reason"] or "no reason given"), **result)
        return result


def main():
    ImsJob()()


if __name__ == "__main__":
    main()
