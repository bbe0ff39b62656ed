# -*- coding: utf-8 -*-
# Copyright: huaweicloud.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every module shares: the common options, the client, and error reporting."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.basic import AnsibleModule, _load_params, env_fallback
from ansible.module_utils.common.validation import check_type_dict
from ansible.module_utils.six.moves.collections_abc import Mapping

from ansible_collections.huaweicloud.cloud.plugins.module_utils._client import HuaweiCloudClient
from ansible_collections.huaweicloud.cloud.plugins.module_utils._credentials import resolve
from ansible_collections.huaweicloud.cloud.plugins.module_utils._errors import HuaweiCloudError, scrub
from ansible_collections.huaweicloud.cloud.plugins.module_utils._ims import ImsApi
from ansible_collections.huaweicloud.cloud.plugins.module_utils._retries import RetryPolicy
from ansible_collections.huaweicloud.cloud.plugins.module_utils._validation import (
    FORMATS,
    OPTION_FORMATS,
    check_endpoint,
    check_format,
    check_number_bounds,
    check_readable_file,
    check_strings,
    first_error,
)


def _env(*names):
    return dict(fallback=(env_fallback, list(names)))


# Keep in sync with plugins/doc_fragments/ims.py (validate-modules checks it).
COMMON_ARGUMENT_SPEC = dict(
    access_key=dict(type="str", no_log=True, aliases=["ak"], **_env("HUAWEICLOUD_ACCESS_KEY")),
    secret_key=dict(type="str", no_log=True, aliases=["sk"], **_env("HUAWEICLOUD_SECRET_KEY")),
    security_token=dict(type="str", no_log=True, **_env("HUAWEICLOUD_SECURITY_TOKEN")),
    user=dict(type="str", **_env("HUAWEICLOUD_USER")),
    password=dict(type="str", no_log=True, **_env("HUAWEICLOUD_PASSWORD")),
    domain=dict(type="str", **_env("HUAWEICLOUD_DOMAIN")),
    # Required, but it may also come from HW_REGION_NAME or a KooCLI profile (plugins/module_utils/_credentials.py).
    region=dict(type="str", **_env("HUAWEICLOUD_REGION")),
    project_id=dict(type="str", **_env("HUAWEICLOUD_PROJECT_ID")),
    profile=dict(type="str", **_env("HUAWEICLOUD_PROFILE", "HW_PROFILE")),
    credentials_source=dict(type="str", choices=["chain", "ecs_metadata"], default="chain",
                            **_env("HUAWEICLOUD_CREDENTIALS_SOURCE")),
    metadata_url=dict(type="str", **_env("HUAWEICLOUD_METADATA_URL")),
    assume_role=dict(type="dict", options=dict(
        agency_name=dict(type="str", required=True),
        domain_name=dict(type="str"),
        domain_id=dict(type="str"),
        duration=dict(type="int", default=3600),
    ), mutually_exclusive=[["domain_name", "domain_id"]]),
    cloud=dict(type="str", **_env("HUAWEICLOUD_CLOUD", "HW_CLOUD")),
    ims_endpoint=dict(type="str", **_env("HUAWEICLOUD_IMS_ENDPOINT")),
    iam_endpoint=dict(type="str", **_env("HUAWEICLOUD_IAM_ENDPOINT")),
    ecs_endpoint=dict(type="str", **_env("HUAWEICLOUD_ECS_ENDPOINT")),
    validate_certs=dict(type="bool", default=True, **_env("HUAWEICLOUD_VALIDATE_CERTS")),
    ca_bundle=dict(type="path", **_env("HUAWEICLOUD_CA_BUNDLE")),
    timeout=dict(type="int", default=60),
    max_retries=dict(type="int", default=5),
)

WAIT_ARGUMENT_SPEC = dict(
    wait=dict(type="bool", default=True),
    # None: the operation's default (module_utils/_waiter.py WAIT_TIMEOUTS).
    wait_timeout=dict(type="int"),
)


