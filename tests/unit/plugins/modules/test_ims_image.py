# -*- coding: utf-8 -*-
# Copyright: huaweicloud.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.huaweicloud.cloud.plugins.module_utils._errors import (
    AmbiguousRequestError,
    HuaweiCloudError,
)
from ansible_collections.huaweicloud.cloud.plugins.module_utils import _sources as sources
from ansible_collections.huaweicloud.cloud.plugins.module_utils._validation import NAME_RULE
from ansible_collections.huaweicloud.cloud.plugins.module_utils._waiter import JobWaiter
from ansible_collections.huaweicloud.cloud.plugins.modules import ims_image

IMAGE_ID = "4ca46bf1-5c61-48ff-b4f3-0ad4e5e3ba86"
INSTANCE_ID = "877a2cda-ba63-4e1e-b95f-e67e48b6129a"
VOLUME_ID = "c5dfbd0c-bf0a-4798-a453-61dc6b54aa30"
VAULT_ID = "de9fcf45-11b2-432c-8562-5c5428574600"
PROJECT = "0b1e494e2660441a957313163095fe5c"


def params(**overrides):
    """Module parameters as AnsibleModule would fill them (defaults included)."""
    p = dict((name, spec.get("default")) for name, spec in ims_image.ARGUMENT_SPEC.items())
    p.update(wait=True, wait_timeout=60, visibility_window=0)
    p.update(overrides)
    return p


# validate_params ----------------------------------------------------------------

VALID = [
    dict(name="web", image_url="b:o.qcow2", min_disk=40),
    dict(name="web", image_url="b:o.iso", min_disk=40, image_type="IsoImage", os_version="CentOS 7.6 64bit"),
    dict(name="web", image_url="b:o.zvhd2", quick_import=True, os_version="CentOS 7.6 64bit", min_disk=1,
         architecture="arm"),
    dict(name="web", image_url="b:o.zvhd2", quick_import=True, image_type="DataImage", min_disk=1024, os_type="Linux"),
    dict(name="web", image_url="b:d.qcow2", image_type="DataImage", min_disk=2048),
    dict(name="web", image_url="b:o.vmdk", register=True),
    dict(name="web", instance_id=INSTANCE_ID),
    dict(name="web", instance_id=INSTANCE_ID, vault_id=VAULT_ID),
    dict(name="web", backup_id=VAULT_ID),
    dict(name="web", volume_id=VOLUME_ID, os_version="CentOS 7.6 64bit"),
    dict(name="web", volume_id=VOLUME_ID, image_type="DataImage"),
    dict(name="web", image_url="b:o", min_disk=40,
         data_images=[dict(name="d1", image_url="b:d", min_disk=10, quick_import=False, tags={"a": "b"})]),
    dict(name="web", description="only update", tags={"a": "b"}, min_ram=0, max_ram=4096),
    dict(id=IMAGE_ID, name="renamed"),
    dict(id=IMAGE_ID, state="absent"),
    dict(name="web", state="absent", image_url="not validated when absent"),
    dict(name="web", instance_id=INSTANCE_ID, enterprise_project_id="0"),
]


@pytest.mark.parametrize("overrides", VALID)
def test_valid_parameters(overrides):
    data_images = overrides.get("data_images")
    if data_images:
        overrides["data_images"] = [dict(dict((k, s.get("default")) for k, s in ims_image.DATA_IMAGE_OPTIONS.items()),
                                         **item) for item in data_images]
    assert ims_image.validate_params(params(**overrides)) is None


