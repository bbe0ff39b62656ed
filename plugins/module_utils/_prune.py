# -*- coding: utf-8 -*-
# Copyright: huaweicloud.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which images a prune deletes: pure selection, so it is unit-tested apart from any API."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DAY = 86400


def family_of(image, family_tag):
    """The family an image belongs to: the value of ``family_tag``, or one family for all when it is unset."""
    if not family_tag:
        return ""
    return (image.get("tags") or {}).get(family_tag, "")


def plan(images, used_ids, now, keep_newest=None, keep_days=None, keep_tag="keep", include_shared=False,
         family_tag=None):
    """Split normalized images into (delete, keep), each a list of (image, reason).

    Per family, an image is kept when it is among the ``keep_newest`` newest, or younger than ``keep_days``
    days, or tagged ``keep_tag``, or used by a server, or shared with other projects (unless
    ``include_shared``). With neither ``keep_newest`` nor ``keep_days`` nothing is deleted.
    """
    delete, keep = [], []
    families = {}
    for image in images:
        families.setdefault(family_of(image, family_tag), []).append(image)
    for name in sorted(families):
        members = sorted(families[name], key=lambda i: (i.get("created_at_epoch") or 0, i.get("id") or ""),
                         reverse=True)
        for rank, image in enumerate(members):
            reason = _keep_reason(image, rank, used_ids, now, keep_newest, keep_days, keep_tag, include_shared)
            (keep if reason else delete).append((image, reason or "older than the retention"))
    return delete, keep


def _keep_reason(image, rank, used_ids, now, keep_newest, keep_days, keep_tag, include_shared):
    if keep_newest is None and keep_days is None:
        return "no retention rule given"
    if keep_tag and keep_tag in (image.get("tags") or {}):
        return "tagged %s" % keep_tag
    if image.get("id") in used_ids:
        return "used by an ECS server"
    if image.get("visibility") == "shared" and not include_shared:
        return "shared with other projects"
    if keep_newest is not None and rank < keep_newest:
        return "one of the %d newest" % keep_newest
    created = image.get("created_at_epoch")
    if keep_days is not None and (created is None or now - created < keep_days * DAY):
        return "younger than %d days" % keep_days
    return None
