# -*- coding: utf-8 -*-
# Copyright: huaweicloud.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The image sources table: every row is selected by its options, refuses the creation options it does not take
(naming them) and asks for what it requires, and calls an ImsApi method that exists."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.huaweicloud.cloud.plugins.module_utils import _sources as sources
from ansible_collections.huaweicloud.cloud.plugins.module_utils._ims import ImsApi
from ansible_collections.huaweicloud.cloud.plugins.module_utils._waiter import WAIT_TIMEOUTS
from ansible_collections.huaweicloud.cloud.plugins.modules import ims_image

UUID = "4ca46bf1-5c61-48ff-b4f3-0ad4e5e3ba86"
OS = "CentOS 7.6 64bit"

# kind -> the smallest valid options that select it.
MINIMAL = {
    "whole_instance": dict(instance_id=UUID, vault_id=UUID),
    "instance": dict(instance_id=UUID),
    "whole_backup": dict(backup_id=UUID),
    "volume_data": dict(volume_id=UUID, image_type="DataImage"),
    "volume": dict(volume_id=UUID, os_version=OS),
    "upload": dict(filename=None),  # filled with a real file by the fixture
    "register": dict(image_url="b:o.vmdk", register=True),
    "quick_import_data": dict(image_url="b:o.raw", quick_import=True, image_type="DataImage", min_disk=1),
    "quick_import": dict(image_url="b:o.zvhd2", quick_import=True, os_version=OS, min_disk=1),
    "obs_data": dict(image_url="b:d.qcow2", image_type="DataImage", min_disk=40),
    "obs": dict(image_url="b:o.qcow2", min_disk=40),
}

# A value of every creation option, to show it refused by the rows that do not take it.
OPTION_VALUES = dict(vault_id=UUID, register=True, quick_import=True, disk_format="qcow2", os_version=OS,
                     os_type="Linux", architecture="x86", min_disk=40, is_config=True, cmk_id=UUID,
                     data_images=[dict(name="d", image_url="b:d2", min_disk=1)], image_type="ECS")

# option -> (the source option it needs, the message without it).
RECOGNITION = {
    "vault_id": ("instance_id", "vault_id is only used with instance_id (to create a full-ECS image)"),
    "register": ("image_url", "register=true needs image_url, the OBS file to register"),
    "quick_import": ("image_url", "quick_import=true needs image_url, the OBS file to import"),
}

# kind -> (options changed from MINIMAL, the message) for each requirement of the row.
REQUIREMENTS = {
    "volume": [(dict(os_version=None), "os_version is required to create a system disk image from volume_id"),
               (dict(image_type="IsoImage"), "image_type=IsoImage is only used with image_url")],
    "upload": [(dict(min_disk=30), "min_disk must be between 40 and 255 GB, got 30")],
    "register": [(dict(min_disk=256), "min_disk must be between 40 and 255 GB, got 256")],
    "quick_import_data": [(dict(os_type="Other"), "os_type must be Linux or Windows for a data disk image, got Other"),
                          (dict(min_disk=None), "min_disk is required to create an image from image_url"),
                          (dict(min_disk=1025), "min_disk must be between 1 and 1024 GB, got 1025")],
    "quick_import": [(dict(os_version=None), "os_version is required with quick_import=true for a system disk image"),
                     (dict(image_type="FusionCompute"),
                      "image_type must be ECS or BMS (or DataImage) with quick_import=true, got FusionCompute"),
                     (dict(min_disk=None), "min_disk is required to create an image from image_url"),
                     (dict(min_disk=0), "min_disk must be between 1 and 1024 GB, got 0")],
    "obs_data": [(dict(os_type="Other"), "os_type must be Linux or Windows for a data disk image, got Other"),
                 (dict(min_disk=None), "min_disk is required to create an image from image_url"),
                 (dict(min_disk=2049), "min_disk must be between 40 and 2048 GB, got 2049")],
    "obs": [(dict(image_type="IsoImage"), "os_version is required to create an image from an ISO file"),
            (dict(os_type="Windows"),
             "os_version is required with os_type=Windows (the OS table has no generic Windows version)"),
            (dict(min_disk=None), "min_disk is required to create an image from image_url"),
            (dict(min_disk=39), "min_disk must be between 40 and 255 GB, got 39")],
}


def params(**overrides):
    p = dict((name, spec.get("default")) for name, spec in ims_image.ARGUMENT_SPEC.items())
    p.update(name="web", wait=True, wait_timeout=60, visibility_window=0)
    p.update(overrides)
    if p.get("data_images"):
        p["data_images"] = [dict(dict((k, s.get("default")) for k, s in ims_image.DATA_IMAGE_OPTIONS.items()),
                                 **item) for item in p["data_images"]]
    return p


@pytest.fixture
def minimal(tmp_path):
    disk = tmp_path / "disk.qcow2"
    disk.write_bytes(b"QFI\xfb")
    table = dict(MINIMAL)
    table["upload"] = dict(filename=str(disk))
    return table


def test_every_row_is_covered_here():
    kinds = [source.kind for source in sources.SOURCES]
    assert len(set(kinds)) == len(kinds)
    assert sorted(kinds) == sorted(MINIMAL)


@pytest.mark.parametrize("kind", sorted(MINIMAL))
def test_row_is_selected_and_valid(minimal, kind):
    p = params(**minimal[kind])
    assert sources.source_of(p).kind == kind
    assert sources.check(p) is None


@pytest.mark.parametrize("kind", sorted(MINIMAL))
def test_row_calls_an_ims_api_method(minimal, kind):
    source = next(s for s in sources.SOURCES if s.kind == kind)
    assert callable(getattr(ImsApi, source.call))
    assert source.fill is None or callable(getattr(ImsApi, source.fill))
    assert source.metadata == (source.fill is not None)
    assert source.waits in (sources.JOB, sources.IMAGE)
    assert source.operation in WAIT_TIMEOUTS
    body = source.body(params(**minimal[kind]))
    assert body.get("name", body.get("data_images", [{}])[0].get("name")) == "web"


@pytest.mark.parametrize("kind, option", [
    (source.kind, option) for source in sources.SOURCES for option in sources.CREATION_OPTIONS
    if option not in source.options])
def test_row_refuses_options_it_does_not_take(minimal, kind, option):
    overrides = dict(minimal[kind])
    overrides[option] = OPTION_VALUES[option]
    p = params(**overrides)
    source = next(s for s in sources.SOURCES if s.kind == kind)
    if sources.source_of(p) is not source:
        pytest.skip("%s=%r selects another source" % (option, OPTION_VALUES[option]))
    message = sources.check(p)
    if option in RECOGNITION and not p.get(RECOGNITION[option][0]):
        # Options that only make sense with another source option are refused before any row, still by name.
        assert message == RECOGNITION[option][1]
    else:
        assert message == "%s cannot be used when creating an image from %s" % (option, source.label)


@pytest.mark.parametrize("kind, change, message", [
    (kind, change, message) for kind, rows in sorted(REQUIREMENTS.items()) for change, message in rows])
def test_row_requirements_name_the_option(minimal, kind, change, message):
    overrides = dict(minimal[kind])
    overrides.update(change)
    p = params(**overrides)
    assert sources.source_of(p).kind == kind
    assert sources.check(p) == message


def test_no_source_refuses_creation_options():
    assert sources.check(params(os_version=OS)) == (
        "os_version is only used when creating an image; give a source (instance_id, volume_id, image_url, "
        "backup_id, filename) too")
    assert sources.source_of(params()) is None
    assert sources.check(params()) is None
