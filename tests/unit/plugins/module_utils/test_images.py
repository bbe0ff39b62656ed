# -*- coding: utf-8 -*-
# Copyright: huaweicloud.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.huaweicloud.cloud.plugins.module_utils import _images as images


def test_normalize_image_drops_prefixes_and_converts_tags():
    raw = {"id": "i", "name": "n", "__os_version": "CentOS 7.6 64bit", "__description": "d",
           "max_ram": "2048", "tags": ["a.1", "b=2", "c"]}
    assert images.normalize_image(raw) == {
        "id": "i", "name": "n", "os_version": "CentOS 7.6 64bit", "description": "d", "max_ram": "2048",
        "tags": {"a": "1", "b": "2", "c": ""}}
    assert images.normalize_image(None) is None


@pytest.mark.parametrize("tags, expected", [
    (None, {}),
    ([], {}),
    (["key.value"], {"key": "value"}),
    (["key.v.with.dots"], {"key": "v.with.dots"}),
    (["nodot"], {"nodot": ""}),
    (["k=v"], {"k": "v"}),
    (["k=v.1"], {"k": "v.1"}),
    ([{"key": "k", "value": "v"}, {"key": "e", "value": None}], {"k": "v", "e": ""}),
])
def test_tags_to_dict(tags, expected):
    assert images.tags_to_dict(tags) == expected


def test_tag_writers_sort_and_stringify():
    assert images.dict_to_image_tags({"b": 2, "a": None}) == [{"key": "a", "value": ""}, {"key": "b", "value": "2"}]
    assert images.tag_api_changes({"a": "1", "b": "2"}, {"b": "3", "c": ""}) == (
        [{"key": "b", "value": "3"}, {"key": "c", "value": ""}], [{"key": "a", "value": "1"}])
    assert images.tag_api_changes({"a": "1"}, {"a": "1"}) == ([], [])


@pytest.mark.parametrize("current, wanted, purge, expected", [
    ({"a": "1"}, None, True, {"a": "1"}),
    ({"a": "1"}, None, False, {"a": "1"}),
    ({"a": "1", "b": "2"}, {"a": "9"}, True, {"a": "9"}),
    ({"a": "1", "b": "2"}, {"a": "9"}, False, {"a": "9", "b": "2"}),
    ({"a": "1"}, {}, True, {}),
    ({"a": "1"}, {}, False, {"a": "1"}),
    ({}, {"n": None}, True, {"n": ""}),
])
def test_desired_tags(current, wanted, purge, expected):
    assert images.desired_tags(current, wanted, purge) == expected


class FakeApi(object):
    def __init__(self, states):
        self.states = list(states)
        self.calls = 0

    def get_image(self, image_id):
        self.calls += 1
        state = self.states.pop(0) if len(self.states) > 1 else self.states[0]
        return None if state is None else {"id": image_id, "status": state}


class Clock(object):
    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def test_wait_for_image_until_active():
    clock = Clock()
    api = FakeApi(["queued", "saving", "saving", "active"])
    image = images.wait_for_image(api, "i", 60, sleep=clock.sleep, clock=clock)
    assert image["status"] == "active"
    assert api.calls == 4
    assert clock.sleeps == [0.5, 0.75, 1.125]


@pytest.mark.parametrize("states, message", [
    (["saving", "killed"], "image i ended in status killed: its creation failed; delete it and try again"),
    (["saving", None], "image i disappeared while it was being created (its creation job failed?)"),
    (["saving"], "timed out after 5s waiting for image i to become active (last status saving)"),
])
def test_wait_for_image_failures(states, message):
    clock = Clock()
    with pytest.raises(images.ImageWaitError) as info:
        images.wait_for_image(FakeApi(states), "i", 5, sleep=clock.sleep, clock=clock)
    assert str(info.value) == message
    assert sum(clock.sleeps) <= 5


def test_wait_for_image_custom_settled_statuses():
    clock = Clock()
    image = images.wait_for_image(FakeApi(["saving", "killed"]), "i", 5, sleep=clock.sleep, clock=clock,
                                  settled=("active", "killed"))
    assert image["status"] == "killed"
