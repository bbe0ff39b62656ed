# -*- coding: utf-8 -*-
# Copyright: huaweicloud.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest

from ansible_collections.huaweicloud.cloud.plugins.module_utils import _validation as v

NAME_RULE = v.NAME_RULE

CASES = [
    # (function, args, expected message or None)
    # name (9.1)
    (v.check_name, ("web-01",), None),
    (v.check_name, (None,), None),
    (v.check_name, (u"Image v1.2_x",), None),
    (v.check_name, (u"镜像",), u"name contains '镜', which is not allowed; use " + NAME_RULE),
    (v.check_name, ("a" * 128,), None),
    (v.check_name, ("a" * 129,), "name is 129 characters long; at most 128 are allowed"),
    (v.check_name, ("",), "name must not be empty; use " + NAME_RULE),
    (v.check_name, ("bad<name",), "name contains '<', which is not allowed; use " + NAME_RULE),
    (v.check_name, ("a/b",), "name contains '/', which is not allowed; use " + NAME_RULE),
    (v.check_name, (" lead",), "name must not start or end with a space"),
    (v.check_name, ("trail ",), "name must not start or end with a space"),
    (v.check_name, ("x\ty",), "name contains '\\t', which is not allowed; use " + NAME_RULE),
    (v.check_name, ("ok", "data_images[0].name"), None),
    (v.check_name, ("no!", "data_images[0].name"),
     "data_images[0].name contains '!', which is not allowed; use " + NAME_RULE),
    (v.check_name, (5,), "name must be a string"),
    # description
    (v.check_description, ("",), None),
    (v.check_description, (None,), None),
    (v.check_description, (u"说明 with (parens), commas & more",), None),
    (v.check_description, ("d" * 1024,), None),
    (v.check_description, ("d" * 1025,), "description is 1025 characters long; at most 1024 are allowed"),
    (v.check_description, ("a<b",), "description must not contain '<' (IMS rejects <, > and line breaks)"),
    (v.check_description, ("a>b",), "description must not contain '>' (IMS rejects <, > and line breaks)"),
    (v.check_description, ("a\nb",), "description must not contain a line break (IMS rejects <, > and line breaks)"),
    (v.check_description, ("a\rb",),
     "description must not contain a carriage return (IMS rejects <, > and line breaks)"),
    # tags (9.2)
    (v.check_tags, (None,), None),
    (v.check_tags, ({},), None),
    (v.check_tags, ({"env": "prod", u"团队": "web-1.2_x", "empty": ""},), None),
    (v.check_tags, ({"n": 5, "b": True, "none": None},), None),
    (v.check_tags, ({"k" * 36: "v" * 43},), None),
    (v.check_tags, (["a"],), "tags must be a dictionary of tag keys to values"),
    (v.check_tags, (dict(("k%d" % i, "") for i in range(11)),),
     "tags has 11 entries; an image can have at most 10 tags"),
    (v.check_tags, ({"": "x"},), "tags: tag keys must be non-empty strings, got ''"),
    (v.check_tags, ({"k" * 37: "x"},), "tags: tag key '%s' is 37 characters long; at most 36 are allowed" % ("k" * 37)),
    (v.check_tags, ({"a.b": "x"},),
     "tags: tag key 'a.b' contains '.'; keys may contain only letters, digits, Chinese characters, "
     "underscores (_) and hyphens (-)"),
    (v.check_tags, ({"k": "v" * 44},), "tags: the value of tag 'k' is 44 characters long; at most 43 are allowed"),
    (v.check_tags, ({"k": "a b"},),
     "tags: the value of tag 'k' contains ' '; values may contain only letters, digits, Chinese characters, "
     "underscores (_), dots (.) and hyphens (-)"),
    (v.check_tags, ({"k": ["x"]},), "tags: the value of tag 'k' must be a string, got a list"),
    (v.check_tags, ({"k": "a=b"}, "data_images[1].tags"),
     "data_images[1].tags: the value of tag 'k' contains '='; values may contain only letters, digits, Chinese "
     "characters, underscores (_), dots (.) and hyphens (-)"),
    # integers
    (v.check_int_range, (None, "min_ram", 0), None),
    (v.check_int_range, (0, "min_ram", 0), None),
    (v.check_int_range, (-1, "min_ram", 0, None, "MB"), "min_ram must be 0 MB or more, got -1"),
    (v.check_int_range, (39, "min_disk", 40, 255, "GB"), "min_disk must be between 40 and 255 GB, got 39"),
    (v.check_int_range, (256, "min_disk", 40, 255, "GB"), "min_disk must be between 40 and 255 GB, got 256"),
    (v.check_int_range, (40, "min_disk", 40, 255, "GB"), None),
    (v.check_int_range, (255, "min_disk", 40, 255, "GB"), None),
    (v.check_int_range, (11, "x", None, 10), "x must be 10 or less, got 11"),
    (v.check_int_range, (True, "x", 0), "x must be an integer, got True"),
    # OBS urls
    (v.check_obs_url, ("bucket:path/to/file.qcow2",), None),
    (v.check_obs_url, ("bucket:a:b",), None),
    (v.check_obs_url, (None,), None),
    (v.check_obs_url, ("bucket",), "image_url must have the form <bucket>:<object>, got 'bucket'"),
    (v.check_obs_url, (":obj",), "image_url must have the form <bucket>:<object> with both parts non-empty, got ':obj'"),
    (v.check_obs_url, ("bucket:",),
     "image_url must have the form <bucket>:<object> with both parts non-empty, got 'bucket:'"),
    (v.check_obs_url, ("my bucket:x",), "image_url: the bucket name 'my bucket' must not contain spaces"),
    # ids
    (v.check_uuid, ("4ca46bf1-5c61-48ff-b4f3-0ad4e5e3ba86",), None),
    (v.check_uuid, (None,), None),
    (v.check_uuid, ("4ca46bf1",),
     "id must be a UUID like 4ca46bf1-5c61-48ff-b4f3-0ad4e5e3ba86, got '4ca46bf1'"),
    (v.check_uuid, ("4ca46bf1-5c61-48ff-b4f3-0ad4e5e3ba8g", "instance_id"),
     "instance_id must be a UUID like 4ca46bf1-5c61-48ff-b4f3-0ad4e5e3ba86, got '4ca46bf1-5c61-48ff-b4f3-0ad4e5e3ba8g'"),
    (v.check_project_id, ("0b1e494e2660441a957313163095fe5c",), None),
    (v.check_project_id, ("0b1e494e",), "project_id must be 32 hexadecimal characters, got '0b1e494e'"),
    (v.check_choice, ("x86", "architecture", ("x86", "arm")), None),
    (v.check_choice, ("mips", "architecture", ("x86", "arm")), "architecture must be one of x86, arm, got 'mips'"),
]


