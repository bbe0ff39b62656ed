#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: huaweicloud.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: ims_image
short_description: Create, update and delete Huawei Cloud IMS private images
version_added: 1.0.0
description:
  - Creates a private image in the Image Management Service (IMS) from an ECS instance, an EVS volume, an image
    file in OBS (converted, quickly imported or registered), a local file, or as a full-ECS image from an instance
    or a CBR backup.
  - Updates the name, description, memory limits and tags of an existing image, and deletes images.
  - An image is identified by O(id), or by O(name) among the images the caller's project owns. IMS does not
    require names to be unique; when several own images carry the name the task fails and lists their ids.
  - An image that already exists but is still being created (status C(queued) or C(saving)) is waited for, never
    created a second time. A creation request whose response is lost is reconciled by looking the name up before
    it is sent again.
  - Every option is checked before any API call is made.
author:
  - huaweicloud.cloud contributors (@huaweicloud)
extends_documentation_fragment:
  - huaweicloud.cloud.ims
  - huaweicloud.cloud.ims.wait
  - huaweicloud.cloud.ims.visibility
options:
  state:
    description:
      - V(present) creates the image when it does not exist and updates it when it does.
      - V(absent) deletes it; deleting an image that does not exist is not a change. IMS deletes asynchronously, so
        with O(wait=true) the task returns only once IMS no longer lists the image (so a later task can create
        one with the same name), with O(wait=false) at once.
    type: str
    choices: [present, absent]
    default: present
  id:
    description:
      - Id of an existing image to update or delete.
      - With O(id), O(name) renames the image.
      - "Must be a UUID like 4ca46bf1-5c61-48ff-b4f3-0ad4e5e3ba86."
    type: str
    aliases: [image_id]
  name:
    description:
      - Image name, 1 to 128 characters of letters, digits, hyphens, underscores, dots and spaces, not starting
        or ending with a space (API reference 9.1; Chinese characters are allowed in descriptions and tags, not
        in names).
      - Without O(id) it identifies the image among the caller's own images and is required.
    type: str
  description:
    description:
      - Image description, at most 1024 characters, without V(<), V(>) or line breaks.
    type: str
  instance_id:
    description:
      - Create the image from the system disk of this ECS instance (which should be stopped).
      - With O(vault_id), create a full-ECS image of the instance instead.
      - Mutually exclusive with O(volume_id), O(image_url), O(backup_id) and O(filename).
      - "Must be a UUID like 4ca46bf1-5c61-48ff-b4f3-0ad4e5e3ba86."
    type: str
  vault_id:
    description:
      - Id of the CBR vault the instance is (or will be) in; makes O(instance_id) create a full-ECS image.
      - "Must be a UUID like 4ca46bf1-5c61-48ff-b4f3-0ad4e5e3ba86."
    type: str
  backup_id:
    description:
      - Create a full-ECS image from this CBR backup. Each backup can make one image.
      - "Must be a UUID like 4ca46bf1-5c61-48ff-b4f3-0ad4e5e3ba86."
    type: str
  volume_id:
    description:
      - Create a system disk image from this EVS volume, which must hold an optimised operating system; needs
        O(os_version).
      - With O(image_type=DataImage), create a data disk image of the volume instead.
      - "Must be a UUID like 4ca46bf1-5c61-48ff-b4f3-0ad4e5e3ba86."
    type: str
  image_url:
    description:
      - Create the image from this image file in OBS, given as C(<bucket>:<object>). The bucket must be in the
        same region and of the Standard storage class.
      - By default the file is converted (C(POST /v2/cloudimages/action)); O(min_disk) is then required.
      - With O(quick_import=true) a RAW or ZVHD2 file is quickly imported instead.
      - With O(image_type=DataImage) a data disk image is made from the file.
      - With O(register=true) image metadata is created first and the file is registered to it.
    type: str
  register:
    description:
      - Register O(image_url) as an uninitialised private image (create the image metadata, then
        C(PUT /v1/cloudimages/{id}/upload)), instead of converting it.
    type: bool
    default: false
  filename:
    description:
      - Upload this local image file (smaller than 2 GB) into new image metadata. The file is streamed, never
        read into memory.
      - Large uploads need token authentication (O(user)/O(password)/O(domain)) or a gateway that accepts
        unsigned payloads, since AK/SK signatures cover request bodies of at most 12 MB.
    type: path
  disk_format:
    description:
      - Format of the image file for O(register) and O(filename). IMS detects it when not set.
      - Only the formats the image metadata call documents (API reference 6.1.6); leave it unset for other
        files IMS can register (VMDK, VHDX, QED, VDI, QCOW, ZVHD).
    type: str
    choices: [zvhd2, vhd, raw, qcow2, iso]
  quick_import:
    description:
      - Quickly import O(image_url), a RAW (with its bitmap file) or ZVHD2 file of at most 1 TB, without
        conversion. Needs O(os_version) for system disk images.
    type: bool
    default: false
    aliases: [is_quick_import]
  image_type:
    description:
      - Kind of image to make.
      - V(ECS) and V(FusionCompute) make cloud server images, V(BMS) and V(Ironic) bare metal server images
        (O(volume_id), O(image_url)).
      - V(IsoImage) marks O(image_url) as an ISO file; O(os_version) is then required.
      - V(DataImage) makes a data disk image from O(image_url) or O(volume_id).
    type: str
    choices: [ECS, BMS, FusionCompute, Ironic, IsoImage, DataImage]
  os_version:
    description:
      - Operating system version, for example V(CentOS 7.6 64bit), as listed by the IMS OS version API.
      - Required with O(volume_id), with O(quick_import) for system disk images and for ISO files.
    type: str
  os_type:
    description:
      - Operating system type of a data disk image (O(image_type=DataImage)) or of a system disk image made
        from O(image_url). V(Other) only applies to system disk images.
    type: str
    choices: [Linux, Windows, Other]
  architecture:
    description:
      - CPU architecture of a system disk image made from O(image_url) (converted or quickly imported). Arm images
        boot with UEFI. Only used at creation; IMS does not let it change later.
    type: str
    choices: [x86, arm]
  min_disk:
    description:
      - Minimum disk size in GB of servers using the image.
      - Required with O(image_url) (except O(register)). Ranges per the API reference - converted file 40 to 255,
        quick import 1 to 1024, data disk image 40 to 2048, image metadata (O(register), O(filename)) 40 to 255.
      - Only used at creation.
    type: int
  min_ram:
    description:
      - Minimum memory in MB of servers using the image; V(0) means no limit.
    type: int
  max_ram:
    description:
      - Maximum memory in MB of servers using the image.
    type: int
  is_config:
    description:
      - Let IMS configure a converted O(image_url) system disk image (drivers, cloud-init) in the background.
    type: bool
  hw_firmware_type:
    description:
      - Boot mode of servers using the image (C(hw_firmware_type), API reference 5.1.2 and 9.1).
      - Set on new and existing images; every attribute option below is compared and changed the same way, and
        on a new image it is set once the image is active (with O(wait=false), by the next run).
    type: str
    choices: [bios, uefi]
  hw_vif_multiqueue_enabled:
    description:
      - Whether the image supports NIC multi-queue (C(hw_vif_multiqueue_enabled)).
    type: bool
  support_kvm:
    description:
      - Whether the image supports KVM virtualization (C(__support_kvm)).
      - For this and the other C(support_*) flags IMS documents only the value C(true); V(false) removes the
        attribute.
    type: bool
  support_xen:
    description:
      - Whether the image supports Xen virtualization (C(__support_xen)).
    type: bool
  support_diskintensive:
    description:
      - Whether the image supports disk-intensive flavors (C(__support_diskintensive)).
    type: bool
  support_highperformance:
    description:
      - Whether the image supports high-performance computing flavors (C(__support_highperformance)).
    type: bool
  support_kvm_gpu_type:
    description:
      - GPU type under KVM (C(__support_kvm_gpu_type), table 9-3). Cannot be combined with O(support_kvm=true) or
        O(support_xen=true).
    type: str
    choices: [M60, V100_vGPU, P2V_V100, P100, V100]
  support_xen_gpu_type:
    description:
      - GPU type under Xen (C(__support_xen_gpu_type), table 9-2). Cannot be combined with O(support_kvm=true) or
        O(support_xen=true).
    type: str
    choices: [M60_vGPU]
  is_config_init:
    description:
      - Whether the image's initial configuration is done (C(__is_config_init)).
    type: bool
  properties:
    description:
      - Custom image properties to set (Glance-style additional properties, through C(PATCH /v2/cloudimages)),
        as name to value; values are stored as strings. Properties not listed are left alone.
      - Names are 1 to 255 letters, digits, C(_), C(.), C(:) and C(-), not starting with C(_) and not an IMS
        attribute (such as V(name) or V(hw_firmware_type), which have their own options).
    type: dict
  cmk_id:
    description:
      - KMS key id to encrypt an image made from O(image_url) (converted, or a data disk image) with.
      - "Must be a UUID like 4ca46bf1-5c61-48ff-b4f3-0ad4e5e3ba86."
    type: str
  enterprise_project_id:
    description:
      - Enterprise project to create the image in. Only used at creation.
      - "Must be 0 (the default enterprise project) or a UUID."
    type: str
  data_images:
    description:
      - Up to three data disk images to create from more OBS files together with the system disk image of
        O(image_url).
      - IMS does not take them together with O(instance_id); make a data disk image of each volume of an instance
        with O(volume_id) and O(image_type=DataImage) instead.
      - Only used at creation; their ids are returned in RV(data_image_ids).
    type: list
    elements: dict
    suboptions:
      name:
        description:
          - Name of the data disk image, with the same rules as O(name).
        type: str
        required: true
      description:
        description:
          - Description of the data disk image.
        type: str
      image_url:
        description:
          - OBS file C(<bucket>:<object>) to make the image from.
        type: str
        required: true
      min_disk:
        description:
          - Minimum data disk size in GB, 1 to 2048.
        type: int
        required: true
      quick_import:
        description:
          - Quickly import this file.
        type: bool
        default: false
      tags:
        description:
          - Tags of the data disk image.
        type: dict
  tags:
    description:
      - Tags as a dictionary. At most 10; keys of up to 36 letters, digits, Chinese characters, V(_) and V(-);
        values of up to 43 of those or V(.).
      - When not set the image's tags are left alone.
    type: dict
  purge_tags:
    description:
      - Remove tags that are not in O(tags). Only applies when O(tags) is set.
    type: bool
    default: true
  delete_backup:
    description:
      - With O(state=absent), also delete the CBR backup of a full-ECS image. Refused with O(state=present).
    type: bool
    default: false
  export:
    description:
      - Export the image to an image file in OBS (C(POST /v1/cloudimages/{id}/file)) once it is active.
      - IMS cannot tell whether the OBS file already exists, so to stay idempotent the export only runs when this
        task created the image, or always with O(export.force=true).
      - A new image must be waited for before IMS can export it, so exporting an image this task creates needs
        O(wait=true). With O(wait=true) the export job is waited for too (up to O(wait_timeout) seconds); with
        O(wait=false) its id is returned in RV(export_job_id) at once.
      - Full-ECS images, ISO images and images made from Windows, SUSE, Red Hat, Ubuntu or Oracle Linux public
        images cannot be exported. The image must be smaller than 1 TB, and images larger than 128 GB can only be
        exported with O(export.quick=true).
      - Only used with O(state=present).
    type: dict
    suboptions:
      bucket_url:
        description:
          - OBS file to export to, as C(<bucket>:<object>). The bucket must be in the same region and of the
            Standard storage class, and the object must not exist yet.
        type: str
        required: true
      file_format:
        description:
          - Format of the exported file. Required unless O(export.quick=true).
          - Mutually exclusive with O(export.quick=true), which exports the file in the image's own format.
        type: str
        choices: [qcow2, vhd, zvhd, vmdk]
      quick:
        description:
          - Use quick export, without converting the file. O(export.file_format) must then not be given.
        type: bool
        default: false
      force:
        description:
          - Export even when the image already existed before this task. The task then always exports and
            reports a change.
        type: bool
        default: false
