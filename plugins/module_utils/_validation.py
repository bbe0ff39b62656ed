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

try:
    from urllib.parse import urlsplit
except ImportError:  # pragma: no cover
    from urlparse import urlsplit  # type: ignore

NAME_MAX = 128
DESCRIPTION_MAX = 1024
TAG_KEY_MAX = 36
TAG_VALUE_MAX = 43
TAGS_MAX = 10

_CJK = u"\u4e00-\u9fa5"
# Characters outside each rule; re compiles (and caches) a pattern on first use, not in every task that imports
# this file (the CJK ranges take about a millisecond each to compile).
# Image names (9.1): upper- and lower-case letters, digits, -, ., _ and space; no Chinese, unlike descriptions.
_NAME_CHARS = u"[^A-Za-z0-9_\\-. ]"
_TAG_KEY_CHARS = u"[^A-Za-z0-9" + _CJK + u"_\\-]"
_TAG_VALUE_CHARS = u"[^A-Za-z0-9" + _CJK + u"_.\\-]"

NAME_RULE = ("1 to 128 characters: letters, digits, hyphens (-), underscores (_), "
             "dots (.) and spaces, not starting or ending with a space")


class Format(object):
    """One value format of the input contract: an anchored pattern, a length cap and the rule in words."""

    def __init__(self, pattern, max_length, rule, example=None):
        self.pattern = pattern
        self._regex = None
        self.max_length = max_length
        self.rule = rule
        self.example = example

    @property
    def regex(self):
        # Compiled on first use: a module run checks a few of these formats, and every run starts cold.
        if self._regex is None:
            self._regex = re.compile(self.pattern)
        return self._regex

    def matches(self, value):
        # fullmatch: "$" would accept a trailing newline.
        return isinstance(value, str) and len(value) <= self.max_length and self.regex.fullmatch(value) is not None


_REGION_PATTERN = r"[a-z]{2}(?:-[a-z0-9]+){1,3}"
_UUID_PATTERN = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"

# The input contract: every identifier-like option names one of these formats (OPTION_FORMATS below), the
# checks read them, and the module documentation quotes their rules.
FORMATS = {
    # Substituted into endpoint host names: nothing that could change the host, port or path.
    "region": Format(_REGION_PATTERN, 32, "a region id like cn-north-4", "cn-north-4"),
    # IAM project names: the region id, or region id, "_" and a sub-project name.
    "project_name": Format(_REGION_PATTERN + r"(?:_[A-Za-z0-9_-]{1,60})?", 96,
                           "a project name: a region id like cn-north-4, optionally followed by _<sub-project>"),
    "project_id": Format(r"[0-9a-fA-F]{32}", 32, "32 hexadecimal characters"),
    # An image owner filter: a project id, or "self" for the caller's own project.
    "image_owner": Format(r"self|[0-9a-fA-F]{32}", 32, "self or a project id (32 hexadecimal characters)"),
    "uuid": Format(_UUID_PATTERN, 36, "a UUID like 4ca46bf1-5c61-48ff-b4f3-0ad4e5e3ba86"),
    "job_id": Format(r"[0-9a-fA-F]{32}|" + _UUID_PATTERN, 36,
                     "a job id: 32 hexadecimal characters (or a UUID) as IMS returns it"),
    "enterprise_project_id": Format(r"0|" + _UUID_PATTERN, 36, "0 (the default enterprise project) or a UUID"),
    # IAM agency names: letters, digits, -, _ and ., at most 64 characters.
    "agency_name": Format(r"[A-Za-z0-9_.\-]{1,64}", 64,
                          "1 to 64 letters, digits, hyphens (-), underscores (_) and dots (.)"),
    # Values sent as HTTP headers: printable ASCII without white space (http.client would otherwise echo them in its error).
    "header": Format(r"[\x21-\x7e]+", 16384, "printable ASCII characters without white space"),
    # The endpoint domain (cloud option) goes into URL hosts: DNS labels only.
    "host": Format(r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}", 253,
                   "a domain name like myhuaweicloud.com", "myhuaweicloud.com"),
    # IAM account (domain) ids.
    "domain_id": Format(r"[0-9a-fA-F]{32}", 32, "32 hexadecimal characters"),
    # IAM user and account names go into a JSON body: no control characters.
    "iam_name": Format(r"[^\x00-\x1f\x7f]{1,64}", 64, "1 to 64 characters without control characters"),
}

# option -> format name, for options of every module (connection options) and module-specific ones.
OPTION_FORMATS = {
    "access_key": "header", "secret_key": "header", "security_token": "header", "project_id": "project_id",
    "region": "region", "user": "iam_name", "domain": "iam_name",
    "target_region": "region", "target_project_name": "project_name", "agency_name": "agency_name",
    "job_id": "job_id", "job_ids": "job_id", "projects": "project_id", "owner": "image_owner",
    "id": "uuid", "instance_id": "uuid", "vault_id": "uuid", "backup_id": "uuid", "volume_id": "uuid",
    "cmk_id": "uuid", "enterprise_project_id": "enterprise_project_id", "image_ids": "uuid",
    "cloud": "host", "domain_name": "iam_name", "domain_id": "domain_id", "profile": "iam_name",
}

# Options that are lists of values of their format.
LIST_OPTIONS = frozenset(["job_ids", "projects", "image_ids"])

# Secrets: a message about them names the option, never the value.
SECRET_OPTIONS = frozenset(["access_key", "secret_key", "security_token", "password"])

