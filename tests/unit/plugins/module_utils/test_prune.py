"""Prune selection (module_utils/_prune.py)."""

from __future__ import annotations

from ansible_collections.huaweicloud.cloud.plugins.module_utils._prune import DAY, plan

NOW = 1000 * DAY


def img(image_id, age_days, visibility="private", **tags):
    return {"id": image_id, "name": image_id, "created_at_epoch": NOW - age_days * DAY, "visibility": visibility,
            "tags": tags}


def ids(pairs):
    return sorted(image["id"] for image, reason in pairs)


def test_keep_newest_per_family():
    images = [img("a1", 1, family="a"), img("a2", 2, family="a"), img("a3", 3, family="a"),
              img("b1", 10, family="b"), img("b2", 20, family="b")]
    delete, keep = plan(images, set(), NOW, keep_newest=1, family_tag="family")
    assert ids(delete) == ["a2", "a3", "b2"]
    assert ids(keep) == ["a1", "b1"]
    # Without a family tag the selection is one family.
    assert ids(plan(images, set(), NOW, keep_newest=1)[0]) == ["a2", "a3", "b1", "b2"]


def test_keep_days_or_newest():
    images = [img("new", 1), img("mid", 10), img("old", 40)]
    assert ids(plan(images, set(), NOW, keep_days=30)[0]) == ["old"]
    assert ids(plan(images, set(), NOW, keep_newest=0, keep_days=5)[0]) == ["mid", "old"]
    assert ids(plan(images, set(), NOW, keep_newest=2, keep_days=5)[0]) == ["old"]


def test_never_keep_tagged_used_or_shared():
    images = [img("tagged", 50, keep=""), img("used", 50), img("shared", 50, "shared"), img("plain", 50)]
    delete, keep = plan(images, {"used"}, NOW, keep_newest=0)
    assert ids(delete) == ["plain"]
    assert dict((image["id"], reason) for image, reason in keep) == {
        "tagged": "tagged keep", "used": "used by an ECS server", "shared": "shared with other projects"}
    assert ids(plan(images, {"used"}, NOW, keep_newest=0, include_shared=True)[0]) == ["plain", "shared"]


def test_no_rule_deletes_nothing():
    assert plan([img("x", 900)], set(), NOW)[0] == []
