# -*- coding: utf-8 -*-
# Copyright: huaweicloud.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.huaweicloud.cloud.plugins.module_utils._jobs import job_image_ids, job_summary


def test_image_ids_from_every_documented_place():
    job = {"entities": {
        "image_id": "img-1",
        "sub_jobs_result": [{"entities": {"image_id": "img-2"}}, {"entities": {}}, {"entities": {"image_id": "img-1"}}],
        "results": [{"image_id": "img-3", "project_id": "p", "status": "success"}, {"image_id": "img-2"}],
    }}
    assert job_image_ids(job) == ["img-1", "img-2", "img-3"]


def test_image_ids_of_sparse_jobs():
    assert job_image_ids(None) == []
    assert job_image_ids({}) == []
    assert job_image_ids({"entities": None}) == []
    assert job_image_ids({"entities": {"sub_jobs_result": None, "results": [None]}}) == []


def test_summary():
    job = {"job_id": "j1", "status": "FAIL", "job_type": "imsCopyImageInRegionJob", "error_code": "IMG.0061",
           "fail_reason": "boom", "entities": {"image_id": "img-1"}}
    summary = job_summary(job)
    assert summary["job_id"] == "j1"
    assert summary["status"] == "FAIL"
    assert summary["image_ids"] == ["img-1"]
    assert summary["error_code"] == "IMG.0061"
    assert summary["fail_reason"] == "boom"
    assert summary["job"] is job


def test_member_failures_and_entity_level_error():
    job = {"job_id": "j2", "status": "FAIL", "job_type": "imsAddImageMembersJob",
           "entities": {"error_code": "IMG.0108", "error": "no such tenant", "results": [
               {"image_id": "i", "project_id": "p1", "status": "success"},
               {"image_id": "i", "project_id": "p2", "status": "failed"}]}}
    summary = job_summary(job)
    assert (summary["error_code"], summary["fail_reason"]) == ("IMG.0108", "no such tenant")
    assert summary["failed_members"] == [{"project_id": "p2", "image_id": "i", "status": "failed"}]
    assert job_summary({"status": "SUCCESS", "entities": {"image_id": "x"}})["failed_members"] == []