def _unreadable_suboptions(spec, params):
    """Options with sub-options whose given value is not a dict (or a list of dicts). ansible-core (2.19)
    collects no no_log value at all when it meets one, and would echo every secret with the module
    arguments at -vvv; these options are refused before it runs."""
    wrong = []
    for name, options in sorted(spec.items()):
        if not options.get("options"):
            continue
        keys = [name] + list(options.get("aliases") or [])
        value = next((params[key] for key in keys if params.get(key) is not None), None)
        if value is None:
            continue
        items = value if isinstance(value, list) and options.get("type") == "list" else [value]
        for item in items:
            if isinstance(item, str):
                try:
                    item = check_type_dict(item)
                except (TypeError, ValueError):
                    pass
            if not isinstance(item, Mapping) or _unreadable_suboptions(options["options"], item):
                wrong.append(name)
                break
    return wrong


# For modules that create images (keep in sync with the VISIBILITY doc fragment).
VISIBILITY_ARGUMENT_SPEC = dict(
    visibility_window=dict(type="int", default=60, **_env("HUAWEICLOUD_VISIBILITY_WINDOW")),
)

# What a failure keeps of the result built so far: once a job has started, the task changed something and the
# job id is how to follow it.
STARTED_KEYS = ("job_id", "job_ids", "export_job_id", "image_id", "image")


def check_connection(params, argument_spec):
    """Check every option with a declared format and resolve the credential chain, before any call; fills
    ``region``, ``project_id`` and ``iam_endpoint`` of ``params`` from it. Returns the Resolved; raises
    HuaweiCloudError naming the option. Modules and the lookup plugin share this."""
    p = params
    error = first_error(
        check_strings(p, argument_spec),
        *[check_format(p[name], name) for name in sorted(p) if name in OPTION_FORMATS]
    )
    error = error or first_error(check_endpoint(p["ims_endpoint"], "ims_endpoint"),
                                 check_endpoint(p["iam_endpoint"], "iam_endpoint"),
                                 check_endpoint(p["ecs_endpoint"], "ecs_endpoint"),
                                 check_number_bounds(p))
    error = error or first_error(check_endpoint(p["metadata_url"], "metadata_url"),
                                 check_readable_file(p["ca_bundle"], "ca_bundle"))
    if error:
        raise HuaweiCloudError(error)
    # The credential chain: files and variables are read (and checked) now, before any call.
    resolved = resolve(p)
    for name in ("region", "project_id", "iam_endpoint"):
        p[name] = resolved.settings.get(name)
    if not p["region"]:
        raise HuaweiCloudError("region must be %s: set region (HUAWEICLOUD_REGION), HW_REGION_NAME or the region "
                               "of a KooCLI profile" % FORMATS["region"].rule)
    return resolved


def build_api(params, resolved):
    """The ImsApi for checked ``params`` and the credentials ``check_connection`` resolved."""
    p = params
    client = HuaweiCloudClient(
        resolved.credentials, p["region"], project_id=p["project_id"], ims_endpoint=p["ims_endpoint"],
        iam_endpoint=p["iam_endpoint"], validate_certs=p["validate_certs"], timeout=p["timeout"],
        retry_policy=RetryPolicy(max_retries=p["max_retries"]), cloud=p["cloud"], ca_bundle=p["ca_bundle"],
        ecs_endpoint=p["ecs_endpoint"])
    return ImsApi(client)


