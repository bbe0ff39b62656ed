# -*- coding: utf-8 -*-
# Copyright: huaweicloud.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Image sharing: what to add and remove, the fewest batch calls that do it, and starting them."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.huaweicloud.cloud.plugins.module_utils._errors import AmbiguousRequestError
from ansible_collections.huaweicloud.cloud.plugins.module_utils._ims import look_for

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


def read_members(api, image_ids):
    """image id -> its members, as member_view shows them."""
    return dict((image_id, [member_view(m) for m in api.list_members(image_id)]) for image_id in image_ids)


def start_member_jobs(api, changes, add, window, job_ids, retries=3):
    """Start the batch member jobs for ``changes`` (image id -> project ids), appending to ``job_ids``.

    When a call's answer is lost the service may have started the job anyway: look at the members for up to
    ``window`` seconds, then send again only what is still missing (or still there, for a removal)."""
    call = api.add_members if add else api.remove_members
    for batch_images, batch_projects in batch_calls(changes):
        try:
            job_ids.append(call(batch_images, batch_projects))
        except AmbiguousRequestError:
            if retries <= 0:
                raise
            left = left_after_lost_answer(api, batch_images, batch_projects, add, window)
            start_member_jobs(api, left, add, window, job_ids, retries - 1)


def left_after_lost_answer(api, images, projects, add, window):
    """image id -> projects still to add (or remove) once ``window`` seconds have shown nothing more happen."""
    left = {}

    def finished():
        left.clear()
        for image_id in images:
            have = set(m["member_id"] for m in api.list_members(image_id))
            todo = (set(projects) - have) if add else (set(projects) & have)
            if todo:
                left[image_id] = todo
        return None if left else True

    look_for(finished, window)
    return left


def expected_members(before, to_add, to_remove):
    """The members ``read_members`` will show once the planned jobs are done (new ones pending)."""
    members = {}
    for image_id, current in before.items():
        removed = to_remove.get(image_id, set())
        kept = [m for m in current if m["member_id"] not in removed]
        added = [dict(member_id=member_id, status="pending", image_id=image_id)
                 for member_id in sorted(to_add.get(image_id, set()))]
        members[image_id] = kept + added
    return members