notes:
  - Supports C(check_mode) and C(diff_mode). In check mode no call that changes anything is made.
  - Options used only at creation (the source, O(min_disk), O(os_version), O(cmk_id), ...) are ignored when the
    image already exists.
  - Tags are changed with the OpenStack image API (C(PATCH /v2/images/{id})), the other attributes with
    C(PATCH /v2/cloudimages/{id}).
  - O(export) needs the Tenant Administrator permission of the Object Storage Service. The export of an image
    that existed before the task (O(export.force=true)) is not idempotent; in check mode it is only reported.
seealso:
  - module: huaweicloud.cloud.ims_image_info
  - module: huaweicloud.cloud.ims_job
"""

EXAMPLES = r"""
- name: Create an image from an image file in OBS
  huaweicloud.cloud.ims_image:
    name: centos-7-web
    image_url: my-images:centos-7.qcow2
    os_version: CentOS 7.6 64bit
    min_disk: 40
    description: CentOS 7 web server base image
    tags:
      team: web
      env: prod
  register: web_image

- name: Create an image from the system disk of a stopped ECS instance
  huaweicloud.cloud.ims_image:
    name: app-server-2024-06
    instance_id: 877a2cda-ba63-4e1e-b95f-e67e48b6129a
    min_ram: 2048