class HuaweiCloudModule(object):
    """The base of every module: an AnsibleModule with the common options, input checks and a lazily built
    client, and one fixed order of steps (openstack.cloud's OpenStackModule shape).

    A module subclasses it, sets ``argument_spec`` (its own options), ``module_kwargs`` (more AnsibleModule
    arguments), ``with_wait``/``with_visibility`` (the shared option groups), and overrides the steps that
    ``__call__`` runs in this order:

    1. ``validate()`` - before any call: the first problem with the options, as a message naming the option;
    2. ``look_up()`` - read what exists;
    3. ``plan(found)`` - decide what changes, set ``changed`` and the diff in ``self.result``; None when there is
       nothing to apply or wait for;
    4. ``apply(plan)`` - the calls that change things, job ids recorded in ``self.result``;
    5. ``wait(plan)`` - with ``wait=true``: wait for what apply started;
    6. ``finish(plan)`` - what is left to converge or report once that is over; returns the result.

    Check mode skips apply and wait, except in modules that only read (``read_only``).

    ``self.result`` is the result built as the steps go: a failure after a job started still reports
    ``changed=true`` and the job id(s) from it (see ``run``).
    """

    argument_spec = {}
    module_kwargs = {}
    with_wait = False
    with_visibility = False
    read_only = False

    def __init__(self):
        self.result = {}
        spec = dict(COMMON_ARGUMENT_SPEC)
        if self.with_wait:
            spec.update(WAIT_ARGUMENT_SPEC)
        if self.with_visibility:
            spec.update(VISIBILITY_ARGUMENT_SPEC)
        spec.update(self.argument_spec)
        wrong = _unreadable_suboptions(spec, _load_params() or {})
        if wrong:
            # Read those options as raw values, so ansible-core masks the secrets, then refuse them.
            relaxed = dict(spec)
            relaxed.update((name, dict(type="raw", aliases=spec[name].get("aliases") or [])) for name in wrong)
            module = AnsibleModule(argument_spec=relaxed, **self.module_kwargs)
            kind = "a list of dictionaries" if spec[wrong[0]].get("type") == "list" else "a dictionary"
            module.fail_json(msg="%s must be %s with the documented sub-options, got %s"
                             % (wrong[0], kind, type(module.params.get(wrong[0])).__name__))
        self.module = AnsibleModule(argument_spec=spec, **self.module_kwargs)
        self.params = self.module.params
        # AWX injects every field of a credential type, blank ones as "": an empty
        # connection option means "not set", exactly like an absent variable.
        for name in COMMON_ARGUMENT_SPEC:
            if self.params.get(name) == "":
                self.params[name] = None
        self.check_mode = self.module.check_mode
        self._api = None
        self._resolved = None
        self._check_common_params()

    def _check_common_params(self):
        """The input contract (plugins/module_utils/_validation.py) for every option that has a declared
        format, before any call: a bad value is refused naming the option, never showing a secret."""
        try:
            self._resolved = check_connection(self.params, self.module.argument_spec)
        except HuaweiCloudError as error:
            self.fail(str(error))

    @property
    def api(self):
        """The ImsApi for the module's region, built on first use."""
        if self._api is None:
            self._api = build_api(self.params, self._resolved)
            self._api.log = self.module.log
        return self._api

    def secrets(self):
        """Every secret this task knows: the no_log options and, once a client exists, its IAM token."""
        values = [self.params.get(name) for name, spec in self.module.argument_spec.items() if spec.get("no_log")]
        if self._resolved is not None:
            values += self._resolved.credentials.secrets()
        if self._api is not None:
            values += self._api.client.secrets()
        return values

    def fail(self, msg, **result):
        # Every failure goes through the one scrubber, whatever produced its text.
        secrets = self.secrets()
        result = dict((key, scrub(value, secrets) if isinstance(value, str) else value)
                      for key, value in result.items())
        self.module.fail_json(msg=scrub(msg, secrets), **result)

    def exit(self, **result):
        self.module.exit_json(**result)

    def run(self, action, partial=None):
        """Call ``action()`` and exit with its result dict; API errors become fail_json.

        ``partial`` is the result dict the action fills as it goes: a failure after it started a job still
        reports ``changed=true`` and the job id(s) from it.
        """
        try:
            result = action()
        except HuaweiCloudError as error:
            extra = error.to_result()
            partial = partial or {}
            if partial.get("changed"):
                extra["changed"] = True
            for key in STARTED_KEYS:
                if partial.get(key) and not extra.get(key):
                    extra[key] = partial[key]
            self.fail(str(error), **extra)
        self.exit(**result)

    # The steps (see the class docstring) ----------------------------------------------------------

    def validate(self):
        return None

    def look_up(self):
        return None

    def plan(self, found):
        return None

    def apply(self, plan):
        pass

    def wait(self, plan):
        pass

    def finish(self, plan):
        return self.result

    def steps(self):
        plan = self.plan(self.look_up())
        if plan is not None and (self.read_only or not self.check_mode):
            self.apply(plan)
            if self.params.get("wait"):
                self.wait(plan)
        return self.finish(plan)

    def __call__(self):
        error = self.validate()
        if error:
            self.fail(error)
        self.run(self.steps, partial=self.result)
