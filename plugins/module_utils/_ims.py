# -*- coding: utf-8 -*-
# Copyright: huaweicloud.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""IMS API calls, one method per documented operation. No state logic here."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.huaweicloud.cloud.plugins.module_utils._errors import AmbiguousRequestError, HuaweiCloudError

# imsAddImageMembersJob, imsDeleteImageMembersJob, imsUpdateImageMembersJob (reference 5.5.1).
MEMBER_JOB_SUFFIX = "MembersJob"
# How a job ends (the waiter stops at these too).
TERMINAL_STATUSES = ("SUCCESS", "FAIL")


class ImsApi(object):
    def __init__(self, client, log=None):
        self.client = client
        self._waiter = None
        # Where long waits note their progress (AnsibleModule.log): a module's output comes only at its end.
        self.log = log
        # When each job this process started was asked for (the waiter's clock), to time its polls.
        self.started = {}

    def in_region(self, region, project_id=None):
        """The same identity, talking to another region's endpoint."""
        return ImsApi(self.client.for_region(region, project_id), log=self.log)

    @property
    def waiter(self):
        """The JobWaiter, made on first use: a run that waits for nothing never imports (so never compiles)
        its module, and AnsiballZ compiles every imported module_utils file anew in each task."""
        if self._waiter is None:
            from ansible_collections.huaweicloud.cloud.plugins.module_utils._waiter import JobWaiter

            self._waiter = JobWaiter(self.get_job, time_limit=self.client.time_limit, log=self.log)
        return self._waiter

    @waiter.setter
    def waiter(self, waiter):
        self._waiter = waiter

    @property
    def project_id(self):
        return self.client.project_id

    # Images: queries ---------------------------------------------------------

    def list_images(self, filters=None, limit=500):
        """Every image matching the documented /v2/cloudimages filters, all pages."""
        return list(self.client.paginate("/v2/cloudimages", filters, "images", limit=limit))

    def get_image(self, image_id):
        """The image with this id, or None."""
        images = self.client.request("GET", "/v2/cloudimages", query={"id": image_id}, expect={"images": list})["images"]
        return images[0] if images else None

    def find_images(self, name, owned=True):
        """Images with exactly this name (names are not unique in IMS)."""
        filters = {"name": name}
        if owned:
            filters["owner"] = self.project_id
        return [image for image in self.list_images(filters) if image.get("name") == name]

    # Images: creation ------------------------------------------------------

    def create_image(self, body):
        """POST /v2/cloudimages/action (ECS, EVS, OBS file, ISO, data_images): job id."""
        return self._job("POST", "/v2/cloudimages/action", body)

    def quick_import(self, body):
        return self._job("POST", "/v2/cloudimages/quickimport/action", body)

    def create_data_images(self, body):
        return self._job("POST", "/v1/cloudimages/dataimages/action", body)

    def create_whole_image(self, body):
        return self._job("POST", "/v1/cloudimages/wholeimages/action", body)

    def create_metadata(self, body):
        """Glance POST /v2/images: a queued image with no file yet (register/upload)."""
        return self.client.request("POST", "/v2/images", body=body)

    def register(self, image_id, image_url):
        """The register job's id; None when a retry found an earlier attempt already accepted (its answer,
        with the job id, was lost): wait for the image instead."""
        return self._put_once(lambda: self._job("PUT", "/v1/cloudimages/%s/upload" % image_id,
                                                {"image_url": image_url}))

    def upload_file(self, image_id, stream):
        """Glance PUT /v2/images/{id}/file, streamed from an open binary file."""
        self._put_once(lambda: self.client.request("PUT", "/v2/images/%s/file" % image_id, data=stream,
                                                   content_type="application/octet-stream"))

    def _put_once(self, put):
        """Run a PUT that the client retries as idempotent but IMS accepts only once: when a retry is refused
        with IMG.0046 (image no longer queued), an earlier attempt whose answer was lost did take effect."""
        recorder = self.client.recorder
        sent = len(recorder)
        try:
            return put()
        except HuaweiCloudError as error:
            attempts = len([entry for entry in recorder[sent:] if entry[0] == "PUT"])
            if error.code != "IMG.0046" or attempts < 2:
                raise
            return None

    def export(self, image_id, bucket_url, file_format, is_quick_export=False):
        """POST /v1/cloudimages/{id}/file: job id. A quick export must not name a file_format (None: left out)."""
        body = {"bucket_url": bucket_url, "is_quick_export": is_quick_export}
        if file_format is not None:
            body["file_format"] = file_format
        return self._job("POST", "/v1/cloudimages/%s/file" % image_id, body)

    def copy(self, image_id, body):
        return self._job("POST", "/v1/cloudimages/%s/copy" % image_id, body)

    def cross_region_copy(self, image_id, body):
        return self._job("POST", "/v1/cloudimages/%s/cross_region_copy" % image_id, body)

    # Images: changes ---------------------------------------------------------

    def update_image(self, image_id, operations):
        """PATCH /v2/cloudimages/{id} with JSON-patch operations; returns the image."""
        return self.client.request("PATCH", "/v2/cloudimages/%s" % image_id, body=operations)

    # Tags (IMS tag API; Glance tags are plain strings and cannot hold key=value pairs) -------------------

    def list_tags(self, image_id):
        """GET /v2/{project_id}/images/{id}/tags (ListImageTags): the image's tags as a dict."""
        result = self.client.request("GET", "/v2/%s/images/%s/tags" % (self.project_id, image_id))
        return dict((tag.get("key"), tag.get("value") or "") for tag in result.get("tags") or [])

    def tag_action(self, image_id, action, tags):
        """POST /v2/{project_id}/images/{id}/tags/action (BatchAddOrDeleteTags): ``action`` create (or update)
        or delete the [{key, value}] ``tags``. Both are idempotent, so a retried call is harmless."""
        self.client.request("POST", "/v2/%s/images/%s/tags/action" % (self.project_id, image_id),
                            body={"action": action, "tags": tags}, idempotent=True)

    def delete_image(self, image_id, delete_backup=False):
        """Glance DELETE; a 404 means it is already gone, which is what we wanted."""
        try:
            self.client.request("DELETE", "/v2/images/%s" % image_id,
                                body={"delete_backup": True} if delete_backup else None)
        except HuaweiCloudError as error:
            if error.status != 404:
                raise

    # ECS ---------------------------------------------------------------------

    def image_ids_in_use(self, page_size=100):
        """Ids of the images the project's ECS servers were booted from (ListServersDetails; offset is a page
        number from 1)."""
        used = set()
        page = 1
        while True:
            reply = self.client.request("GET", "/v1/%s/cloudservers/detail" % self.project_id, service="ecs",
                                        query={"offset": page, "limit": page_size}, expect={"servers": list})
            servers = reply["servers"]
            used.update((server.get("image") or {}).get("id") for server in servers)
            if len(servers) < page_size:
                break
            page += 1
        used.discard(None)
        used.discard("")
        return used

    # Sharing -----------------------------------------------------------------

    def list_members(self, image_id):
        return self.client.request("GET", "/v2/images/%s/members" % image_id, expect={"members": list})["members"]

    def get_member(self, image_id, member_id):
        """Glance GET /v2/images/{id}/members/{member_id}: the membership, or None (404)."""
        try:
            return self.client.request("GET", "/v2/images/%s/members/%s" % (image_id, member_id))
        except HuaweiCloudError as error:
            if error.status == 404:
                return None
            raise

    def add_members(self, image_ids, project_ids):
        return self._job("POST", "/v1/cloudimages/members", {"images": image_ids, "projects": project_ids})

    def remove_members(self, image_ids, project_ids):
        return self._job("DELETE", "/v1/cloudimages/members", {"images": image_ids, "projects": project_ids})

    def set_member_status(self, image_ids, project_id, status, vault_id=None):
        body = {"images": image_ids, "project_id": project_id, "status": status}
        if vault_id:
            body["vault_id"] = vault_id
        return self._job("PUT", "/v1/cloudimages/members", body)

    # Service information -----------------------------------------------------

    def get_quota(self):
        return self.client.request("GET", "/v1/cloudimages/quota", expect={"quotas": dict})["quotas"]

    def list_os_versions(self, tag=None):
        result = self.client.request("GET", "/v1/cloudimages/os_version", query={"tag": tag} if tag else None)
        return result if isinstance(result, list) else result.get("os_versions", result)

    # Jobs --------------------------------------------------------------------

    def get_job(self, job_id):
        """GET /v1/cloudimages/job/{job_id} (SDK ShowJobProgress; ShowJob, GET /v1/{project_id}/jobs/{job_id},
        is deprecated). Its entities (JobProgressEntities) lack the per-project ``results`` of member jobs: an
        ended member job is read once more from the older path for them."""
        job = self.client.request("GET", "/v1/cloudimages/job/%s" % job_id, expect={"status": str})
        if job.get("status") in TERMINAL_STATUSES and str(job.get("job_type") or "").endswith(MEMBER_JOB_SUFFIX):
            job = self.client.request("GET", "/v1/%s/jobs/%s" % (self.project_id, job_id), expect={"status": str})
        job.setdefault("job_id", job_id)
        return job

    def wait_job(self, job_id, timeout):
        if job_id is None:  # see register(): no job id to follow
            return {}
        return self.waiter.wait(job_id, timeout, self.started)

    def wait_jobs(self, job_ids, timeout):
        return self.waiter.wait_all(job_ids, timeout, self.started)

    def _job(self, method, path, body):
        asked = self.waiter.clock()
        job_id = self.client.request(method, path, body=body, expect={"job_id": str})["job_id"]
        self.started[job_id] = asked
        return job_id


def create_once(create, find_existing, window=0, retries=3, clock=time.monotonic, sleep=time.sleep):
    """Run a non-idempotent create whose response may be lost, without doubling it.

    ``create()`` returns the new resource's handle; ``find_existing()`` returns
    a handle if an earlier attempt did take effect, else None. After an
    ambiguous failure we look before we try again, and keep looking for
    ``window`` seconds: IMS lists a new image only some time after the call
    that made it, so one look right away would miss it.
    """
    attempt = 0
    while True:
        attempt += 1
        try:
            return create()
        except AmbiguousRequestError:
            if attempt > retries:
                raise
            found = look_for(find_existing, window, clock=clock, sleep=sleep)
            if found is not None:
                return found


def look_for(find, window, clock=time.monotonic, sleep=time.sleep, interval=1.0):
    """Call ``find()`` until it returns something other than None or ``window`` seconds have passed."""
    deadline = clock() + window
    while True:
        found = find()
        if found is not None:
            return found
        remaining = deadline - clock()
        if remaining <= 0:
            return None
        sleep(min(interval, remaining))
