# -*- coding: utf-8 -*-
# Copyright: huaweicloud.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Image sharing: what to add and remove, and the fewest batch calls that do it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# IMS limits (user guide, "image sharing constraints").
MAX_MEMBERS = 128
MAX_WHOLE_IMAGE_MEMBERS = 10
MEMBER_FIELDS = ("member_id", "status", "created_at", "updated_at", "image_id")


def member_view(member):
    """A Glance member record without the schema link."""
    return dict((key, member.get(key)) for key in MEMBER_FIELDS if key in member)


def plan_sharing(current, projects, state, exclusive=False):
    """Work out the member changes for each image.

    ``current`` maps image id -> set of member project ids; ``projects`` is the
    wanted list (None: not given). With ``state=present`` missing projects are
    added, and with ``exclusive`` every other member is removed. With
    ``state=absent`` the given projects are removed, or every member when
    ``projects`` is None. Returns ``(to_add, to_remove)``, each image id -> set,
    holding only images that change.
    """
    wanted = set(projects or [])
    to_add = {}
    to_remove = {}
    for image_id, have in current.items():
        have = set(have)
        if state == "present":
            add = wanted - have
            remove = (have - wanted) if exclusive else set()
        else:
            add = set()
            remove = set(have) if projects is None else (have & wanted)
        if add:
            to_add[image_id] = add
        if remove:
            to_remove[image_id] = remove
    return to_add, to_remove


def batch_calls(changes):
    """Group images that need the same project set into one batch call.

    ``changes`` maps image id -> set of project ids; returns a list of
    ``(image_ids, project_ids)``, both sorted, in a stable order.
    """
    groups = {}
    for image_id, projects in changes.items():
        groups.setdefault(tuple(sorted(projects)), []).append(image_id)
    return [(sorted(image_ids), list(projects)) for projects, image_ids in sorted(groups.items())]


def members_after(current, to_add, to_remove):
    """image id -> sorted member ids once the plan has run."""
    after = {}
    for image_id, have in current.items():
        after[image_id] = sorted((set(have) | to_add.get(image_id, set())) - to_remove.get(image_id, set()))
    return after


def over_limit(images, after):
    """Messages for images whose member count would exceed the IMS limit."""
    problems = []
    for image in images:
        count = len(after.get(image["id"], []))
        whole = str(image.get("__whole_image", "")).lower() == "true"
        limit = MAX_WHOLE_IMAGE_MEMBERS if whole else MAX_MEMBERS
        if count > limit:
            problems.append("image %s would have %d members; a%s image can be shared with at most %d projects"
                            % (image["id"], count, " whole" if whole else "n", limit))
    return problems


def plan_status(statuses, wanted):
    """Consumer side: ``statuses`` maps image id -> current member status (None:
    not shared with the caller). Returns ``(to_update, not_shared)`` image id lists."""
    not_shared = [image_id for image_id, status in statuses.items() if status is None]
    to_update = [image_id for image_id, status in statuses.items() if status is not None and status != wanted]
    return to_update, not_shared
