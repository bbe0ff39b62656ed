# -*- coding: utf-8 -*-
# Copyright: huaweicloud.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Input checks that run before any API call.

Every ``check_*`` function returns ``None`` when the value is acceptable and
otherwise a one-line message that starts with the option name, so modules can
``fail_json(msg=...)`` with it as is. ``None`` values (option not given) are
always acceptable; required-ness is the argument spec's job.

The rules follow the IMS API reference: image attributes (9.1), tag format
(9.2) and the per-operation parameter tables.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re

NAME_MAX = 128
DESCRIPTION_MAX = 1024
TAG_KEY_MAX = 36
TAG_VALUE_MAX = 43
TAGS_MAX = 10

_CJK = u"\u4e00-\u9fa5"
_NAME_CHARS = re.compile(u"[^A-Za-z0-9" + _CJK + u"_\\-. ]")
_TAG_KEY_CHARS = re.compile(u"[^A-Za-z0-9" + _CJK + u"_\\-]")
_TAG_VALUE_CHARS = re.compile(u"[^A-Za-z0-9" + _CJK + u"_.\\-]")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_HEX32 = re.compile(r"^[0-9a-fA-F]{32}$")

NAME_RULE = ("1 to 128 characters: letters, digits, Chinese characters, hyphens (-), underscores (_), "
             "dots (.) and spaces, not starting or ending with a space")


class ValidationError(ValueError):
    """Raised by ``raise_first`` with the first failing check's message."""


def first_error(*messages):
    """The first non-empty message, or None."""
    for message in messages:
        if message:
            return message
    return None


def raise_first(*messages):
    message = first_error(*messages)
    if message:
        raise ValidationError(message)


def check_name(value, option="name"):
    """Image name (API reference 9.1)."""
    if value is None:
        return None
    if not isinstance(value, str):
        return "%s must be a string" % option
    if value == "":
        return "%s must not be empty; use %s" % (option, NAME_RULE)
    if len(value) > NAME_MAX:
        return "%s is %d characters long; at most %d are allowed" % (option, len(value), NAME_MAX)
    bad = _NAME_CHARS.search(value)
    if bad:
        return "%s contains %r, which is not allowed; use %s" % (option, bad.group(0), NAME_RULE)
    if value != value.strip(" "):
        return "%s must not start or end with a space" % option
    return None


def check_description(value, option="description"):
    """Image description: at most 1024 characters, no ``<``, ``>`` or line breaks."""
    if value is None:
        return None
    if not isinstance(value, str):
        return "%s must be a string" % option
    if len(value) > DESCRIPTION_MAX:
        return "%s is %d characters long; at most %d are allowed" % (option, len(value), DESCRIPTION_MAX)
    for char, label in (("<", "'<'"), (">", "'>'"), ("\n", "a line break"), ("\r", "a carriage return")):
        if char in value:
            return "%s must not contain %s (IMS rejects <, > and line breaks)" % (option, label)
    return None


def tag_value_text(value):
    """A tag value as IMS stores it: None -> '', numbers and booleans -> text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def check_tags(tags, option="tags", max_tags=TAGS_MAX):
    """Tag dict (API reference 9.2): keys 1-36 of letters, digits, Chinese, ``_``, ``-``;
    values 0-43 of letters, digits, Chinese, ``_``, ``.``, ``-``."""
    if tags is None:
        return None
    if not isinstance(tags, dict):
        return "%s must be a dictionary of tag keys to values" % option
    if len(tags) > max_tags:
        return "%s has %d entries; an image can have at most %d tags" % (option, len(tags), max_tags)
    for key in sorted(tags, key=str):
        value = tags[key]
        if not isinstance(key, str) or key == "":
            return "%s: tag keys must be non-empty strings, got %r" % (option, key)
        if len(key) > TAG_KEY_MAX:
            return "%s: tag key %r is %d characters long; at most %d are allowed" % (
                option, key, len(key), TAG_KEY_MAX)
        bad = _TAG_KEY_CHARS.search(key)
        if bad:
            return ("%s: tag key %r contains %r; keys may contain only letters, digits, Chinese characters, "
                    "underscores (_) and hyphens (-)" % (option, key, bad.group(0)))
        if isinstance(value, (dict, list)):
            return "%s: the value of tag %r must be a string, got a %s" % (option, key, type(value).__name__)
        text = tag_value_text(value)
        if len(text) > TAG_VALUE_MAX:
            return "%s: the value of tag %r is %d characters long; at most %d are allowed" % (
                option, key, len(text), TAG_VALUE_MAX)
        bad = _TAG_VALUE_CHARS.search(text)
        if bad:
            return ("%s: the value of tag %r contains %r; values may contain only letters, digits, Chinese "
                    "characters, underscores (_), dots (.) and hyphens (-)" % (option, key, bad.group(0)))
    return None


def check_int_range(value, option, minimum=None, maximum=None, unit=""):
    """An integer within [minimum, maximum] (either bound optional)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        return "%s must be an integer, got %r" % (option, value)
    suffix = " %s" % unit if unit else ""
    if minimum is not None and maximum is not None and not minimum <= value <= maximum:
        return "%s must be between %d and %d%s, got %d" % (option, minimum, maximum, suffix, value)
    if minimum is not None and value < minimum:
        return "%s must be %d%s or more, got %d" % (option, minimum, suffix, value)
    if maximum is not None and value > maximum:
        return "%s must be %d%s or less, got %d" % (option, maximum, suffix, value)
    return None


def check_obs_url(value, option="image_url"):
    """An OBS object as ``<bucket>:<object>``, both parts non-empty."""
    if value is None:
        return None
    if not isinstance(value, str) or ":" not in value:
        return "%s must have the form <bucket>:<object>, got %r" % (option, value)
    bucket, dummy, key = value.partition(":")
    if not bucket.strip() or not key.strip():
        return "%s must have the form <bucket>:<object> with both parts non-empty, got %r" % (option, value)
    if bucket != bucket.strip() or any(c.isspace() for c in bucket):
        return "%s: the bucket name %r must not contain spaces" % (option, bucket)
    return None


def check_readable_file(value, option="filename"):
    """A local regular file this process can read."""
    if value is None:
        return None
    if not os.path.exists(value):
        return "%s: %s does not exist" % (option, value)
    if not os.path.isfile(value):
        return "%s: %s is not a regular file" % (option, value)
    if not os.access(value, os.R_OK):
        return "%s: %s is not readable" % (option, value)
    if os.path.getsize(value) == 0:
        return "%s: %s is empty" % (option, value)
    return None


def check_uuid(value, option="id"):
    """A resource id in the 8-4-4-4-12 hexadecimal UUID form."""
    if value is None:
        return None
    if not isinstance(value, str) or not _UUID.match(value):
        return "%s must be a UUID like 4ca46bf1-5c61-48ff-b4f3-0ad4e5e3ba86, got %r" % (option, value)
    return None


def check_project_id(value, option="project_id"):
    """A project id: 32 hexadecimal characters."""
    if value is None:
        return None
    if not isinstance(value, str) or not _HEX32.match(value):
        return "%s must be 32 hexadecimal characters, got %r" % (option, value)
    return None


def check_choice(value, option, choices):
    if value is None or value in choices:
        return None
    return "%s must be one of %s, got %r" % (option, ", ".join(choices), value)