INVALID = [
    (dict(name="a<b", image_url="b:o", min_disk=40), "name contains '<', which is not allowed; use " + NAME_RULE),
    (dict(), "one of id or name is required to identify the image"),
    (dict(id="not-a-uuid"), "id must be a UUID like 4ca46bf1-5c61-48ff-b4f3-0ad4e5e3ba86, got 'not-a-uuid'"),
    (dict(name="x", description="a\nb"),
     "description must not contain a line break (IMS rejects <, > and line breaks)"),
    (dict(name="x", tags={"a b": "c"}),
     "tags: tag key 'a b' contains ' '; keys may contain only letters, digits, Chinese characters, underscores (_) "
     "and hyphens (-)"),
    (dict(name="x", min_ram=-1), "min_ram must be 0 MB or more, got -1"),
    (dict(name="x", min_ram=4096, max_ram=1024), "max_ram (1024 MB) must not be less than min_ram (4096 MB)"),
    (dict(name="x", instance_id=INSTANCE_ID, volume_id=VOLUME_ID),
     "instance_id, volume_id are mutually exclusive: give one source to create the image from"),
    (dict(name="x", vault_id=VAULT_ID), "vault_id is only used with instance_id (to create a full-ECS image)"),
    (dict(name="x", register=True), "register=true needs image_url, the OBS file to register"),
    (dict(name="x", quick_import=True), "quick_import=true needs image_url, the OBS file to import"),
    (dict(name="x", min_disk=40),
     "min_disk is only used when creating an image; give a source (instance_id, volume_id, image_url, backup_id, "
     "filename) too"),
    (dict(id=IMAGE_ID, instance_id=INSTANCE_ID), "name is required to create an image"),
    (dict(name="x", instance_id="i-123"),
     "instance_id must be a UUID like 4ca46bf1-5c61-48ff-b4f3-0ad4e5e3ba86, got 'i-123'"),
    (dict(name="x", instance_id=INSTANCE_ID, min_disk=40),
     "min_disk cannot be used when creating an image from instance_id"),
    (dict(name="x", instance_id=INSTANCE_ID, os_version="CentOS 7.6 64bit"),
     "os_version cannot be used when creating an image from instance_id"),
    (dict(name="x", image_url="bucket", min_disk=40), "image_url must have the form <bucket>:<object>, got 'bucket'"),
    (dict(name="x", image_url="b:o"), "min_disk is required to create an image from image_url"),
    (dict(name="x", image_url="b:o", min_disk=30), "min_disk must be between 40 and 255 GB, got 30"),
    (dict(name="x", image_url="b:o", min_disk=1025, quick_import=True, os_version="CentOS 7.6 64bit"),
     "min_disk must be between 1 and 1024 GB, got 1025"),
    (dict(name="x", image_url="b:o", min_disk=40, quick_import=True),
     "os_version is required with quick_import=true for a system disk image"),
    (dict(name="x", image_url="b:o.iso", min_disk=40, image_type="IsoImage"),
     "os_version is required to create an image from an ISO file"),
    (dict(name="x", volume_id=VOLUME_ID), "os_version is required to create a system disk image from volume_id"),
    (dict(name="x", volume_id=VOLUME_ID, os_version="CentOS 7.6 64bit", architecture="arm"),
     "architecture cannot be used when creating an image from volume_id"),
    (dict(name="x", image_url="b:o", register=True, is_config=True),
     "is_config cannot be used when creating an image from image_url with register=true"),
    (dict(name="x", filename="/nonexistent/disk.qcow2"), "filename: /nonexistent/disk.qcow2 does not exist"),
    (dict(name="x", image_url="b:o", min_disk=40, os_type="Windows"),
     "os_version is required with os_type=Windows (the OS table has no generic Windows version)"),
    (dict(name="x", image_url="b:o", min_disk=40, image_type="DataImage", os_type="Other"),
     "os_type must be Linux or Windows for a data disk image, got Other"),
    (dict(name="x", instance_id=INSTANCE_ID, enterprise_project_id="eps"),
     "enterprise_project_id must be 0 (the default project) or a UUID, got 'eps'"),
    (dict(name="x", instance_id=INSTANCE_ID, data_images=[dict(name="d", image_url="b:d", min_disk=1)]),
     "data_images cannot be used when creating an image from instance_id"),
    (dict(name="x", image_url="b:o", min_disk=40, data_images=[dict(name="x", image_url="b:d", min_disk=1)]),
     "data_images[0].name 'x' is used twice; every image created needs its own name"),
    (dict(name="x", image_url="b:o", min_disk=40, data_images=[dict(name="d", image_url="b:o", min_disk=1)]),
     "data_images[0].image_url is the same file as image_url; every image needs its own file"),
    (dict(name="x", image_url="b:o", min_disk=40, data_images=[dict(name="d", image_url="b:d", min_disk=0)]),
     "data_images[0].min_disk must be between 1 and 2048 GB, got 0"),
    (dict(name="x", image_url="b:o", min_disk=40,
          data_images=[dict(name="d%d" % i, image_url="b:d", min_disk=1) for i in range(4)]),
     "data_images: an image file in OBS can bring at most 3 data disk images, got 4"),
    (dict(name="x", image_url="b:o", min_disk=40, data_images=[dict(name="d<", image_url="b:d", min_disk=1)]),
     "data_images[0].name contains '<', which is not allowed; use " + NAME_RULE),
]