@pytest.mark.parametrize("function, args, expected", CASES,
                         ids=["%s-%d" % (case[0].__name__, index) for index, case in enumerate(CASES)])
def test_rule(function, args, expected):
    assert function(*args) == expected


def test_readable_file(tmp_path):
    good = tmp_path / "disk.qcow2"
    good.write_bytes(b"QFI\xfb")
    empty = tmp_path / "empty.qcow2"
    empty.write_bytes(b"")
    assert v.check_readable_file(str(good)) is None
    assert v.check_readable_file(None) is None
    assert v.check_readable_file(str(tmp_path / "nope")) == "filename: %s does not exist" % (tmp_path / "nope")
    assert v.check_readable_file(str(tmp_path)) == "filename: %s is not a regular file" % tmp_path
    assert v.check_readable_file(str(empty)) == "filename: %s is empty" % empty


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads everything")
def test_unreadable_file(tmp_path):
    locked = tmp_path / "locked.qcow2"
    locked.write_bytes(b"x")
    locked.chmod(0)
    assert v.check_readable_file(str(locked)) == "filename: %s is not readable" % locked


def test_first_error_and_raise_first():
    assert v.first_error(None, "", "b", "c") == "b"
    assert v.first_error(None) is None
    v.raise_first(None, None)
    with pytest.raises(v.ValidationError) as info:
        v.raise_first(None, v.check_name("a<b"))
    assert str(info.value).startswith("name contains '<'")


def test_tag_value_text():
    assert v.tag_value_text(None) == ""
    assert v.tag_value_text(True) == "true"
    assert v.tag_value_text(3) == "3"
    assert v.tag_value_text("x") == "x"
