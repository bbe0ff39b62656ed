# -*- coding: utf-8 -*-
# Copyright: huaweicloud.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""RETURN sections agree with themselves and with each other across the modules."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ast
import glob
import os

import pytest
import yaml

MODULES_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "..", "plugins", "modules")
TYPES = {"str": str, "int": int, "bool": bool, "float": float, "list": list, "dict": dict}
# The same image record (normalize_image) under three names.
IMAGE_VALUES = (("ims_image", "image", False), ("ims_image_copy", "image", False), ("ims_image_info", "images", True))
IMAGE_PHRASE = ("with the C(__) and C(_) prefixes dropped from attribute names (C(__os_version) becomes "
                "C(os_version)) and C(tags) as a dictionary")
# Names that mean different things in different modules, on purpose: ims_image_member echoes its option
# `images` (the resolved ids), ims_image_info lists image records.
SAME_NAME_DIFFERENT_TYPE = {"images"}


def _returns():
    docs = {}
    for path in sorted(glob.glob(os.path.join(MODULES_DIR, "*.py"))):
        with open(path) as handle:
            tree = ast.parse(handle.read())
        for node in tree.body:
            if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "RETURN":
                docs[os.path.basename(path)[:-3]] = yaml.safe_load(node.value.value)
    return docs


RETURNS = _returns()


def _values(docs):
    for name, spec in docs.items():
        yield name, spec
        for sub_name, sub_spec in _values(spec.get("contains") or {}):
            yield name + "." + sub_name, sub_spec


@pytest.mark.parametrize("module", sorted(RETURNS))
def test_samples_match_declared_types(module):
    for name, spec in _values(RETURNS[module]):
        for key in ("description", "returned", "type", "sample"):
            assert key in spec, "%s: %s has no %s" % (module, name, key)
        sample = spec["sample"]
        assert isinstance(sample, TYPES[spec["type"]]), "%s: sample of %s is not a %s" % (module, name, spec["type"])
        if spec["type"] == "list":
            assert "elements" in spec and sample, "%s: %s needs elements and a non-empty sample" % (module, name)
            assert all(isinstance(item, TYPES[spec["elements"]]) for item in sample), (module, name)


def test_same_name_same_type_across_modules():
    seen = {}
    for module, docs in sorted(RETURNS.items()):
        for name, spec in docs.items():
            if name in SAME_NAME_DIFFERENT_TYPE:
                continue
            kind = (spec["type"], spec.get("elements"))
            first = seen.setdefault(name, (module, kind))
            assert first[1] == kind, "%s is %s in %s but %s in %s" % (name, kind, module, first[1], first[0])


def test_image_records_are_documented_alike():
    samples = []
    for module, name, is_list in IMAGE_VALUES:
        spec = RETURNS[module][name]
        description = " ".join(" ".join(spec["description"]).split())
        assert IMAGE_PHRASE in description, module
        sample = spec["sample"][0] if is_list else spec["sample"]
        samples.append((module, dict((k, v) for k, v in sample.items() if k != "members")))
    reference_module, reference = samples[0]
    for module, sample in samples[1:]:
        assert sorted(sample) == sorted(reference), "%s and %s document different image keys" % (
            module, reference_module)
        for key, value in sample.items():
            assert type(value) is type(reference[key]), "%s.%s" % (module, key)  # noqa: E721  pylint: disable=unidiomatic-typecheck
