# -*- coding: utf-8 -*-
# Copyright: huaweicloud.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.huaweicloud.cloud.plugins.module_utils._lookup import (
    ImageNotFoundError,
    looks_like_image_id,
    resolve_image,
    resolve_images,
    resolve_shared_image_id,
)

ID1 = "4f1e1c6e-2d2a-4f59-9f0e-7d3a9c1b5a10"
ID2 = "0c5d8e2a-9b7f-4e6d-8a1c-3f2e4d5c6b7a"
OWN = "6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d"


class FakeClient(object):
    region = "cn-north-4"


class FakeApi(object):
    """The ImsApi methods the lookups use, over a fixed list of images."""

    def __init__(self, images):
        self.images = images
        self.client = FakeClient()
        self.project_id = OWN
        self.queries = []

    def get_image(self, image_id):
        return next((i for i in self.images if i["id"] == image_id), None)

    def find_images(self, name, owned=True):
        return [i for i in self.images if i["name"] == name and (not owned or i["owner"] == OWN)]

    def list_images(self, filters):
        self.queries.append(filters)
        return [i for i in self.images if i["name"] == filters["name"]
                and i.get("member_status") == filters["member_status"]]


def test_looks_like_image_id():
    assert looks_like_image_id(ID1)
    assert not looks_like_image_id("web-golden")
    assert not looks_like_image_id("")
    assert not looks_like_image_id(None)


def test_resolve_by_id_and_name():
    api = FakeApi([{"id": ID1, "name": "web", "owner": OWN}, {"id": ID2, "name": "db", "owner": "x" * 32}])
    assert resolve_image(api, ID2)["name"] == "db"
    assert resolve_image(api, "web")["id"] == ID1


def test_name_of_someone_elses_image_is_not_found_when_owned():
    api = FakeApi([{"id": ID2, "name": "db", "owner": "x" * 32}])
    with pytest.raises(ImageNotFoundError, match="no own image named 'db'"):
        resolve_image(api, "db")
    assert resolve_image(api, "db", owned=False)["id"] == ID2


def test_missing_id_and_ambiguous_name():
    api = FakeApi([{"id": ID1, "name": "web", "owner": OWN}, {"id": ID2, "name": "web", "owner": OWN}])
    with pytest.raises(ImageNotFoundError, match="no image with id"):
        resolve_image(api, "11111111-2222-3333-4444-555555555555")
    with pytest.raises(ImageNotFoundError, match="2 images are named 'web'.*use the image id"):
        resolve_image(api, "web")


def test_resolve_images_drops_duplicates():
    api = FakeApi([{"id": ID1, "name": "web", "owner": OWN}])
    assert [i["id"] for i in resolve_images(api, ["web", ID1])] == [ID1]


def test_shared_image_by_name_in_any_status():
    api = FakeApi([{"id": ID2, "name": "gift", "owner": "x" * 32, "member_status": "rejected"}])
    assert resolve_shared_image_id(api, "gift") == ID2
    assert sorted(q["member_status"] for q in api.queries) == ["accepted", "pending", "rejected"]
    assert resolve_shared_image_id(api, ID1) == ID1  # ids are taken as they are
    with pytest.raises(ImageNotFoundError, match="no image named 'other' is shared with project"):
        resolve_shared_image_id(api, "other")
