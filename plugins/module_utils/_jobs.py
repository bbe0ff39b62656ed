# -*- coding: utf-8 -*-
# Copyright: huaweicloud.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading IMS job records: which images a job produced, and the summary modules return."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


def job_image_ids(job):
    """Every image id a job names, in order, without duplicates.

    Looked for in ``entities.image_id`` (single-image jobs), in
    ``entities.sub_jobs_result[].entities.image_id`` (data-image and batch jobs)
    and in ``entities.results[].image_id`` (member jobs).
    """
    entities = (job or {}).get("entities") or {}
    candidates = [entities.get("image_id")]
    for sub in entities.get("sub_jobs_result") or []:
        candidates.append(((sub or {}).get("entities") or {}).get("image_id"))
    for result in entities.get("results") or []:
        candidates.append((result or {}).get("image_id"))
    ids = []
    for image_id in candidates:
        if image_id and image_id not in ids:
            ids.append(image_id)
    return ids


def job_summary(job):
    """The fields of a job that modules return next to the raw record."""
    job = job or {}
    entities = job.get("entities") or {}
    error_code, fail_reason = job_error(job) if job.get("status") == "FAIL" else (None, None)
    return {
        "job_id": job.get("job_id"),
        "status": job.get("status"),
        "job_type": job.get("job_type"),
        "entities": entities,
        "image_ids": job_image_ids(job),
        "error_code": error_code or job.get("error_code"),
        "fail_reason": fail_reason or job.get("fail_reason"),
        "failed_members": member_failures(job) if entities.get("results") else [],
        "job": job,
    }


def member_failures(job):
    """Per-project outcomes of a batch member job that did not succeed.

    Member jobs list one ``entities.results[]`` entry per image and project
    (SDK JobEntitiesResult: image_id, project_id, status); a job can fail for
    some projects only. Returns those entries (project_id, image_id, status).
    """
    entities = (job or {}).get("entities") or {}
    failed = []
    for result in entities.get("results") or []:
        status = str((result or {}).get("status") or "").lower()
        if status not in ("success", "succeeded"):
            failed.append(dict((key, result.get(key)) for key in ("project_id", "image_id", "status")))
    return failed


def job_error(job):
    """``(error_code, reason)`` of a failed job: top-level fields first, then the SDK JobEntities ones."""
    job = job or {}
    entities = job.get("entities") or {}
    code = job.get("error_code") or entities.get("error_code") or entities.get("addition_error_code")
    reason = job.get("fail_reason") or entities.get("error") or entities.get("addition_error_msg")
    return code, reason
