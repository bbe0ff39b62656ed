# -*- coding: utf-8 -*-
# Copyright: huaweicloud.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest
import yaml

from ansible_collections.huaweicloud.cloud.plugins.module_utils import _attributes as attributes
from ansible_collections.huaweicloud.cloud.plugins.modules import ims_image


def test_every_attribute_of_the_table_is_an_option_documented_with_its_values():
    documented = yaml.safe_load(ims_image.DOCUMENTATION)["options"]
    for option, attribute, values in attributes.ATTRIBUTES:
        assert ims_image.ARGUMENT_SPEC[option] == attributes.argument_spec()[option]
        doc = documented[option]
        if values in (attributes.BOOL, attributes.FLAG):
            assert doc["type"] == "bool"
        else:
            assert doc["choices"] == list(values)
        assert any(attribute in line for line in doc["description"]), option
    assert documented["properties"]["type"] == "dict"


@pytest.mark.parametrize("params, message", [
    (dict(support_kvm_gpu_type="V100", support_kvm=True), "support_kvm_gpu_type cannot be combined with support_kvm"),
    (dict(support_xen_gpu_type="M60_vGPU", support_xen=True), "support_xen_gpu_type cannot be combined"),
    (dict(properties={"__support_arm": "true"}), "properties: '__support_arm' is not a usable property name"),
    (dict(properties={"name": "x"}), "properties: 'name' is an IMS image attribute"),
    (dict(properties={"hw_firmware_type": "uefi"}), "'hw_firmware_type' is an IMS image attribute"),
    (dict(properties={"a b": "x"}), "'a b' is not a usable property name"),
    (dict(properties={"team\n": "x"}), "is not a usable property name"),
    (dict(properties={"owner-team": ["x"]}), "the value of 'owner-team' must be a string"),
    (dict(properties={"owner-team": "x" * 256}), "longer than 255 characters"),
])
def test_bad_attribute_options_are_refused_naming_the_option(params, message):
    assert message in attributes.check(params)


def test_values_are_compared_and_patched_as_ims_stores_them():
    params = dict(hw_firmware_type="uefi", support_kvm=True, support_xen=False, is_config_init=False,
                  properties={"build": 42})
    wanted = attributes.wanted(params)
    assert wanted == {"hw_firmware_type": "uefi", "__support_kvm": "true", "__support_xen": None,
                      "__is_config_init": "false", "build": "42"}
    image = {"hw_firmware_type": "bios", "__support_kvm": "true", "__support_xen": "true"}
    ops = attributes.patch_operations(image, attributes.current(image, wanted), wanted)
    assert ops == [{"op": "add", "path": "/__is_config_init", "value": "false"},
                   {"op": "remove", "path": "/__support_xen"},
                   {"op": "add", "path": "/build", "value": "42"},
                   {"op": "replace", "path": "/hw_firmware_type", "value": "uefi"}]
    del image["__support_xen"]
    image.update({"hw_firmware_type": "uefi", "__is_config_init": "false", "build": "42"})
    assert attributes.patch_operations(image, attributes.current(image, wanted), wanted) == []