@pytest.mark.parametrize("overrides, expected", INVALID)
def test_invalid_parameters(overrides, expected):
    if overrides.get("data_images"):
        overrides["data_images"] = [dict(dict((k, s.get("default")) for k, s in ims_image.DATA_IMAGE_OPTIONS.items()),
                                         **item) for item in overrides["data_images"]]
    assert ims_image.validate_params(params(**overrides)) == expected


# Behaviour against a fake API ----------------------------------------------------------

def raw_image(name="web", image_id=IMAGE_ID, status="active", **extra):
    image = {"id": image_id, "name": name, "status": status, "owner": PROJECT, "min_ram": 0, "min_disk": 40,
             "tags": [], "__os_version": "CentOS 7.6 64bit", "__image_size": "1024"}
    image.update(extra)
    return image


class FakeClient(object):
    region = "cn-north-4"


class FakeApi(object):
    project_id = PROJECT
    client = FakeClient()

    def __init__(self, images=()):
        self.images = dict((image["id"], image) for image in images)
        self.calls = []
        self.create_errors = []
        self.job = {"status": "SUCCESS", "entities": {}}
        self.waiter = JobWaiter(lambda job_id: self.job)

    def _record(self, *call):
        self.calls.append(call)

    @property
    def writes(self):
        return [c for c in self.calls if c[0] not in ("get_image", "find_images", "get_job", "wait_job", "list_tags")]

    def get_image(self, image_id):
        self._record("get_image", image_id)
        return self.images.get(image_id)

    def find_images(self, name, owned=True):
        self._record("find_images", name)
        return [i for i in self.images.values() if i["name"] == name and i["owner"] == PROJECT]

    def _new(self, name, status="queued"):
        image = raw_image(name=name, image_id="11111111-2222-3333-4444-%012d" % len(self.images), status=status)
        self.images[image["id"]] = image
        return image

    def create_image(self, body):
        self._record("create_image", body)
        if self.create_errors:
            error = self.create_errors.pop(0)
            if error == "lost":  # took effect, answer lost
                self._new(body["name"])
                raise AmbiguousRequestError("connection dropped")
            raise error
        image = self._new(body["name"])
        self.job = {"job_id": "job1", "status": "SUCCESS", "entities": {"image_id": image["id"]}}
        return "job1"

    create_whole_image = create_image

    def wait_job(self, job_id, timeout):
        self._record("wait_job", job_id)
        for image in self.images.values():
            if image["status"] == "queued":
                image["status"] = "active"
        return self.job

    def create_metadata(self, body):
        self._record("create_metadata", body)
        return self._new(body["name"])

    def upload_file(self, image_id, stream):
        self._record("upload_file", image_id, stream.read())
        self.images[image_id]["status"] = "active"

    def register(self, image_id, url):
        self._record("register", image_id, url)
        self.images[image_id]["status"] = "active"
        return "job2"

    def update_image(self, image_id, operations):
        self._record("update_image", image_id, operations)
        image = self.images[image_id]
        for op in operations:
            image[op["path"][1:]] = op["value"]
        return image

    def list_tags(self, image_id):
        self._record("list_tags", image_id)
        return dict(tag.split("=", 1) for tag in self.images[image_id].get("tags") or [])

    def tag_action(self, image_id, action, tags):
        self._record("tag_action", image_id, action, tags)
        current = self.list_tags(image_id)
        for tag in tags:
            if action == "create":
                current[tag["key"]] = tag["value"]
            else:
                current.pop(tag["key"], None)
        self.images[image_id]["tags"] = ["%s=%s" % kv for kv in sorted(current.items())]

    def delete_image(self, image_id, delete_backup=False):
        self._record("delete_image", image_id, delete_backup)
        del self.images[image_id]


class FakeAnsibleModule(object):
    def __init__(self, diff):
        self._diff = diff


def run(api, check_mode=False, diff=False, **overrides):
    """The module's steps (HuaweiCloudModule.steps) against the fake API, without an AnsibleModule."""
    module = ims_image.ImsImage.__new__(ims_image.ImsImage)
    module.params = params(**overrides)
    module._api = api
    module.check_mode = check_mode
    module.module = FakeAnsibleModule(diff)
    module.result = {}
    return module.steps()


