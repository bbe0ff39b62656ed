# -*- coding: utf-8 -*-
# Copyright: huaweicloud.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Finding images by id or by name."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.huaweicloud.cloud.plugins.module_utils._errors import HuaweiCloudError, JobFailedError
from ansible_collections.huaweicloud.cloud.plugins.module_utils._ims import look_for
from ansible_collections.huaweicloud.cloud.plugins.module_utils._validation import check_uuid


class ImageNotFoundError(HuaweiCloudError):
    """No image (or more than one) answers to the reference the user gave."""


def looks_like_image_id(value):
    """Whether a reference is an image id (UUID form) rather than a name."""
    return bool(value) and check_uuid(value) is None


def resolve_image(api, ref, owned=True):
    """The raw image that ``ref`` names: an image id, or a name unique among the
    caller's own images (``owned``) or among every image the caller can see."""
    if looks_like_image_id(ref):
        image = api.get_image(ref)
        if image is None:
            raise ImageNotFoundError("no image with id %s in region %s" % (ref, api.client.region))
        return image
    matches = api.find_images(ref, owned=owned)
    if not matches:
        raise ImageNotFoundError("no %simage named %r in region %s"
                                 % ("own " if owned else "", ref, api.client.region))
    if len(matches) > 1:
        raise ImageNotFoundError("%d images are named %r in region %s (%s); use the image id"
                                 % (len(matches), ref, api.client.region,
                                    ", ".join(sorted(image["id"] for image in matches))))
    return matches[0]


def resolve_images(api, refs, owned=True):
    """``resolve_image`` for each reference, duplicates (by id) dropped, order kept."""
    images = []
    seen = set()
    for ref in refs:
        image = resolve_image(api, ref, owned=owned)
        if image["id"] not in seen:
            seen.add(image["id"])
            images.append(image)
    return images


def resolve_shared_image_id(api, ref):
    """The id of an image shared with the caller: ``ref`` is an id (returned as
    is) or a name unique among images shared with the caller in any member status."""
    if looks_like_image_id(ref):
        return ref
    found = {}
    for status in ("pending", "accepted", "rejected"):
        filters = {"visibility": "shared", "__imagetype": "shared", "member_status": status, "name": ref}
        for image in api.list_images(filters):
            if image.get("name") == ref and image.get("owner") != api.project_id:
                found[image["id"]] = image
    if not found:
        raise ImageNotFoundError("no image named %r is shared with project %s in region %s"
                                 % (ref, api.project_id, api.client.region))
    if len(found) > 1:
        raise ImageNotFoundError("%d images named %r are shared with project %s (%s); use the image id"
                                 % (len(found), ref, api.project_id, ", ".join(sorted(found))))
    return list(found)[0]


class DuplicateImagesError(HuaweiCloudError):
    """More than one image answers one intent (a name, or a copy of a source in a project)."""


def duplicates_message(images, what):
    """The one wording of the duplicate rule: every id, and what to do about it."""
    return ("%d images are %s (%s): names are not unique in IMS, so give the id of the one to manage, or keep "
            "one and delete the others (two runs at the same time, or a retry answered late, made them); run one "
            "play per image name at a time" % (len(images), what, ", ".join(sorted(image["id"] for image in images))))


def single_image(images, what):
    """The only image of ``images``, None for none; DuplicateImagesError naming every id for more than one
    (create, register, copy and replicate never pick one of several)."""
    if len(images) > 1:
        raise DuplicateImagesError(duplicates_message(images, what))
    return images[0] if images else None


def wait_until_listed(api, job_id, find, window, clock=time.monotonic, sleep=time.sleep, job_after=5.0):
    """What ``find()`` (the look-up a later run makes, by name) returns once IMS lists the image that the creation
    job ``job_id`` (None: no job, e.g. an upload) makes; None if it is not listed within ``window`` seconds.

    A task that starts a creation and returns without waiting (wait=false) calls this before it returns: IMS lists
    a new image only seconds after the call, and a re-run that looked in between would create a twin. Polls at
    most once a second; from ``job_after`` seconds on (a listing that late is unusual, and reading the job before
    would break up the copies ims_replicate starts together) each look also reads the job, and raises
    JobFailedError when it failed (no image will be listed)."""
    start = clock()

    def listed():
        found = find()
        if found is None and job_id and clock() - start >= job_after:
            job = api.get_job(job_id)
            if job.get("status") == "FAIL":
                raise JobFailedError(job)
        return found

    return look_for(listed, window, clock=clock, sleep=sleep)
