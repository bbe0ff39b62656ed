# -*- coding: utf-8 -*-
# Copyright: huaweicloud.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.huaweicloud.cloud.plugins.module_utils._members import (
    batch_calls,
    member_view,
    members_after,
    over_limit,
    plan_sharing,
    plan_status,
)

A, B, C = "a" * 32, "b" * 32, "c" * 32


def test_present_adds_only_missing():
    to_add, to_remove = plan_sharing({"i1": {A}, "i2": set()}, [A, B], "present")
    assert to_add == {"i1": {B}, "i2": {A, B}}
    assert to_remove == {}


def test_present_with_nothing_missing_is_empty():
    assert plan_sharing({"i1": {A, B, C}}, [A, B], "present") == ({}, {})


def test_exclusive_removes_others():
    to_add, to_remove = plan_sharing({"i1": {A, C}}, [A, B], "present", exclusive=True)
    assert to_add == {"i1": {B}}
    assert to_remove == {"i1": {C}}


def test_exclusive_with_empty_list_removes_everything():
    assert plan_sharing({"i1": {A, C}}, [], "present", exclusive=True) == ({}, {"i1": {A, C}})


def test_absent_removes_only_present_members():
    assert plan_sharing({"i1": {A}, "i2": {B}}, [A], "absent") == ({}, {"i1": {A}})


def test_absent_without_projects_removes_all():
    assert plan_sharing({"i1": {A, B}, "i2": set()}, None, "absent") == ({}, {"i1": {A, B}})


def test_batches_group_images_with_same_projects():
    calls = batch_calls({"i2": {A, B}, "i1": {B, A}, "i3": {C}})
    assert calls == [(["i1", "i2"], [A, B]), (["i3"], [C])]


def test_batches_of_nothing():
    assert batch_calls({}) == []


def test_members_after():
    after = members_after({"i1": {A, C}, "i2": set()}, {"i1": {B}, "i2": {A}}, {"i1": {C}})
    assert after == {"i1": [A, B], "i2": [A]}


def test_over_limit_uses_whole_image_limit():
    after = {"whole": ["%032x" % n for n in range(11)], "plain": ["%032x" % n for n in range(128)]}
    problems = over_limit([{"id": "whole", "__whole_image": "true"}, {"id": "plain"}], after)
    assert len(problems) == 1
    assert "whole" in problems[0] and "at most 10" in problems[0]
    assert over_limit([{"id": "plain"}], {"plain": ["x"] * 129})[0].endswith("at most 128 projects")


def test_plan_status():
    to_update, not_shared = plan_status({"i1": "pending", "i2": "accepted", "i3": None, "i4": "rejected"},
                                        "accepted")
    assert sorted(to_update) == ["i1", "i4"]
    assert not_shared == ["i3"]


def test_member_view_drops_schema():
    member = {"member_id": A, "status": "pending", "schema": "/v2/schemas/member", "image_id": "i1"}
    assert member_view(member) == {"member_id": A, "status": "pending", "image_id": "i1"}