def test_create_from_instance_then_idempotent():
    api = FakeApi()
    result = run(api, name="web", instance_id=INSTANCE_ID, tags={"a": "1"}, description="d")
    assert result["changed"] is True
    assert result["job_id"] == "job1"
    assert result["image"]["status"] == "active"
    create = [c for c in api.calls if c[0] == "create_image"][0][1]
    assert create == {"name": "web", "instance_id": INSTANCE_ID, "description": "d",
                      "image_tags": [{"key": "a", "value": "1"}]}
    # The fake does not apply image_tags: the module converges them after creation.
    assert [c[0] for c in api.writes] == ["create_image", "update_image", "tag_action"]

    api.calls = []
    result = run(api, name="web", instance_id=INSTANCE_ID, tags={"a": "1"}, description="d")
    assert result["changed"] is False
    assert api.writes == []


def test_check_mode_create_makes_no_write(diff=True):
    api = FakeApi()
    result = run(api, check_mode=True, diff=True, name="web", image_url="b:o", min_disk=40, tags={"a": "1"})
    assert result["changed"] is True
    assert api.writes == []
    assert result["diff"] == {"before": {}, "after": {"name": "web", "description": "", "min_ram": 0,
                                                      "max_ram": None, "tags": {"a": "1"}}}


def test_update_uses_add_for_absent_attributes_and_tag_api_for_tags():
    api = FakeApi([raw_image(tags=["old=1", "keep=2"])])
    result = run(api, diff=True, name="web", description="new", max_ram=2048, min_ram=512,
                 tags={"keep": "2", "new": "3"})
    assert result["changed"] is True
    ops = [c for c in api.calls if c[0] == "update_image"][0][2]
    assert ops == [{"op": "add", "path": "/__description", "value": "new"},
                   {"op": "replace", "path": "/min_ram", "value": 512},
                   {"op": "add", "path": "/max_ram", "value": 2048}]
    tag_calls = [c[2:] for c in api.calls if c[0] == "tag_action"]
    assert tag_calls == [("create", [{"key": "new", "value": "3"}]), ("delete", [{"key": "old", "value": "1"}])]
    assert result["diff"]["before"]["tags"] == {"old": "1", "keep": "2"}
    assert result["diff"]["after"] == {"name": "web", "description": "new", "min_ram": 512, "max_ram": 2048,
                                       "tags": {"keep": "2", "new": "3"}}


def test_purge_tags_false_keeps_other_tags():
    api = FakeApi([raw_image(tags=["old=1"])])
    result = run(api, name="web", tags={"new": "3"}, purge_tags=False)
    assert result["changed"] is True
    assert [c[2:] for c in api.calls if c[0] == "tag_action"] == [("create", [{"key": "new", "value": "3"}])]


def test_rerun_reads_tags_from_the_image_record_only():
    # Issue 14: one read per resource on a re-run; the record's "k=v" strings are what ListImageTags lists.
    api = FakeApi([raw_image(tags=["a=1", "b="])])
    result = run(api, name="web", tags={"a": "1", "b": ""})
    assert result["changed"] is False
    assert [c[0] for c in api.calls] == ["find_images"]


def test_tag_change_is_decided_by_the_tag_api_not_the_record():
    # A record that lags behind the tag API: the record alone would add "a" again; the authority says it is there.
    api = FakeApi([raw_image(tags=["a=1"])])
    lagging = dict(api.images[IMAGE_ID], tags=["old=1"])
    api.find_images = lambda name, owned=True: [lagging]
    result = run(api, name="web", tags={"a": "1"})
    assert result["changed"] is False
    assert [c[0] for c in api.calls] == ["list_tags"]
    assert api.writes == []


def test_check_mode_update_makes_no_write():
    api = FakeApi([raw_image(__description="old")])
    result = run(api, check_mode=True, name="web", description="new")
    assert result["changed"] is True
    assert api.writes == []


def test_rename_by_id():
    api = FakeApi([raw_image()])
    result = run(api, id=IMAGE_ID, name="renamed")
    assert result["changed"] is True
    assert [c for c in api.calls if c[0] == "update_image"][0][2] == [
        {"op": "replace", "path": "/name", "value": "renamed"}]


