# -*- coding: utf-8 -*-
# Copyright: huaweicloud.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # Common connection and authentication options of every huaweicloud.cloud module.
    DOCUMENTATION = r"""
options:
  access_key:
    description:
      - Access key id (AK) for AK/SK request signing (SDK-HMAC-SHA256).
      - If not set, the value of E(HUAWEICLOUD_ACCESS_KEY) is used.
      - Either O(access_key) and O(secret_key), or O(user), O(password) and O(domain) must be given.
      - "Must be printable ASCII characters without white space."
    type: str
    aliases: [ak]
  secret_key:
    description:
      - Secret access key (SK) paired with O(access_key). Never logged.
      - If not set, the value of E(HUAWEICLOUD_SECRET_KEY) is used.
      - "Must be printable ASCII characters without white space."
    type: str
    aliases: [sk]
  security_token:
    description:
      - Security token of a temporary AK/SK pair; only used together with O(access_key) and O(secret_key).
      - If not set, the value of E(HUAWEICLOUD_SECURITY_TOKEN) is used.
      - "Must be printable ASCII characters without white space."
    type: str
  user:
    description:
      - IAM user name for password (token) authentication.
      - If not set, the value of E(HUAWEICLOUD_USER) is used.
      - "Must be 1 to 64 characters without control characters."
    type: str
  password:
    description:
      - Password of O(user). The token obtained with it is kept for the task only.
      - If not set, the value of E(HUAWEICLOUD_PASSWORD) is used.
    type: str
  domain:
    description:
      - Account (domain) name that O(user) belongs to.
      - If not set, the value of E(HUAWEICLOUD_DOMAIN) is used.
      - "Must be 1 to 64 characters without control characters."
    type: str
  region:
    description:
      - Region id, for example V(cn-north-4).
      - If not set, the value of E(HUAWEICLOUD_REGION) is used.
      - "Must be a region id like cn-north-4."
    type: str
    required: true
  project_id:
    description:
      - Project id to act in. When not set it is looked up in IAM from O(region).
      - If not set, the value of E(HUAWEICLOUD_PROJECT_ID) is used.
      - "Must be 32 hexadecimal characters."
    type: str
  ims_endpoint:
    description:
      - IMS endpoint URL; V({region}) in it is replaced with the region id, so one value serves every region.
      - Must be an absolute http(s) URL with a host and a valid port, without user information, query or
        fragment; V({region}) may appear only in the host name or the path, so no region value can change the
        host that receives the credentials.
      - If not set, the value of E(HUAWEICLOUD_IMS_ENDPOINT) is used, else V(https://ims.{region}.myhuaweicloud.com).
    type: str
  iam_endpoint:
    description:
      - IAM endpoint URL; V({region}) in it is replaced with the region id. Same rules as O(ims_endpoint).
      - If not set, the value of E(HUAWEICLOUD_IAM_ENDPOINT) is used, else V(https://iam.{region}.myhuaweicloud.com).
    type: str
  validate_certs:
    description:
      - Whether to verify TLS certificates.
      - If not set, the value of E(HUAWEICLOUD_VALIDATE_CERTS) is used.
    type: bool
    default: true
  timeout:
    description:
      - Seconds one HTTP exchange may take in total (connect, send, and the whole reply, however slowly the
        server sends it), 1 to 3600. While a task waits for a job, every call is also cut to the time left.
    type: int
    default: 60
  max_retries:
    description:
      - How many times a transient failure (HTTP 5xx, 429, IMS flow control, a dropped connection) is retried,
        0 to 20, with capped exponential backoff and full jitter (a random wait of up to 0.5 s, 1 s, 2 s, ...
        20 s), never shorter than the server's C(Retry-After). Calls that create something are only repeated
        once a lookup shows the first attempt did not take effect.
      - Retrying also stops once 300 seconds have passed since the call's first attempt, or when the next
        attempt could not end before a job wait runs out.
    type: int
    default: 5
requirements:
  - python >= 3.8
  - requests >= 2.25
notes:
  - Every option is checked before any call; a bad value fails the task naming the option (never showing the
    value of O(access_key), O(secret_key), O(security_token) or O(password)). String options are limited to 4096
    characters.
  - Replies are checked before use; a body over 8 MB, a redirect (never followed, so credentials are not sent to
    another host), or a reply that is not the JSON the call expects fails the task naming the call.
  - All modules of this collection are in the action group C(huaweicloud.cloud.ims), so connection options can be
    set once with C(module_defaults).
"""

    WAIT = r"""
options:
  wait:
    description:
      - Whether to wait for the asynchronous IMS job to end.
      - When V(false) the module returns the job id at once; follow it with M(huaweicloud.cloud.ims_job).
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait for the job, 0 to 604800 (7 days). On time-out the task fails and its message and
        result name the job id, which M(huaweicloud.cloud.ims_job) can wait on further.
      - The wait never runs past this time, whatever the server does; every status read gets at most the time
        left.
    type: int
    default: 1800
"""