- name: Create a data disk image from one of its data volumes
  huaweicloud.cloud.ims_image:
    name: app-server-2024-06-data
    volume_id: c5dfbd0c-bf0a-4798-a453-61dc6b54aa30
    image_type: DataImage

- name: Import a system disk image and two data disk images from OBS
  huaweicloud.cloud.ims_image:
    name: erp
    image_url: my-images:erp-system.qcow2
    os_version: CentOS 7.6 64bit
    min_disk: 40
    data_images:
      - name: erp-data-1
        image_url: my-images:erp-data-1.qcow2
        min_disk: 100
      - name: erp-data-2
        image_url: my-images:erp-data-2.vhd
        min_disk: 200

- name: Start a full-ECS image and come back for it later
  huaweicloud.cloud.ims_image:
    name: app-server-full
    instance_id: 877a2cda-ba63-4e1e-b95f-e67e48b6129a
    vault_id: de9fcf45-11b2-432c-8562-5c5428574600
    wait: false
  register: full_image

- name: Wait for that job
  huaweicloud.cloud.ims_job:
    job_id: "{{ full_image.job_id }}"
    wait: true

- name: Quickly import a large ZVHD2 file
  huaweicloud.cloud.ims_image:
    name: big-db-image
    image_url: my-images:db.zvhd2
    quick_import: true
    os_version: EulerOS 2.9 64bit
    min_disk: 100