def test_duplicate_names_fail_listing_ids():
    api = FakeApi([raw_image(), raw_image(image_id="00000000-0000-0000-0000-000000000001")])
    with pytest.raises(HuaweiCloudError) as info:
        run(api, name="web", description="x")
    assert str(info.value).startswith(
        "2 images are named 'web' in your project in region cn-north-4 (00000000-0000-0000-0000-000000000001, %s): "
        "names are not unique in IMS, so give the id of the one to manage" % IMAGE_ID)
    assert api.writes == []


def test_image_in_progress_is_waited_not_duplicated(monkeypatch):
    api = FakeApi([raw_image(status="saving")])
    waited = []

    def fake_wait(api_, image_id, timeout, **kwargs):
        waited.append(image_id)
        api_.images[image_id]["status"] = "active"
        return api_.images[image_id]

    monkeypatch.setattr(ims_image, "wait_for_image", fake_wait)
    result = run(api, name="web", instance_id=INSTANCE_ID)
    assert waited == [IMAGE_ID]
    assert result["changed"] is False
    assert api.writes == []


def test_lost_create_response_is_reconciled_not_repeated(monkeypatch):
    api = FakeApi()
    api.create_errors = ["lost"]
    monkeypatch.setattr(ims_image, "wait_for_image",
                        lambda api_, image_id, timeout, **kw: dict(api_.images[image_id], status="active"))
    result = run(api, name="web", instance_id=INSTANCE_ID)
    assert [c[0] for c in api.writes] == ["create_image"]
    assert result["changed"] is True
    assert "job_id" not in result


def test_wait_false_returns_job_id_and_image():
    api = FakeApi()
    result = run(api, name="web", instance_id=INSTANCE_ID, vault_id=VAULT_ID, wait=False)
    assert result["job_id"] == "job1"
    assert result["image"]["status"] == "queued"
    assert not [c for c in api.calls if c[0] == "wait_job"]


def test_upload_streams_file(tmp_path):
    disk = tmp_path / "d.qcow2"
    disk.write_bytes(b"QFI\xfbdata")
    api = FakeApi()
    result = run(api, name="web", filename=str(disk), disk_format="qcow2", min_disk=40, tags={"a": "b"})
    assert result["changed"] is True
    meta = [c for c in api.calls if c[0] == "create_metadata"][0][1]
    assert meta == {"name": "web", "container_format": "bare", "visibility": "private", "protected": False,
                    "disk_format": "qcow2", "min_disk": 40}
    # Key/value tags go through the IMS tag API right after the metadata exists, never as Glance tags.
    assert [c[2:] for c in api.calls if c[0] == "tag_action"] == [("create", [{"key": "a", "value": "b"}])]
    assert [c for c in api.calls if c[0] == "upload_file"][0][2] == b"QFI\xfbdata"


def test_register_flow():
    api = FakeApi()
    result = run(api, name="web", image_url="b:o.vmdk", register=True, os_version="CentOS 7.6 64bit")
    assert result["job_id"] == "job2"
    assert [c[0] for c in api.writes] == ["create_metadata", "register"]
    assert api.writes[1][2] == "b:o.vmdk"


def test_absent():
    api = FakeApi([raw_image()])
    result = run(api, name="web", state="absent", delete_backup=True)
    assert result["changed"] is True
    assert api.writes == [("delete_image", IMAGE_ID, True)]
    api.calls = []
    result = run(api, name="web", state="absent")
    assert result == {"changed": False}
    assert api.writes == []


def test_absent_check_mode():
    api = FakeApi([raw_image()])
    result = run(api, name="web", state="absent", check_mode=True)
    assert result["changed"] is True
    assert api.writes == []


def test_unknown_id_fails_clearly():
    with pytest.raises(HuaweiCloudError) as info:
        run(FakeApi(), id=IMAGE_ID, description="x")
    assert str(info.value).startswith("no image with id %s in region cn-north-4" % IMAGE_ID)


def test_someone_elses_image_by_id_is_refused():
    api = FakeApi([raw_image(owner="f" * 32)])
    with pytest.raises(HuaweiCloudError) as info:
        run(api, id=IMAGE_ID, state="absent")
    assert "belongs to project ffffffff" in str(info.value)
    assert api.writes == []


