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
      - Region id, for example V(cn-north-4). Required.
      - If not set, the value of E(HUAWEICLOUD_REGION) is used, else E(HW_REGION_NAME), else the region of a KooCLI
        profile.
      - "Must be a region id like cn-north-4."
    type: str
  project_id:
    description:
      - Project id to act in. When not set it is looked up in IAM from O(region).
      - If not set, the value of E(HUAWEICLOUD_PROJECT_ID) is used.
      - "Must be 32 hexadecimal characters."
    type: str
  profile:
    description:
      - Profile to read credentials from when no option or variable gives them (step 4 of the precedence in the
        notes).
      - The section of that name in the Huawei Cloud SDK credentials file (E(HUAWEICLOUD_SDK_CREDENTIALS_FILE), else
        C(~/.huaweicloud/credentials); keys C(ak), C(sk), C(security_token), C(project_id), C(iam_endpoint)), else
        the KooCLI profile of that name in E(HW_SHARED_CONFIG_FILE), else C(~/.hcloud/config.json) (AKSK mode only).
      - When not set, the SDK file's C([basic]) section, else KooCLI's C(current) profile, is used if present.
      - If not set, the value of E(HUAWEICLOUD_PROFILE), else E(HW_PROFILE), is used.
      - "Must be 1 to 64 characters without control characters."
    type: str
  credentials_source:
    description:
      - V(ecs_metadata) adds the ECS metadata service as the last credential source, for tasks run on an ECS
        with an agency. Its temporary credentials are renewed before they expire.
      - If not set, the value of E(HUAWEICLOUD_CREDENTIALS_SOURCE) is used.
    type: str
    choices: [chain, ecs_metadata]
    default: chain
  metadata_url:
    description:
      - Base URL of the ECS metadata service, used only with O(credentials_source=ecs_metadata); it is asked
        for C(/openstack/latest/securitykey) and must answer within 3 seconds.
      - If not set, the value of E(HUAWEICLOUD_METADATA_URL) is used, else V(http://169.254.169.254).
    type: str
  assume_role:
    description:
      - Act as an IAM agency. The credentials found as the notes describe ask IAM
        (C(POST /v3.0/OS-CREDENTIAL/securitytokens)) for the agency's temporary credentials, which the task
        then uses and renews before they expire.
      - If not set, E(HW_ASSUME_ROLE_AGENCY_NAME) and E(HW_ASSUME_ROLE_DOMAIN_NAME) are used when set.
    type: dict
    suboptions:
      agency_name:
        description:
          - Name of the agency.
          - "Must be 1 to 64 letters, digits, hyphens (-), underscores (_) and dots (.)."
        type: str
        required: true
      domain_name:
        description:
          - Name of the account that created the agency. Either this or O(assume_role.domain_id).
        type: str
      domain_id:
        description:
          - Id of the account that created the agency (32 hexadecimal characters).
        type: str
      duration:
        description:
          - Seconds the temporary credentials last, 900 to 86400.
        type: int
        default: 3600
  cloud:
    description:
      - Domain of the default endpoints, C(https://ims.{region}.<cloud>) and C(https://iam.{region}.<cloud>).
      - If not set, the value of E(HUAWEICLOUD_CLOUD), else E(HW_CLOUD), is used, else V(myhuaweicloud.com).
      - "Must be a domain name like myhuaweicloud.com."
    type: str
  ims_endpoint:
    description:
      - IMS endpoint URL; V({region}) in it is replaced with the region id, so one value serves every region.
      - Must be an absolute http(s) URL with a host and a valid port, without user information, query or
        fragment; V({region}) may appear only in the host name or the path, so no region value can change the
        host that receives the credentials.
      - If not set, the value of E(HUAWEICLOUD_IMS_ENDPOINT) is used, else V(https://ims.{region}.<cloud>).
    type: str
  iam_endpoint:
    description:
      - IAM endpoint URL; V({region}) in it is replaced with the region id. Same rules as O(ims_endpoint).
      - If not set, the value of E(HUAWEICLOUD_IAM_ENDPOINT) is used, else E(HUAWEICLOUD_SDK_IAM_ENDPOINT), else
        V(https://iam.{region}.<cloud>).
    type: str
  ecs_endpoint:
    description:
      - ECS endpoint URL, read only to find the images servers use (the C(ims_prune) role); V({region}) in it
        is replaced with the region id. Same rules as O(ims_endpoint).
      - If not set, the value of E(HUAWEICLOUD_ECS_ENDPOINT) is used, else V(https://ecs.{region}.<cloud>).
    type: str
  validate_certs:
    description:
      - Whether to verify TLS certificates.
      - If not set, the value of E(HUAWEICLOUD_VALIDATE_CERTS) is used.
    type: bool
    default: true
  ca_bundle:
    description:
      - PEM file of the CA certificates to trust instead of the system store, for endpoints behind a private CA.
      - A certificate that does not verify fails the task at once (it is not retried), naming the host.
      - If not set, the value of E(HUAWEICLOUD_CA_BUNDLE) is used.
    type: path
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
notes:
  - "Credentials are taken from the first of these sources that gives a whole identity (an access key and
    secret key, optionally with a security token, or a user, password and domain); a source that gives only part
    of one is an error naming it: 1. the module options, with the E(HUAWEICLOUD_*) variables as fallbacks;
    2. the Huawei Cloud SDK's variables E(HUAWEICLOUD_SDK_AK), E(HUAWEICLOUD_SDK_SK),
    E(HUAWEICLOUD_SDK_SECURITY_TOKEN) (with E(HUAWEICLOUD_SDK_PROJECT_ID) and E(HUAWEICLOUD_SDK_IAM_ENDPOINT));
    3. the Terraform provider's variables E(HW_ACCESS_KEY), E(HW_SECRET_KEY), E(HW_SECURITY_TOKEN), or
    E(HW_USER_NAME), E(HW_PASSWORD), E(HW_DOMAIN_NAME) (with E(HW_REGION_NAME) and E(HW_PROJECT_ID));
    4. a profile (O(profile)); 5. the ECS metadata service, only with O(credentials_source=ecs_metadata).
    Then, with O(assume_role) (or E(HW_ASSUME_ROLE_AGENCY_NAME)), those credentials assume the IAM agency."
  - Region, project id and IAM endpoint take the first value found in the same order (files only up to the
    source of the credentials). Every value, wherever it was read, is checked like the option it stands for, and
    an error names where it came from, never a secret.
  - Every option is checked before any call; a bad value fails the task naming the option (never showing the
    value of O(access_key), O(secret_key), O(security_token) or O(password)). String options are limited to 4096
    characters.
  - Replies are checked before use; a body over 8 MB, a redirect (never followed, so credentials are not sent to
    another host), or a reply that is not the JSON the call expects fails the task naming the call.
  - All modules of this collection are in the action group C(huaweicloud.cloud.ims), so connection options can be
    set once with C(module_defaults).
  - HTTP(S) goes through Python's standard library (no package to install). A proxy is taken from
    E(https_proxy), E(http_proxy) or E(all_proxy) unless E(no_proxy) names the host; it must be an C(http://) proxy
    (credentials in its URL allowed); HTTPS is tunnelled through it with C(CONNECT) and still verified end to end.
"""

    WAIT = r"""
options:
  wait:
    description:
      - Whether to wait for the asynchronous IMS job to end.
      - When V(false) the module returns the job id at once; follow it with M(huaweicloud.cloud.ims_job).
        A task that creates an image returns once IMS lists the new image, with it (see its C(visibility_window)).
      - The job's status is first read 0.5 s after the job starts, then less and less often (up to every 10 s)
        until IMS reports progress; then the end is estimated from the rate of progress and read just after it.
        A job is never read more often than once a second.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait for the job, 0 to 604800 (7 days). On time-out the task fails and its message and
        result name the job id, which M(huaweicloud.cloud.ims_job) can wait on further.
      - The wait never runs past this time, whatever the server does; every status read gets at most the time
        left.
      - "Default: per operation, about twice the longest duration seen on the real cloud (Terraform provider
        acceptance runs) or, where none was measured, the Terraform provider's own time-out with a margin:
        import from OBS, register or upload 3600 (imports take 10-30 minutes); quick import 1800; image from
        an ECS or EVS disk 1800; whole-system image (ECS or CBR backup) 3600; in-region copy 1800 (631-700 s
        seen); cross-region copy 1800 (742-888 s seen); cross-region copy of a whole-system image 3600
        (about 1761 s seen); export to OBS 3600; member jobs (share, unshare, accept) 1200 (about 430 s seen);
        deletion until IMS no longer lists the image 600. A value given here applies to every wait of the task."
      - "Progress: Ansible shows a module's output only once the module returns, so a module cannot print
        while it waits. The result has C(progress) for each job waited on: last C(status) and
        C(process_percent), C(polls), C(elapsed) seconds, the C(wait_timeout) used and a C(history) of
        readings with UTC timestamps (the first, about one a minute, the last); see it with C(-v) or
        C(register). During the wait each of those readings is also logged, with its timestamp, through
        Ansible's module logging (C(AnsibleModule.log)) to the system journal or syslog of the host that runs
        the module (usually the controller); each line starts with C(ansible-) and the module's name as the
        task gives it, so C(journalctl -f | grep ansible-huaweicloud.cloud.ims_image_copy) follows a long copy
        live. Tasks with C(no_log) log nothing."
      - "For a wait longer than a connection may stay idle, or to run other tasks meanwhile, use Ansible's
        C(async) and C(poll) (Ansible prints C(ASYNC POLL) lines at each C(poll) interval), or O(wait=false) and
        M(huaweicloud.cloud.ims_job) later; see the examples of M(huaweicloud.cloud.ims_image_copy)."
    type: int
"""

    # Options of the modules that create images.
    VISIBILITY = r"""
options:
  visibility_window:
    description:
      - IMS lists a new image only some time after the call that created it, and keeps listing a deleted image
        for a while. When the answer to a create call is lost (dropped connection, HTTP 500/503 after the
        service acted), the module keeps looking for the image it may have created, by name, for this many
        seconds before it sends the call again, so a retry never creates a second image.
      - The default fits the real service, which lists new images within seconds; the cost of a longer window
        is only paid after a lost answer.
      - With O(wait=false), a task that started a creation returns only once IMS lists the new image (usually a
        few seconds; at most this many seconds, reading the list about once a second), with the image (status
        C(queued) or C(saving), or C(active) for a quick job) next to the job id, so that a run right after it
        finds the image and never creates a second one. If the job fails meanwhile (the job is read from 5 s on),
        the task fails with C(changed=true) and the job id. After the window the task returns the job id alone.
      - If not set, the value of E(HUAWEICLOUD_VISIBILITY_WINDOW) is used.
      - Only one play at a time may manage one image name (IMS names are not unique); serialize plays that
        share names, for example with C(throttle=1) or C(serial=1) on the task or play, and with AWX job
        slicing off. When more than one image answers a task's intent, the task fails naming every id instead
        of choosing one.
    type: int
    default: 60
"""

    # The image discovery options: ims_image_info and the ims_image lookup (plugins/module_utils/_discovery.py).
    DISCOVERY = r"""
options:
  image_ids:
    description:
      - Only these images (one lookup per id). The other filters still apply.
      - "Each entry must be a UUID like 4ca46bf1-5c61-48ff-b4f3-0ad4e5e3ba86."
    type: list
    elements: str
    aliases: [id, ids]
  names:
    description:
      - Only images with exactly one of these names (one lookup per name). The other filters still apply.
    type: list
    elements: str
    aliases: [name]
  imagetype:
    description:
      - Image type (C(__imagetype)). V(gold) public, V(private) private, V(shared) shared by or with the caller,
        V(market) Marketplace.
    type: str
    choices: [gold, private, shared, market]
  visibility:
    description:
      - Visibility to other tenants.
    type: str
    choices: [public, private, shared]
  status:
    description:
      - Image status.
    type: str
    choices: [queued, saving, deleted, killed, active]
  owner:
    description:
      - Project id that owns the images, or V(self) for the caller's own project.
      - Images shared with the caller are listed with O(member_status) (shared with me, by membership status).
      - "Must be self or a project id (32 hexadecimal characters)."
    type: str
  platform:
    description:
      - OS platform (C(__platform)), for example V(Ubuntu), V(CentOS), V(Windows), V(EulerOS).
    type: str
  os_type:
    description:
      - OS type (C(__os_type)).
    type: str
    choices: [Linux, Windows, Other]
  os_bit:
    description:
      - OS word size (C(__os_bit)).
    type: str
    choices: ['32', '64']
  disk_format:
    description:
      - Image file format.
    type: str
    choices: [zvhd2, vhd, zvhd, raw, qcow2, iso]
  container_format:
    description:
      - Container format (IMS uses V(bare)).
    type: str
  min_ram:
    description:
      - Minimum memory the image needs, in MB.
    type: int
  min_disk:
    description:
      - Minimum system disk the image needs, in GB.
    type: int
  protected:
    description:
      - Only protected (V(true)) or unprotected (V(false)) images. Public images are protected.
    type: bool
  whole_image:
    description:
      - Only whole images (V(true)) or only other images (V(false)) (C(__whole_image)).
    type: bool
  isregistered:
    description:
      - Whether the image is registered and usable (C(__isregistered)). IMS lets ordinary users see registered
        images only.
    type: bool
  member_status:
    description:
      - Images shared with the caller whose membership has this status. V(pending) lists shares not yet
        accepted, V(rejected) rejected ones.
      - IMS needs O(visibility=shared) with it; O(visibility) and O(imagetype) default to V(shared) when this is
        set.
    type: str
    choices: [accepted, rejected, pending]
  tag:
    description:
      - Only images with this tag, written V(key=value) (the IMS server-side filter).
    type: str
  tags:
    description:
      - "Only images that have every one of these tags (all must match). A V(null) value matches any value of
        the key (a key-only filter), for example C({team: web, keep: null})."
      - IMS filters on one tag; the first key with a value narrows the listing on the server (unless O(tag) is
        set), the others are checked on the results.
    type: dict
  name_pattern:
    description:
      - Only images whose name matches this shell-style glob (V(web-*)), case-sensitive. Applied after the
        server-side filters.
    type: str
  name_regex:
    description:
      - Only images whose name matches this Python regular expression (searched, not anchored; use C(^) and
        C($) to anchor). Applied after the server-side filters and together with O(name_pattern).
    type: str
  most_recent:
    description:
      - Return only the newest matching image (largest C(created_at)), like Terraform's C(most_recent).
    type: bool
    default: false
  virtual_env_type:
    description:
      - Environment the image is for - V(FusionCompute) ECS system disk images, V(DataImage) data disk images,
        V(Ironic) BMS images, V(IsoImage) ISO images.
    type: str
    choices: [FusionCompute, Ironic, DataImage, IsoImage]
  created_at:
    description:
      - Creation time condition C(operator:time); operators V(gt), V(gte), V(lt), V(lte), V(eq), V(neq); time as
        C(yyyy-MM-ddThh:mm:ssZ) or C(yyyy-MM-dd hh:mm:ss) in UTC, for example V(gt:2024-01-01T00:00:00Z).
    type: str
  updated_at:
    description:
      - Last update time condition, in the same form as O(created_at).
    type: str
  sort_key:
    description:
      - Attribute to sort by, passed to IMS (the result keeps its order). IMS sorts by creation time by default.
    type: str
    choices: [name, container_format, disk_format, status, id, size, created_at]
  sort_dir:
    description:
      - Sort order; IMS default is V(desc).
    type: str
    choices: [asc, desc]
  enterprise_project_id:
    description:
      - Only images of this enterprise project.
      - "Must be 0 (the default enterprise project) or a UUID."
    type: str
  cmk_id:
    description:
      - Only images encrypted with this KMS key (C(__system__cmkid)).
      - "Must be a UUID like 4ca46bf1-5c61-48ff-b4f3-0ad4e5e3ba86."
    type: str
  support_kvm:
    description:
      - Filter on C(__support_kvm). IMS only sets feature flags to C(true), so V(true) is the useful value.
    type: bool
  support_xen:
    description:
      - Filter on C(__support_xen) (see O(support_kvm)).
    type: bool
  support_largememory:
    description:
      - Filter on C(__support_largememory), images for large-memory flavors.
    type: bool
  support_diskintensive:
    description:
      - Filter on C(__support_diskintensive), images for disk-intensive flavors.
    type: bool
  support_highperformance:
    description:
      - Filter on C(__support_highperformance), images for high-performance flavors.
    type: bool
  support_xen_hana:
    description:
      - Filter on C(__support_xen_hana), XEN HANA images.
    type: bool
  support_kvm_infiniband:
    description:
      - Filter on C(__support_kvm_infiniband), KVM images with InfiniBand NICs.
    type: bool
  support_xen_gpu_type:
    description:
      - XEN GPU type the images support (C(__support_xen_gpu_type)).
    type: str
  support_kvm_gpu_type:
    description:
      - KVM GPU type the images support (C(__support_kvm_gpu_type)).
    type: str
  limit:
    description:
      - Images per page (1 to 500). Pages are followed automatically, so this never limits the result.
    type: int
    default: 500
"""
