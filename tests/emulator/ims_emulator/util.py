"""Small helpers: ids, times, validation of names, descriptions, tags, OS versions."""
from __future__ import annotations

import datetime
import re
import uuid

from .errors import img

TIME_FMT = "%Y-%m-%dT%H:%M:%SZ"


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc)


def iso(ts=None):
    return (ts or utcnow()).strftime(TIME_FMT)


def iso_ms(ts=None):
    ts = ts or utcnow()
    return ts.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (ts.microsecond // 1000)


def parse_time(text):
    """Parse ``yyyy-MM-ddThh:mm:ssZ`` or ``yyyy-MM-dd hh:mm:ss`` (UTC)."""
    text = text.strip()
    for fmt in ("%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S.%fZ"):
        try:
            return datetime.datetime.strptime(text, fmt).replace(tzinfo=datetime.timezone.utc)
        except ValueError:
            continue
    raise ValueError(text)


def new_uuid():
    return str(uuid.uuid4())


def new_hex():
    return uuid.uuid4().hex


# ---------------------------------------------------------------- validation

_CJK = "\u4e00-\u9fa5"
# Reference 9.1: letters, digits, "-", ".", "_" and spaces (no Chinese characters, unlike tags).
NAME_RE = re.compile(r"^[A-Za-z0-9_\-. ]+$")
TAG_KEY_RE = re.compile("^[A-Za-z0-9" + _CJK + r"_\-]+$")
TAG_VALUE_RE = re.compile("^[A-Za-z0-9" + _CJK + r"_.\-]*$")
MAX_TAGS = 10


def validate_name(name, required=True):
    """Image name rules of the API reference (9.1)."""
    if name is None or name == "":
        if required:
            raise img("IMG.0013", "The image name is not specified.")
        return
    if not isinstance(name, str):
        raise img("IMG.0003", "The image name format is invalid.")
    if len(name) > 128:
        raise img("IMG.0002", "The image name contains more than 128 characters.")
    if name != name.strip(" ") or not NAME_RE.match(name):
        raise img("IMG.0003", "The image name format is invalid.")


def validate_description(desc):
    if desc is None:
        return
    if not isinstance(desc, str):
        raise img("IMG.0054", "The image description format is invalid.")
    if len(desc) > 1024:
        raise img("IMG.0004", "The description contains more than 1024 characters.")
    if any(c in desc for c in "<>\r\n"):
        raise img("IMG.0054", "The image description format is invalid.")


def validate_int(value, field, low=None, high=None, code="IMG.0055", required=False):
    if value is None:
        if required:
            raise img("IMG.0001", "The request message format is invalid: %s is required." % field)
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            value = int(value)
        else:
            raise img("IMG.0001", "The request message format is invalid: %s must be an integer." % field)
    if (low is not None and value < low) or (high is not None and value > high):
        raise img(code, "The memory or disk size is invalid: %s=%s." % (field, value))
    return value


def _check_tag(key, value):
    if not key or len(key) > 36 or not TAG_KEY_RE.match(key):
        raise img("IMG.0115", "The image tag is invalid: key %r." % key)
    if len(value) > 43 or not TAG_VALUE_RE.match(value):
        raise img("IMG.0115", "The image tag is invalid: value %r." % value)


def parse_ims_tags(body):
    """``tags`` ["key.value"] or ``image_tags`` [{key, value}] -> ["key=value"] (stored form)."""
    tags = body.get("tags")
    image_tags = body.get("image_tags")
    if tags and image_tags:
        raise img("IMG.0115", "The image tag is invalid: tags and image_tags cannot be used together.")
    result = {}
    if tags:
        if not isinstance(tags, list):
            raise img("IMG.0115", "The image tag is invalid: tags must be a list.")
        for tag in tags:
            if not isinstance(tag, str):
                raise img("IMG.0115", "The image tag is invalid.")
            key, _sep, value = tag.partition(".")
            _check_tag(key, value)
            result[key] = value
    if image_tags:
        if not isinstance(image_tags, list):
            raise img("IMG.0115", "The image tag is invalid: image_tags must be a list.")
        for tag in image_tags:
            if not isinstance(tag, dict):
                raise img("IMG.0115", "The image tag is invalid.")
            key = tag.get("key") or ""
            value = tag.get("value") or ""
            if not isinstance(key, str) or not isinstance(value, str):
                raise img("IMG.0115", "The image tag is invalid.")
            _check_tag(key, value)
            result[key] = value
    if len(result) > MAX_TAGS:
        raise img("IMG.0116", "The number of image tags exceeds the quota.")
    return ["%s=%s" % kv for kv in result.items()]


def check_glance_tag(tag):
    """OpenStack-native tag (reference 9.2): a plain string of 1-255 characters without "=" (key/value tags
    belong to the IMS tag API)."""
    if not isinstance(tag, str) or not 0 < len(tag) <= 255 or "=" in tag:
        raise img("IMG.0115", "The image tag is invalid: OpenStack tags are 1-255 characters without '=' (%r)." % (tag,))
    return tag


def tag_pairs(tags):
    """The stored ``tags`` strings as IMS tag API pairs: "k=v" -> (k, v), a plain Glance tag "k" -> (k, "")."""
    return [tuple(tag.split("=", 1)) if "=" in tag else (tag, "") for tag in tags]


# ---------------------------------------------------------------- OS versions

# Table 9-1 of the API reference (9.5), verbatim: nothing more, so invented versions are refused. The "Other"
# row holds the only two "Other" values the reference names: the documented default of 6.1.6 and the example of 5.1.9.
OS_VERSIONS = {
    "Windows": [
        "Windows 10 64bit", "Windows Server 2019 Standard 64bit", "Windows Server 2019 Datacenter 64bit",
        "Windows Server 2016 Standard 64bit", "Windows Server 2016 Datacenter 64bit",
        "Windows Server 2012 R2 Standard 64bit", "Windows Server 2012 Essentials R2 64bit",
        "Windows Server 2012 R2 Datacenter 64bit", "Windows Server 2012 Datacenter 64bit",
        "Windows Server 2012 Standard 64bit", "Windows Server 2008 R2 WEB 64bit",
        "Windows Server 2008 R2 Standard 64bit", "Windows Server 2008 R2 Enterprise 64bit",
        "Windows Server 2008 R2 Datacenter 64bit",
    ],
    "SUSE": [
        "SUSE Linux Enterprise Server 15 SP1 64bit", "SUSE Linux Enterprise Server 15 64bit",
        "SUSE Linux Enterprise Server 12 SP5 64bit", "SUSE Linux Enterprise Server 12 SP4 64bit",
        "SUSE Linux Enterprise Server 12 SP3 64bit", "SUSE Linux Enterprise Server 12 SP2 64bit",
        "SUSE Linux Enterprise Server 12 SP1 64bit", "SUSE Linux Enterprise Server 11 SP4 64bit",
        "SUSE Linux Enterprise Server 11 SP3 64bit", "SUSE Linux Enterprise Server 11 SP3 32bit",
    ],
    "Oracle Linux": ["Oracle Linux Server release %s 64bit" % v
                     for v in ("7.6", "7.5", "7.4", "7.3", "7.2", "7.1", "7.0", "6.10", "6.9", "6.8", "6.7", "6.5")],
    "Red Hat": ["Red Hat Linux Enterprise %s" % v for v in (
        "8.0 64bit", "7.6 64bit", "7.5 64bit", "7.4 64bit", "7.3 64bit", "7.2 64bit", "7.1 64bit", "7.0 64bit",
        "6.10 64bit", "6.9 64bit", "6.8 64bit", "6.7 64bit", "6.6 64bit", "6.6 32bit", "6.5 64bit", "6.4 64bit",
        "6.4 32bit")],
    "Ubuntu": ["Ubuntu %s" % v for v in (
        "19.04 server 64bit", "18.04.2 server 64bit", "18.04.1 server 64bit", "18.04 server 64bit",
        "16.04.6 server 64bit", "16.04.5 server 64bit", "16.04.4 server 64bit", "16.04.3 server 64bit",
        "16.04.2 server 64bit", "16.04 server 64bit", "14.04.5 server 64bit", "14.04.4 server 64bit",
        "14.04.4 server 32bit", "14.04.3 server 64bit", "14.04.3 server 32bit", "14.04.1 server 64bit",
        "14.04.1 server 32bit", "14.04 server 64bit", "14.04 server 32bit")],
    "OpenSUSE": ["openSUSE %s 64bit" % v for v in ("42.3", "42.2", "42.1", "15.0", "13.2", "11.3")],
    "CentOS": ["CentOS %s" % v for v in (
        "8.0 64bit", "7.7 64bit", "7.6 64bit", "7.5 64bit", "7.4 64bit", "7.3 64bit", "7.2 64bit", "7.1 64bit",
        "7.0 64bit", "7.0 32bit", "6.10 64bit", "6.10 32bit", "6.9 64bit", "6.8 64bit", "6.7 64bit", "6.7 32bit",
        "6.6 64bit", "6.6 32bit", "6.5 64bit", "6.5 32bit", "6.4 64bit", "6.4 32bit", "6.3 64bit", "6.3 32bit")],
    "Debian": ["Debian GNU/Linux %s 64bit" % v for v in (
        "10.0.0", "9.3.0", "9.0.0", "8.10.0", "8.8.0", "8.7.0", "8.6.0", "8.5.0", "8.4.0", "8.2.0", "8.1.0")],
    "Fedora": ["Fedora %d 64bit" % v for v in range(30, 21, -1)],
    "EulerOS": ["EulerOS 2.9 64bit", "EulerOS 2.5 64bit", "EulerOS 2.3 64bit", "EulerOS 2.2 64bit", "EulerOS 2.1 64bit"],
    "openEuler": ["openEuler 20.03 64bit"],
    "NeoKylin": ["NeoKylin 7.4 64bit", "NeoKylin Server release 5.0 U2 64bit",
                 "NeoKylin Linux Advanced Server release 7.0 U5 64bit"],
    "Other": ["Other Linux(64 bit)", "Other(32 bit)"],
}

DEFAULT_OS_VERSION = "Other Linux(64 bit)"


def os_info(os_version):
    """(platform, os_type, os_bit) of a known OS version, or None."""
    for platform, versions in OS_VERSIONS.items():
        if os_version in versions:
            if platform == "Windows" or "Windows" in os_version:
                os_type = "Windows"
            elif os_version.startswith("Other(") or os_version.startswith("Other "):
                os_type = "Linux" if "Linux" in os_version else "Other"
            else:
                os_type = "Linux"
            os_bit = "32" if "32" in os_version.rsplit(" ", 1)[-1] or "32 bit" in os_version else "64"
            return platform, os_type, os_bit
    return None


def validate_os_version(os_version, required=False, code="IMG.0056"):
    if os_version is None or os_version == "":
        if required:
            raise img(code, "The OS version is invalid: os_version is required.")
        return None
    if not isinstance(os_version, str) or os_info(os_version) is None:
        raise img("IMG.0056", "The OS version is invalid: %r." % (os_version,))
    return os_version


def os_version_list(tag=None):
    result = []
    for platform, versions in OS_VERSIONS.items():
        items = []
        for version in versions:
            _plat, os_type, os_bit = os_info(version)
            if tag == "uefi" and not any(word in version for word in ("CentOS 7", "CentOS 8", "Ubuntu", "EulerOS", "Windows Server 2019")):
                continue
            if tag == "bms" and platform in ("Other", "Fedora"):
                continue
            items.append({"platform": platform, "os_version_key": version, "os_version": version,
                          "os_bit": int(os_bit), "os_type": os_type})
        if items:
            result.append({"platform": platform, "version_list": items})
    return result


DISK_FORMATS = {
    "qcow2": "qcow2", "vhd": "vhd", "zvhd": "zvhd", "zvhd2": "zvhd2", "raw": "raw", "img": "raw", "vmdk": "vmdk",
    "vhdx": "vhdx", "qed": "qed", "vdi": "vdi", "qcow": "qcow", "iso": "iso",
}


def file_format(key):
    ext = key.rsplit(".", 1)[-1].lower() if "." in key else ""
    return DISK_FORMATS.get(ext)


GB = 1024 ** 3