@pytest.mark.parametrize("kind_params, call, body", [
    (dict(image_url="b:o", min_disk=40, os_version="CentOS 7.6 64bit", is_config=True, cmk_id=VAULT_ID),
     "create_image", {"name": "web", "image_url": "b:o", "min_disk": 40, "os_version": "CentOS 7.6 64bit",
                      "is_config": True, "cmk_id": VAULT_ID}),
    (dict(image_url="b:o", min_disk=40, quick_import=True, os_version="CentOS 7.6 64bit", architecture="arm"),
     "quick_import", {"name": "web", "image_url": "b:o", "min_disk": 40, "os_version": "CentOS 7.6 64bit",
                      "type": "ECS", "architecture": "arm"}),
    (dict(image_url="b:o", min_disk=40, quick_import=True, image_type="DataImage"),
     "quick_import", {"name": "web", "image_url": "b:o", "min_disk": 40, "type": "DataImage", "os_type": "Linux"}),
    (dict(image_url="b:o", min_disk=40, image_type="DataImage", os_type="Windows"),
     "create_data_images", {"name": "web", "image_url": "b:o", "min_disk": 40, "os_type": "Windows"}),
    (dict(backup_id=VAULT_ID, min_ram=1024), "create_whole_image",
     {"name": "web", "backup_id": VAULT_ID, "whole_image_type": "CBR", "min_ram": 1024}),
    (dict(instance_id=INSTANCE_ID, vault_id=VAULT_ID), "create_whole_image",
     {"name": "web", "instance_id": INSTANCE_ID, "vault_id": VAULT_ID}),
    (dict(volume_id=VOLUME_ID, os_version="CentOS 7.6 64bit", image_type="BMS"), "create_image",
     {"name": "web", "volume_id": VOLUME_ID, "os_version": "CentOS 7.6 64bit", "type": "BMS"}),
    (dict(volume_id=VOLUME_ID, image_type="DataImage", description="d", tags={"k": "v"}), "create_image",
     {"data_images": [{"name": "web", "volume_id": VOLUME_ID, "description": "d", "tags": ["k.v"]}]}),
])
def test_creation_bodies(kind_params, call, body):
    p = params(name="web", **kind_params)
    source = sources.source_of(p)
    assert (source.call, source.body(p)) == (call, body)


def test_bare_metadata_from_an_interrupted_run_is_registered_not_recreated():
    api = FakeApi([raw_image(status="queued", __image_size="0")])
    result = run(api, name="web", image_url="b:o.vmdk", register=True)
    assert [c[0] for c in api.writes] == ["register"]
    assert result["changed"] is True
    assert result["job_id"] == "job2"


def test_register_already_under_way_is_waited_for(monkeypatch):
    api = FakeApi([raw_image(status="queued", __image_size="0")])

    def busy(image_id, url):
        api.calls.append(("register", image_id, url))
        raise HuaweiCloudError("The image is unavailable.", status=400, code="IMG.0046")

    api.register = busy
    monkeypatch.setattr(ims_image, "wait_for_image",
                        lambda api_, image_id, timeout, **kw: dict(api_.images[image_id], status="active"))
    result = run(api, name="web", image_url="b:o.vmdk", register=True)
    assert result["changed"] is False
    assert "job_id" not in result
    assert result["image"]["status"] == "active"


@pytest.mark.parametrize("status, size, waits", [
    ("saving", "1024", True),
    ("queued", "1024", True),
    ("queued", "0", False),  # bare metadata: nothing will ever fill it, delete at once
    ("active", "1024", False),
])
def test_absent_waits_for_images_being_created(monkeypatch, status, size, waits):
    api = FakeApi([raw_image(status=status, __image_size=size)])
    waited = []

    def fake_wait(api_, image_id, timeout, **kwargs):
        waited.append(kwargs.get("settled"))
        return dict(api_.images[image_id], status="active")

    monkeypatch.setattr(ims_image, "wait_for_image", fake_wait)
    result = run(api, name="web", state="absent")
    assert result["changed"] is True
    assert waited == ([("active", "killed")] if waits else [])
    assert api.writes == [("delete_image", IMAGE_ID, False)]


def test_upload_of_2_gb_or_more_is_refused_before_any_call(tmp_path):
    disk = tmp_path / "big.raw"
    with open(str(disk), "wb") as handle:
        handle.truncate(sources.UPLOAD_MAX_SIZE)  # sparse: no disk space used
    message = ims_image.validate_params(params(name="x", filename=str(disk), min_disk=40))
    assert message.startswith("filename: %s is 2147483648 bytes; IMS takes uploads smaller than 2 GB" % disk)
