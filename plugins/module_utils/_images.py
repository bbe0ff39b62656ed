# -*- coding: utf-8 -*-
# Copyright: huaweicloud.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Image records as modules return them, and tag format conversions."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import calendar
import datetime
import re
import time

from ansible_collections.huaweicloud.cloud.plugins.module_utils._errors import HuaweiCloudError

IN_PROGRESS_STATUSES = ("queued", "saving")
# Date and time of an IMS timestamp; read with a pattern, not time.strptime, whose first call costs a module run
# more than the rest of normalize_image (it imports _strptime and builds its locale's patterns).
_TIMESTAMP = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})[T ]([0-9]{2}):([0-9]{2}):([0-9]{2})")


def normalize_image(raw):
    """An IMS image with the ``__``/``_`` prefixes dropped (``__os_version`` -> ``os_version``)
    and tags as a dict; None stays None."""
    if raw is None:
        return None
    image = {}
    for key, value in raw.items():
        image[key.lstrip("_")] = value
    image["tags"] = tags_to_dict(raw.get("tags"))
    # Epoch seconds next to the ISO strings, so playbooks can compare ages with plain arithmetic.
    for key in ("created_at", "updated_at"):
        if key in image:
            image[key + "_epoch"] = parse_time(image[key])
    return image


def parse_time(value):
    """An IMS time (``2024-06-02T07:49:48Z`` or ``2024-06-02 07:49:48``, UTC) as epoch seconds; None if unreadable."""
    if not isinstance(value, str):
        return None
    match = _TIMESTAMP.match(value.strip())
    if match is None:
        return None
    try:
        moment = datetime.datetime(*[int(part) for part in match.groups()])
    except ValueError:  # e.g. month 13
        return None
    return calendar.timegm(moment.timetuple())


def tags_to_dict(tags):
    """IMS ``["key.value"]``, Glance ``["key=value"]`` or ``[{"key","value"}]`` -> dict.

    IMS splits on the first dot: everything after it is the value, and a tag
    without a dot has an empty value.
    """
    result = {}
    for tag in tags or []:
        if isinstance(tag, dict):
            result[tag.get("key")] = tag.get("value") or ""
            continue
        separator = "=" if "=" in tag and "." not in tag.split("=", 1)[0] else "."
        key, dummy, value = tag.partition(separator)
        result[key] = value
    return result


def record_tags(image):
    """The key/value tags an image record's ``tags`` strings hold, read as ListImageTags lists them: "k=v" is
    (k, v), a plain (Glance) tag "k" is (k, ""). Tag keys cannot hold "=", so the split is exact."""
    result = {}
    for tag in image.get("tags") or []:
        if isinstance(tag, str):
            key, dummy, value = tag.partition("=")
            result[key] = value
    return result


def dict_to_image_tags(tags):
    """dict -> the ``image_tags`` [{key, value}] form that create calls take."""
    return [{"key": key, "value": "" if value is None else str(value)} for key, value in sorted((tags or {}).items())]


def tag_api_changes(before, after):
    """The IMS tag API calls (``tags/action`` bodies) that turn the ``before`` tag dict into ``after``:
    ``(to_create, to_delete)``, each a sorted [{key, value}] list. Create also updates an existing key."""
    to_create = [{"key": key, "value": value} for key, value in sorted(after.items()) if before.get(key) != value]
    to_delete = [{"key": key, "value": value} for key, value in sorted(before.items()) if key not in after]
    return to_create, to_delete


def desired_tags(current, wanted, purge):
    """The tag dict an image should end with.

    ``wanted`` None leaves the tags alone; otherwise its keys are set and, with
    ``purge``, keys not in it are dropped (amazon.aws ``purge_tags`` semantics).
    """
    current = dict(current or {})
    if wanted is None:
        return current
    result = {} if purge else current
    result.update((key, "" if value is None else str(value)) for key, value in wanted.items())
    return result


class ImageWaitError(HuaweiCloudError):
    """An image did not become active: it ended killed, vanished, or the wait ran out."""


def _reads(api, image_id, timeout, sleep, clock, first_delay, max_delay):
    """Reads of one image, a growing pause (never past the deadline) after each: yields (raw image or None,
    seconds elapsed, seconds left)."""
    start = clock()
    delay = first_delay
    while True:
        image = api.get_image(image_id)
        now = clock()
        yield image, now - start, start + timeout - now
        sleep(min(delay, max(0, start + timeout - clock())))
        delay = min(delay * 1.5, max_delay)


def wait_for_image(api, image_id, timeout, sleep=time.sleep, clock=time.monotonic, first_delay=0.5,
                   max_delay=10.0, settled=("active",), unlisted_grace=0):
    """Poll an image until its status is in ``settled``; return the raw image.

    Raises ImageWaitError when it ends ``killed``, disappears (a failed creation
    job removes it) or is still in progress after ``timeout`` seconds. An image
    this task just made may not be listed yet: for ``unlisted_grace`` seconds
    "not found" means "not listed yet", not "gone".
    """
    for image, elapsed, remaining in _reads(api, image_id, timeout, sleep, clock, first_delay, max_delay):
        if image is None and elapsed < min(unlisted_grace, timeout):
            continue
        if image is None:
            raise ImageWaitError("image %s disappeared while it was being created (its creation job failed?)"
                                 % image_id)
        status = image.get("status")
        if status in settled:
            return image
        if status == "killed":
            raise ImageWaitError("image %s ended in status killed: its creation failed; delete it and try again"
                                 % image_id)
        if remaining <= 0:
            raise ImageWaitError("timed out after %ss waiting for image %s to become active (last status %s)"
                                 % (timeout, image_id, status))


def wait_until_gone(api, image_id, timeout, sleep=time.sleep, clock=time.monotonic, first_delay=0.5, max_delay=10.0):
    """Poll a deleted image until IMS no longer lists it (deletion is asynchronous); raise ImageWaitError on
    time-out."""
    for image, dummy, remaining in _reads(api, image_id, timeout, sleep, clock, first_delay, max_delay):
        if image is None or image.get("status") == "deleted":
            return
        if remaining <= 0:
            raise ImageWaitError("timed out after %ss waiting for image %s to be deleted (IMS still lists it, "
                                 "status %s)" % (timeout, image_id, image.get("status")))