- name: Register an OBS file as an uninitialised image
  huaweicloud.cloud.ims_image:
    name: legacy-appliance
    image_url: my-images:appliance.vmdk
    register: true
    os_version: Other Linux(64 bit)

- name: Upload a small local image file
  huaweicloud.cloud.ims_image:
    name: tiny-tools
    filename: /srv/images/tools.qcow2
    disk_format: qcow2
    min_disk: 40

- name: Change the description and replace all tags
  huaweicloud.cloud.ims_image:
    name: centos-7-web
    description: CentOS 7 web server base image (patched)
    tags:
      team: web

- name: Rename an image
  huaweicloud.cloud.ims_image:
    id: 4ca46bf1-5c61-48ff-b4f3-0ad4e5e3ba86
    name: centos-7-web-old

- name: Import an image and export it to OBS as a VMDK file, only when the image is created
  huaweicloud.cloud.ims_image:
    name: centos-7-appliance
    image_url: my-images:centos-7.qcow2
    os_version: CentOS 7.6 64bit
    min_disk: 40
    export:
      bucket_url: my-exports:centos-7-appliance.vmdk
      file_format: vmdk
  register: appliance

- name: Quickly export an existing image again, every time the task runs
  huaweicloud.cloud.ims_image:
    name: big-db-image
    export:
      bucket_url: my-exports:big-db-2024-06.zvhd2
      quick: true
      force: true

- name: Delete a full-ECS image and its backup
  huaweicloud.cloud.ims_image:
    name: app-server-full
    state: absent
    delete_backup: true
"""

RETURN = r"""
image:
  description:
    - The image as IMS describes it, with the C(__) and C(_) prefixes dropped from attribute names
      (C(__os_version) becomes C(os_version)) and C(tags) as a dictionary.
    - For O(state=absent), the image as it was before it was deleted.
    - With O(wait=false), the image being created (status C(queued) or C(saving)), once IMS lists it; not returned
      if IMS did not list it within O(visibility_window).
    - Not returned when no image exists, and not in check mode for an image that would be created.
  returned: when the image exists
  type: dict
  sample:
    id: 4f1e1c6e-2d2a-4f59-9f0e-7d3a9c1b5a10
    name: web-base
    status: active
    visibility: private
    imagetype: private
    os_version: Ubuntu 18.04 server 64bit
    platform: Ubuntu
    os_type: Linux
    os_bit: '64'
    min_disk: 40
    min_ram: 0
    disk_format: zvhd2
    owner: 6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d
    tags:
      team: web
    created_at: '2024-06-02T07:49:48Z'
    updated_at: '2024-06-02T07:55:01Z'
    created_at_epoch: 1717314588
    updated_at_epoch: 1717314901
