# -*- coding: utf-8 -*-
# Copyright: huaweicloud.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: ims_image
short_description: Find Huawei Cloud IMS images by filters, in a template
version_added: 1.0.0
description:
  - Returns the ids (or, with O(output=record), the records) of the images that
    M(huaweicloud.cloud.ims_image_info) would return for the same options - the same client, options,
    environment variables, credential chain and checks, run in the controller process (no module is started).
  - Terms, if any, are image names or ids to look up (like O(names) and O(image_ids)).
  - No match gives an empty list; use C(query) or O(ignore:wantlist=true) to always get a list.
author:
  - huaweicloud.cloud contributors (@huaweicloud)
extends_documentation_fragment:
  - huaweicloud.cloud.ims
  - huaweicloud.cloud.ims.discovery
options:
  _terms:
    description: Image names or image ids (UUIDs); optional.
    required: false
    type: list
    elements: str
  output:
    description:
      - V(id) returns image ids, V(record) the image records as M(huaweicloud.cloud.ims_image_info) returns them.
    type: str
    choices: [id, record]
    default: id
notes:
  - Connection options fall back to the same environment variables as the modules (E(HUAWEICLOUD_REGION),
    E(HUAWEICLOUD_ACCESS_KEY), ...) read on the controller; secrets never appear in error messages.
  - It runs in the controller process and starts no module process, so it is cheaper than an
    M(huaweicloud.cloud.ims_image_info) task whose registered result only feeds later tasks; use the module for
    its members and quota output.
seealso:
  - module: huaweicloud.cloud.ims_image_info
"""

EXAMPLES = r"""
- name: Launch from the newest web image of our own project
  ansible.builtin.debug:
    msg: "{{ lookup('huaweicloud.cloud.ims_image', name_pattern='web-*', owner='self', most_recent=true) }}"

- name: Every image tagged team=web that has a release tag (any value), as records
  ansible.builtin.set_fact:
    web_images: "{{ query('huaweicloud.cloud.ims_image', tags={'team': 'web', 'release': none}, output='record') }}"

- name: Id of an image by name, explicit region
  ansible.builtin.set_fact:
    base_id: "{{ lookup('huaweicloud.cloud.ims_image', 'web-golden-2024-06', region='cn-north-4', owner='self') }}"
"""

RETURN = r"""
_raw:
  description:
    - Image ids, or image records with O(output=record) (keys as M(huaweicloud.cloud.ims_image_info) returns
      them, C(created_at_epoch) included).
  type: list
  elements: raw
"""

from ansible.errors import AnsibleLookupError
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.lookup import LookupBase

from ansible_collections.huaweicloud.cloud.plugins.module_utils._discovery import DISCOVERY_SPEC, discover, validate
from ansible_collections.huaweicloud.cloud.plugins.module_utils._errors import HuaweiCloudError, scrub
from ansible_collections.huaweicloud.cloud.plugins.module_utils._lookup import looks_like_image_id
from ansible_collections.huaweicloud.cloud.plugins.module_utils._module import (
    COMMON_ARGUMENT_SPEC,
    build_api,
    check_connection,
)

SPEC = dict(COMMON_ARGUMENT_SPEC)
SPEC.update(DISCOVERY_SPEC)
SPEC.update(output=dict(type="str", choices=["id", "record"], default="id"))
SECRET_NAMES = [name for name, spec in SPEC.items() if spec.get("no_log")]


def _secrets(*sources):
    return [source.get(name) for source in sources for name in SECRET_NAMES if isinstance(source.get(name), str)]


class LookupModule(LookupBase):

    def run(self, terms, variables=None, **kwargs):
        params = dict(kwargs)
        for term in terms or []:
            key = "image_ids" if looks_like_image_id(term) else "names"
            params[key] = list(params.get(key) or []) + [term]
        validated = ArgumentSpecValidator(SPEC).validate(params)
        secrets = _secrets(params, validated.validated_parameters)
        if validated.error_messages:
            raise AnsibleLookupError(scrub("ims_image lookup: %s" % "; ".join(validated.error_messages), secrets))
        p = validated.validated_parameters
        # As in the modules: an empty connection option is "not set".
        for name in COMMON_ARGUMENT_SPEC:
            if p.get(name) == "":
                p[name] = None
        api = None
        try:
            resolved = check_connection(p, SPEC)
            secrets += resolved.credentials.secrets()
            error = validate(p)
            if error:
                raise HuaweiCloudError(error)
            api = build_api(p, resolved)
            images = [image for dummy, image in discover(api, p)]
        except HuaweiCloudError as error:
            if api is not None:
                secrets += api.client.secrets()
            raise AnsibleLookupError(scrub("ims_image lookup: %s" % error, secrets))
        if p["output"] == "record":
            return images
        return [image["id"] for image in images]
