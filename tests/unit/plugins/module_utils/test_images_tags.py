# -*- coding: utf-8 -*-
# Copyright: huaweicloud.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tag format conversions and image normalisation in _images.py."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.huaweicloud.cloud.plugins.module_utils._images import (
    dict_to_image_tags,
    normalize_image,
    tags_to_dict,
)


@pytest.mark.parametrize("tags, expected", [
    (None, {}),
    ([], {}),
    (["env.prod", "team.core"], {"env": "prod", "team": "core"}),
    (["version.1.2.3"], {"version": "1.2.3"}),          # IMS splits on the first dot
    (["flag"], {"flag": ""}),                           # no dot: empty value
    (["env."], {"env": ""}),
    (["env=prod"], {"env": "prod"}),                    # Glance form
    (["url=http://x.example.com/a"], {"url": "http://x.example.com/a"}),
    (["expr.a=b"], {"expr": "a=b"}),                    # a dot before '=': IMS form
    ([{"key": "env", "value": "prod"}, {"key": "empty", "value": None}, {"key": "bare"}],
     {"env": "prod", "empty": "", "bare": ""}),
    (["env.prod", "env=test"], {"env": "test"}),        # later wins
])
def test_tags_to_dict(tags, expected):
    assert tags_to_dict(tags) == expected


def test_dict_to_image_tags_is_sorted_and_stringified():
    assert dict_to_image_tags({"team": "core", "env": "prod", "count": 3, "none": None, "flag": True}) == [
        {"key": "count", "value": "3"},
        {"key": "env", "value": "prod"},
        {"key": "flag", "value": "True"},
        {"key": "none", "value": ""},
        {"key": "team", "value": "core"},
    ]
    assert dict_to_image_tags(None) == [] and dict_to_image_tags({}) == []


def test_round_trip():
    tags = {"env": "prod", "owner": "team.a"}
    assert tags_to_dict(dict_to_image_tags(tags)) == tags


def test_normalize_image():
    raw = {
        "id": "i1",
        "name": "web",
        "__os_version": "Ubuntu 18.04 server 64bit",
        "__imagetype": "private",
        "_private": "x",
        "max_ram": "0",
        "tags": ["env.prod", "tier.web"],
    }
    image = normalize_image(raw)
    assert image == {
        "id": "i1",
        "name": "web",
        "os_version": "Ubuntu 18.04 server 64bit",
        "imagetype": "private",
        "private": "x",
        "max_ram": "0",
        "tags": {"env": "prod", "tier": "web"},
    }
    assert raw["tags"] == ["env.prod", "tier.web"]  # input left alone
    assert "__os_version" in raw


def test_normalize_image_without_tags_and_none():
    assert normalize_image({"id": "i1"}) == {"id": "i1", "tags": {}}
    assert normalize_image(None) is None