job_id:
  description:
    - Id of the IMS job that creates the image. With O(wait=false), follow it with M(huaweicloud.cloud.ims_job).
    - Also returned, with C(changed=true), when the task fails after the job started (time-out, job failure,
      duplicate images found afterwards).
  returned: when a creation job was started
  type: str
  sample: 8a12fc664fb4daa3014fb4e581380005
data_image_ids:
  description:
    - Ids of the data disk images made together with the image from O(data_images).
  returned: when O(data_images) were created and waited for
  type: list
  elements: str
  sample: [c5dfbd0c-bf0a-4798-a453-61dc6b54aa30]
export_job_id:
  description:
    - Id of the IMS job that exports the image to O(export.bucket_url). With O(wait=false), follow it with
      M(huaweicloud.cloud.ims_job).
  returned: when an export job was started (not in check mode)
  type: str
  sample: edc89b490d7d4392898e19b2deb34797
progress:
  description:
    - The creation (or register) job as the task last read it while waiting, with timestamped readings; the
      same keys as RV(huaweicloud.cloud.ims_image_copy#module:progress) (see O(wait_timeout)).
    - When a wait times out or its job fails, the failure's result has C(progress) for that job (creation,
      register or export).
  returned: when the task waited for a creation or register job
  type: dict
  sample: {job_id: 8a12fc664fb4daa3014fb4e581380005, status: SUCCESS, process_percent: 1.0, polls: 9,
           elapsed: 402.7, wait_timeout: 3600, history: []}
export_progress:
  description: The same as RV(progress), for the export job.
  returned: when the task waited for an export job
  type: dict
  sample: {job_id: edc89b490d7d4392898e19b2deb34797, status: SUCCESS, process_percent: 1.0, polls: 7,
           elapsed: 311.2, wait_timeout: 3600, history: []}
