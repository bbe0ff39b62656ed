"""Selection logic shared by ims_image_info and the ims_image lookup (module_utils/_discovery.py)."""

from __future__ import annotations

import pytest

from ansible_collections.huaweicloud.cloud.plugins.module_utils._discovery import (
    DISCOVERY_SPEC,
    build_query,
    select,
    validate,
)
from ansible_collections.huaweicloud.cloud.plugins.module_utils._images import normalize_image, parse_time

OWN = "6866373608ce25c0ea4d707e95915ad8"


def params(**given):
    p = dict((name, spec.get("default")) for name, spec in DISCOVERY_SPEC.items())
    p.update(given)
    return p


def image(name, created, image_id=None, **tags):
    return normalize_image({"id": image_id or name, "name": name, "created_at": created,
                            "tags": ["%s.%s" % item for item in tags.items()]})


IMAGES = [
    image("web-1", "2024-01-01T00:00:00Z", team="web", env="prod"),
    image("web-2", "2024-03-01T00:00:00Z", team="web", env="test", keep=""),
    image("web-10", "2024-02-01T00:00:00Z", team="web", env="prod", keep="forever"),
    image("api-1", "2024-04-01T00:00:00Z", team="api", env="prod"),
]


def names(found):
    return [i["name"] for i in found]


@pytest.mark.parametrize("given, expected", [
    (dict(), ["web-1", "web-2", "web-10", "api-1"]),
    (dict(tags={"team": "web", "env": "prod"}), ["web-1", "web-10"]),
    (dict(tags={"keep": None}), ["web-2", "web-10"]),
    (dict(tags={"keep": ""}), ["web-2"]),
    (dict(tag="env=prod", tags={"team": "api"}), ["api-1"]),
    (dict(name_pattern="web-?"), ["web-1", "web-2"]),
    (dict(name_pattern="WEB-*"), []),
    (dict(name_regex=r"-\d{2}$"), ["web-10"]),
    (dict(name_pattern="web-*", name_regex="1"), ["web-1", "web-10"]),
    (dict(most_recent=True), ["api-1"]),
    (dict(most_recent=True, name_pattern="web-*"), ["web-2"]),
    (dict(most_recent=True, tags={"team": "db"}), []),
])
def test_select(given, expected):
    assert names(select(IMAGES, params(**given))) == expected


def test_most_recent_tie_is_stable():
    same = [image("a", "2024-01-01T00:00:00Z", "id-1"), image("b", "2024-01-01T00:00:00Z", "id-2")]
    assert names(select(same, params(most_recent=True))) == ["b"]
    assert names(select(list(reversed(same)), params(most_recent=True))) == ["b"]


def test_build_query():
    assert build_query(params(owner="self", sort_key="name", sort_dir="asc"), OWN) == {
        "owner": OWN, "sort_key": "name", "sort_dir": "asc"}
    # One full tag goes to the server, key-only ones never do; an explicit tag wins.
    assert build_query(params(tags={"keep": None, "team": "web", "env": "prod"}))["tag"] == "env=prod"
    assert "tag" not in build_query(params(tags={"keep": None}))
    assert build_query(params(tag="a=b", tags={"env": "prod"}))["tag"] == "a=b"


@pytest.mark.parametrize("given, message", [
    (dict(name_regex="("), "name_regex is not a valid regular expression"),
    (dict(tags={"": "x"}), "tags must not contain an empty key"),
    (dict(limit=0), "limit"),
    (dict(created_at="gte:2024-01-31T08:00:00Z\n"), "created_at must be operator:time"),
])
def test_validate(given, message):
    assert message in validate(params(**given))


def test_times_are_comparable():
    record = image("x", "2024-06-02T07:49:48Z")
    assert record["created_at_epoch"] == 1717314588
    assert parse_time("2024-06-02 07:49:48") == 1717314588
    assert parse_time("2024-06-02T07:49:48.123Z") == 1717314588
    assert parse_time("yesterday") is None
    assert parse_time("2024-13-02T07:49:48Z") is None  # read by a pattern, still checked as a date