# Numbers with sane bounds (option -> (minimum, maximum, unit)).
NUMBER_BOUNDS = {
    "timeout": (1, 3600, "seconds"),
    "max_retries": (0, 20, ""),
    "wait_timeout": (0, 7 * 24 * 3600, "seconds"),
    # IAM securitytokens: 15 minutes to 24 hours.
    "duration": (900, 24 * 3600, "seconds"),
    "visibility_window": (0, 3600, "seconds"),
}

# Bounds on any other string option, so an over-long value is refused here and not by a 414 page.
STRING_MAX = 4096


def server_int(value):
    """A number a server sent, for comparison against a limit: an integer or a string of digits; None when
    absent. Anything else raises ValueError, so it is reported instead of being skipped as 0."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValueError(value)
    if isinstance(value, str) and not (value.isdigit() and value.isascii() and len(value) <= 20):
        raise ValueError(value)
    return int(value)


def check_format(value, option, format_name=None):
    """``value`` has the format the contract declares for ``option``; lists are checked item by item."""
    if value is None:
        return None
    fmt = FORMATS[format_name or OPTION_FORMATS[option]]
    items = value if isinstance(value, list) and option in LIST_OPTIONS else [value]
    for item in items:
        if fmt.matches(item):
            continue
        if option in SECRET_OPTIONS:
            return "%s is not valid: it must be %s (value not shown)" % (option, fmt.rule)
        return "%s must be %s, got %s" % (option, fmt.rule, _shown(item))
    return None


def _shown(value):
    """A value for an error message: repr, cut short."""
    text = repr(value)
    return text if len(text) <= 80 else "%s... (%d characters)" % (text[:60], len(value))


def check_endpoint(value, option):
    """An endpoint template: absolute http(s) URL with a host and a valid port, no user info, query or fragment;
    ``{region}`` only in host labels or in the path."""
    if value is None:
        return None
    rule = "an http(s) URL like https://ims.{region}.example.com with {region} only in the host or path"
    if not isinstance(value, str) or len(value) > 2048 or any(not 32 < ord(c) < 127 for c in value):
        return "%s must be %s, without spaces or control characters" % (option, rule)
    probe = value.replace("{region}", "regionprobe")
    try:
        parts = urlsplit(probe)
        port = parts.port
    except ValueError as error:
        return "%s is not a valid URL (%s): it must be %s" % (option, error, rule)
    if parts.scheme not in ("http", "https"):
        return "%s must be an http(s) URL, got %s" % (option, _shown(value))
    if not parts.hostname:
        return "%s must name a host: it must be %s" % (option, rule)
    if "@" in parts.netloc:
        return "%s must not contain user information (user@host)" % option
    if parts.query or parts.fragment or "?" in probe or "#" in probe:
        return "%s must not have a query or fragment" % option
    if "{" in probe or "}" in probe:
        return "%s may contain only the {region} placeholder" % option
    host = parts.hostname
    if not (re.fullmatch(r"[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?", host) or
            (parts.netloc.startswith("[") and ":" in host)):
        return "%s has an invalid host name %s" % (option, _shown(host))
    if port == 0:
        return "%s has port 0" % option
    # With user info refused and the port parsed, a probe left in the netloc can only be in the host name.
    return None


def check_number_bounds(params):
    """Every bounded number option present in ``params`` is an integer (not a boolean) within its bounds."""
    for option in sorted(NUMBER_BOUNDS):
        if option in params:
            low, high, unit = NUMBER_BOUNDS[option]
            error = check_int_range(params[option], option, low, high, unit=unit)
            if error:
                return error
    return None


def check_strings(params, spec, prefix=""):
    """No string option (at any depth of the spec) is longer than STRING_MAX or contains a NUL;
    no list has a null entry."""
    for option, value in sorted(params.items()):
        label = prefix + option
        if isinstance(value, str) and (len(value) > STRING_MAX or "\x00" in value):
            if option in SECRET_OPTIONS:
                return "%s is too long or contains a NUL character (value not shown)" % label
            return "%s is %d characters long or contains a NUL character; at most %d are allowed" % (
                label, len(value), STRING_MAX)
        if isinstance(value, list):
            if any(item is None for item in value):
                return "%s must not contain null entries" % label
            sub = (spec.get(option) or {}).get("options")
            for index, item in enumerate(value):
                if isinstance(item, str) and (len(item) > STRING_MAX or "\x00" in item):
                    return "%s[%d] is too long or contains a NUL character" % (label, index)
                if isinstance(item, dict) and sub:
                    error = check_strings(item, sub, "%s[%d]." % (label, index))
                    if error:
                        return error
        if isinstance(value, dict) and (spec.get(option) or {}).get("options"):
            error = check_strings(value, spec[option]["options"], label + ".")
            if error:
                return error
    return None


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
    bad = re.search(_NAME_CHARS, value)
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
        bad = re.search(_TAG_KEY_CHARS, key)
        if bad:
            return ("%s: tag key %r contains %r; keys may contain only letters, digits, Chinese characters, "
                    "underscores (_) and hyphens (-)" % (option, key, bad.group(0)))
        if isinstance(value, (dict, list)):
            return "%s: the value of tag %r must be a string, got a %s" % (option, key, type(value).__name__)
        text = tag_value_text(value)
        if len(text) > TAG_VALUE_MAX:
            return "%s: the value of tag %r is %d characters long; at most %d are allowed" % (
                option, key, len(text), TAG_VALUE_MAX)
        bad = re.search(_TAG_VALUE_CHARS, text)
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
    return check_format(value, option, "uuid")


def check_project_id(value, option="project_id"):
    """A project id: 32 hexadecimal characters."""
    if value is None:
        return None
    return check_format(value, option, "project_id")


def check_choice(value, option, choices):
    if value is None or value in choices:
        return None
    return "%s must be one of %s, got %r" % (option, ", ".join(choices), value)