"""

from ansible_collections.huaweicloud.cloud.plugins.module_utils import _attributes as attributes
from ansible_collections.huaweicloud.cloud.plugins.module_utils._errors import HuaweiCloudError, WaitTimeoutError
from ansible_collections.huaweicloud.cloud.plugins.module_utils._image_state import (
    EXPORT_OPTIONS,
    describe,
    desired_state,
    export_refusal,
    patch_operations,
    validate_params,
)
from ansible_collections.huaweicloud.cloud.plugins.module_utils._images import (
    IN_PROGRESS_STATUSES,
    tag_api_changes,
    normalize_image,
    record_tags,
    wait_for_image,
    wait_until_gone,
)
from ansible_collections.huaweicloud.cloud.plugins.module_utils._ims import create_once
from ansible_collections.huaweicloud.cloud.plugins.module_utils._jobs import job_image_ids
from ansible_collections.huaweicloud.cloud.plugins.module_utils._lookup import single_image, wait_until_listed
from ansible_collections.huaweicloud.cloud.plugins.module_utils._module import HuaweiCloudModule
from ansible_collections.huaweicloud.cloud.plugins.module_utils import _sources as sources
from ansible_collections.huaweicloud.cloud.plugins.module_utils._sources import DATA_IMAGE_OPTIONS
from ansible_collections.huaweicloud.cloud.plugins.module_utils._waiter import wait_timeout

ARGUMENT_SPEC = dict(
    state=dict(type="str", default="present", choices=["present", "absent"]),
    id=dict(type="str", aliases=["image_id"]),
    name=dict(type="str"),
    description=dict(type="str"),
    instance_id=dict(type="str"),
    vault_id=dict(type="str"),
    backup_id=dict(type="str"),
    volume_id=dict(type="str"),
    image_url=dict(type="str"),
    register=dict(type="bool", default=False),
    filename=dict(type="path"),
    disk_format=dict(type="str", choices=["zvhd2", "vhd", "raw", "qcow2", "iso"]),
    quick_import=dict(type="bool", default=False, aliases=["is_quick_import"]),
    image_type=dict(type="str", choices=["ECS", "BMS", "FusionCompute", "Ironic", "IsoImage", "DataImage"]),
    os_version=dict(type="str"),
    os_type=dict(type="str", choices=["Linux", "Windows", "Other"]),
    architecture=dict(type="str", choices=["x86", "arm"]),
    min_disk=dict(type="int"),
    min_ram=dict(type="int"),
    max_ram=dict(type="int"),
    is_config=dict(type="bool"),
    cmk_id=dict(type="str"),
    enterprise_project_id=dict(type="str"),
    data_images=dict(type="list", elements="dict", options=DATA_IMAGE_OPTIONS),
    tags=dict(type="dict"),
    purge_tags=dict(type="bool", default=True),
    delete_backup=dict(type="bool", default=False),
    export=dict(type="dict", options=EXPORT_OPTIONS),
    **attributes.argument_spec()
)


class ImsImage(HuaweiCloudModule):
    """One image: created from the source the sources table selects, updated, or deleted; exported last."""

    argument_spec = ARGUMENT_SPEC
    module_kwargs = dict(supports_check_mode=True)
    with_wait = True
    with_visibility = True

    def validate(self):
        return validate_params(self.params)

    # Lookup -------------------------------------------------------------------

    def look_up(self):
        """The raw image the options identify, or None. Fails on an ambiguous name."""
        p = self.params
        self.result["changed"] = False
        self.by_id = p.get("id") is not None
        self.source = sources.source_of(p)
        self.created = None  # the raw image (or metadata) the apply step made, when it knows it
        if not self.by_id:
            return self._own_image_named()
        image = self.api.get_image(p["id"])
        if image is None or image.get("status") == "deleted":
            return None
        if image.get("owner") != self.api.project_id:
            raise HuaweiCloudError("image %s (%s) belongs to project %s, not to yours (%s); ims_image only "
                                   "manages your own images" % (image["id"], image.get("name"),
                                                                image.get("owner"), self.api.project_id))
        return image

    def _own_image_named(self):
        """Your one image with the task's name, or None; fails naming every id when there are several."""
        name = self.params["name"]
        return single_image(self._own_images_named(name),
                            "named %r in your project in region %s" % (name, self.api.client.region))

    def _own_images_named(self, name):
        return [image for image in self.api.find_images(name, owned=True) if image.get("status") != "deleted"]

    # Plan ---------------------------------------------------------------------

    def plan(self, found):
        """Plans are (action, ...) tuples: ("delete", image), ("create", source), ("settle", image) for an image
        still being created (finished or waited for, then updated), ("update", image, before, after)."""
        p = self.params
        image = found
        if p["state"] == "absent":
            if image is None:
                return None
            self.result["changed"] = True
            self._set_diff(describe(image), {})
            self.result["image"] = normalize_image(image)
            return ("delete", image)
        if image is None:
            return self._plan_create()
        bare = image.get("status") == "queued" and self._is_bare_metadata(image)
        if bare and not (self.source and self.source.metadata):
            # An interrupted register/upload left it; no job will ever make it active, so do not wait on it.
            raise HuaweiCloudError("image %s (%s) is an empty metadata image (status queued, no file): a register "
                                   "or upload that did not finish left it; delete it (state=absent) or run that "
                                   "register/upload task again" % (image["id"], image.get("name")))
        if image.get("status") in IN_PROGRESS_STATUSES and not self.check_mode:
            return ("settle", image)
        if image.get("status") == "killed":
            raise HuaweiCloudError("image %s (%s) is in status killed: its creation failed; delete it "
                                   "(state=absent) and run again" % (image["id"], image.get("name")))
        return self._plan_update(image)

    def _plan_create(self):
        p = self.params
        if self.by_id:
            raise HuaweiCloudError("no image with id %s in region %s; to create an image, give its name "
                                   "and a source instead of id" % (p["id"], self.api.client.region))
        if p.get("export") and not p["wait"] and self.source is not None:
            raise HuaweiCloudError("export needs wait=true to export the image this task creates: IMS only "
                                   "exports active images")
        if self.source is None:
            raise HuaweiCloudError("no own image named %r exists in region %s; to create it give a source: %s"
                                   % (p["name"], self.api.client.region, ", ".join(sources.SOURCE_OPTIONS)))
        self.result["changed"] = True
        self._set_diff({}, desired_state(p, None, self.by_id)[1])
        return ("create", self.source)

    def _plan_update(self, image, diff=True):
        tags = record_tags(image) if self.params.get("tags") is not None else None
        before, after = desired_state(self.params, image, self.by_id, tags)
        if tags is not None and before["tags"] != after["tags"]:
            # The record's tags spare a read when they already match; before a change the tag API (the
            # authority) is asked, so a record that lags or an unusual tag form never decides a write.
            before, after = desired_state(self.params, image, self.by_id, self.api.list_tags(image["id"]))
        if before != after:
            self.result["changed"] = True
        if diff:
            self._set_diff(before, after)
        self.result["image"] = normalize_image(image)
        return ("update", image, before, after)

    def _set_diff(self, before, after):
        if self.module._diff:
            self.result["diff"] = {"before": before, "after": after}

    def _is_bare_metadata(self, image):
        return str(image.get("__image_size") or "0") in ("0", "") and not image.get("__data_origin")

    # Apply --------------------------------------------------------------------

    def apply(self, plan):
        getattr(self, "_apply_" + plan[0])(*plan[1:])

    def _apply_delete(self, image):
        status = image.get("status")
        if self.params["wait"] and (status == "saving" or (status == "queued" and not self._is_bare_metadata(image))):
            # IMS refuses to delete an image that is being created (IMG.0090).
            image = wait_for_image(self.api, image["id"], self._timeout(), settled=("active", "killed"))
        self.api.delete_image(image["id"], delete_backup=self.params["delete_backup"])
        self.result["image"] = normalize_image(image)

    def _apply_create(self, source):
        p = self.params
        if source.metadata:
            dummy, metadata = self._create_once(lambda: self.api.create_metadata(source.body(p)))
            self.created = metadata
            if p.get("tags"):
                after = desired_state(p, None, self.by_id)[1]
                self.api.tag_action(metadata["id"], "create", tag_api_changes({}, after["tags"])[0])
            self._orphan_guard(metadata["id"], lambda: self._fill(metadata))
            self._orphan_guard(metadata["id"], lambda: self._until_listed(self.result.get("job_id")))
            return
        call = getattr(self.api, source.call)
        body = source.body(p)
        handle = self._create_once(lambda: call(body), label="job")
        if handle[0] == "image":
            # An earlier attempt whose answer was lost did create it: wait for that one.
            self.created = handle[1]
            self.result["image"] = normalize_image(handle[1])
            return
        self.result["job_id"] = handle[1]
        self._until_listed(handle[1])

    def _until_listed(self, job_id):
        """With wait=false, return only once IMS lists the new image (then returned as ``image``): a re-run's
        look-up by name must find it, or it would create a twin (IMS lists new images late)."""
        if self.params["wait"]:
            return
        found = wait_until_listed(self.api, job_id, self._own_image_named, self._window())
        if found is not None:
            self.result["image"] = normalize_image(found)

    def _apply_settle(self, image):
        if not self._is_bare_metadata(image):
            if not self.params["wait"]:
                self.result["image"] = normalize_image(image)
            return
        # Our own metadata from an earlier run whose file never arrived: finish the job.
        try:
            self._fill(image)
            self.result["changed"] = True
        except HuaweiCloudError as error:
            # IMG.0046 / HTTP 409: a register or upload of it is already under way.
            if error.code != "IMG.0046" and error.status != 409:
                raise
            self.result.pop("job_id", None)

    def _apply_update(self, image, before, after):
        if before != after:
            if image.get("status") != "active":
                raise HuaweiCloudError("image %s is %s; IMS only updates active images"
                                       % (image["id"], image.get("status")))
            operations = patch_operations(image, after)
            if operations:
                image = self.api.update_image(image["id"], operations) or image
            to_create, to_delete = tag_api_changes(before["tags"], after["tags"])
            if to_create:
                self.api.tag_action(image["id"], "create", to_create)
            if to_delete:
                self.api.tag_action(image["id"], "delete", to_delete)
            image = self.api.get_image(image["id"]) or image
        self.result["image"] = normalize_image(image)

    def _update(self, image, diff=True):
        self._apply_update(*self._plan_update(image, diff)[1:])

    def _fill(self, image):
        """Register or upload the file into image metadata (the source's ``fill`` call)."""
        self.result["image"] = normalize_image(image)
        if self.source.fill == "register":
            self.result["job_id"] = self.api.register(image["id"], self.params["image_url"])
            return
        with open(self.params["filename"], "rb") as stream:
            self.api.upload_file(image["id"], stream)

    def _create_once(self, create, label="image"):
        """(label, what create() returned), or ("image", raw image) when a lost earlier attempt made it."""

        def attempt():
            return (label, create())

        def find_existing():
            found = self._own_image_named()
            return ("image", found) if found is not None else None

        return create_once(attempt, find_existing, window=self._window())

    def _orphan_guard(self, image_id, action):
        """Run ``action``; when it fails, delete the metadata image this task made: left queued (or killed), it
        would block every later run. An image still being filled (a time-out) is left to its job."""
        try:
            return action()
        except HuaweiCloudError as error:
            image = self.api.get_image(image_id)
            if image is not None and image.get("status") not in ("queued", "killed"):
                raise
            try:
                self.api.delete_image(image_id)
            except HuaweiCloudError as cleanup:
                error.message = "%s; deleting the unfinished image %s failed too: %s" % (
                    error.message, image_id, cleanup)
                raise error
            error.message = "%s; the unfinished image %s was deleted" % (error.message, image_id)
            raise

    # Wait ---------------------------------------------------------------------

    def wait(self, plan):
        if plan[0] == "delete":
            # IMS deletes asynchronously; a later task of the play must not find the image still listed.
            wait_until_gone(self.api, plan[1]["id"], self._timeout("delete"))
        elif plan[0] == "create":
            self._wait_created(plan[1])
        elif plan[0] == "settle":
            self._update(self._wait_settled(plan[1]))

    def _wait_created(self, source):
        if source.metadata:
            image = self._orphan_guard(self.created["id"], lambda: self._wait_filled(self.created))
        elif self.created is not None:
            image = wait_for_image(self.api, self.created["id"], self._timeout(source.operation),
                                   unlisted_grace=self._window())
        else:
            job_id = self.result["job_id"]
            job = self.api.wait_job(job_id, self._timeout(source.operation))
            self.result["progress"] = self.api.waiter.progress(job_id)
            image_ids = job_image_ids(job)
            if not image_ids:
                raise HuaweiCloudError("job %s succeeded but names no image" % job_id)
            image = wait_for_image(self.api, image_ids[0], self._timeout(source.operation),
                                   unlisted_grace=self._window())
            if self.params.get("data_images"):
                self.result["data_image_ids"] = [i for i in image_ids if i != image["id"]]
        # After its job: if another run (another controller, a late-listed retry) made an image with the same
        # name meanwhile, say so with every id rather than let anyone believe the duplicate is fine.
        self._own_image_named()
        # Converge what the creation call could not set (e.g. max_ram on some calls).
        self._update(image, diff=False)

    def _wait_filled(self, image):
        if self.source.waits == sources.JOB:
            self.api.wait_job(self.result["job_id"], self._timeout())
            self.result["progress"] = self.api.waiter.progress(self.result["job_id"])
        return wait_for_image(self.api, image["id"], self._timeout(), unlisted_grace=self._window())

    def _wait_settled(self, image):
        if self._is_bare_metadata(image) and self.result.get("changed"):
            return self._wait_filled(image)
        return wait_for_image(self.api, image["id"], self._timeout())

    def _timeout(self, operation="import"):
        """wait_timeout, else the operation's default; "import" (the longest creation) for an image some other
        run is creating."""
        return wait_timeout(self.params, operation)

    def _window(self):
        return self.params["visibility_window"]

    # Finish: the export -----------------------------------------------------------

    def finish(self, plan):
        export = self.params.get("export")
        if export and plan and plan[0] == "create":
            self._export_created()
        elif export and plan and export["force"]:
            self._export(self.result.get("image"))
        return self.result

    def _export_created(self):
        """Export the image the create step made. Its export is not retried by a later run (the image then
        exists), so a failure says how to retry; a time-out does not need it: the job goes on."""
        image = self.result.get("image")
        try:
            self._export(image)
        except WaitTimeoutError:
            raise
        except HuaweiCloudError as error:
            error.message = ("%s; image %s was created, but a later run exports an existing image only with "
                             "export.force=true" % (error.message, (image or {}).get("id")))
            raise

    def _export(self, image):
        """Export the (normalized) image to OBS; ``image`` is None in check mode for an image to be created."""
        spec = self.params["export"]
        if image is not None:
            refusal = export_refusal(image, spec["quick"])
            if refusal:
                raise HuaweiCloudError(refusal)
        self.result["changed"] = True
        if self.check_mode:
            return
        if image is None or image.get("status") != "active":
            status = image.get("status") if image else "unknown"
            raise HuaweiCloudError("image %s is %s; IMS only exports active images%s"
                                   % (image.get("id") if image else self.params.get("name"), status,
                                      "" if self.params["wait"] else " (run with wait=true to wait for it)"))
        file_format = None if spec["quick"] else spec["file_format"]
        job_id = self.api.export(image["id"], spec["bucket_url"], file_format, is_quick_export=spec["quick"])
        self.result["export_job_id"] = job_id
        if self.params["wait"]:
            self.api.wait_job(job_id, self._timeout("export"))
            self.result["export_progress"] = self.api.waiter.progress(job_id)


def main():
    ImsImage()()


if __name__ == "__main__":
    main()
