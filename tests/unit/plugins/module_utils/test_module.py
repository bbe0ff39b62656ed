# -*- coding: utf-8 -*-
# Copyright: huaweicloud.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""HuaweiCloudModule: common option checks and error reporting (ansible's unit test pattern)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import json
import os

import pytest

from ansible.module_utils import basic
from ansible.module_utils.common.text.converters import to_bytes

from ansible_collections.huaweicloud.cloud.plugins.module_utils._errors import HuaweiCloudError, JobFailedError
from ansible_collections.huaweicloud.cloud.plugins.module_utils._module import HuaweiCloudModule

try:
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # ansible-core < 2.19
    @contextlib.contextmanager
    def patch_module_args(args=None):
        saved = basic._ANSIBLE_ARGS
        basic._ANSIBLE_ARGS = to_bytes(json.dumps({"ANSIBLE_MODULE_ARGS": args or {}}))
        try:
            yield
        finally:
            basic._ANSIBLE_ARGS = saved

AKSK = {"access_key": "AK", "secret_key": "SK", "region": "cn-north-4"}


class AnsibleExitJson(Exception):
    pass


class AnsibleFailJson(Exception):
    pass


def _exit_json(self, **kwargs):
    kwargs.setdefault("changed", False)
    raise AnsibleExitJson(kwargs)


def _fail_json(self, **kwargs):
    kwargs["failed"] = True
    raise AnsibleFailJson(kwargs)


@pytest.fixture(autouse=True)
def module_env(monkeypatch, tmp_path):
    # No credential source of the machine running the tests: variables, or profiles under HOME.
    for name in list(os.environ):
        if name.startswith(("HUAWEICLOUD_", "HW_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setattr(basic.AnsibleModule, "exit_json", _exit_json)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", _fail_json)


def build(args, argument_spec=None, **attributes):
    """A HuaweiCloudModule subclass with these class attributes (with_wait, ...), built from ``args``."""
    module_class = type("Module", (HuaweiCloudModule,), dict(attributes, argument_spec=argument_spec or {}))
    with patch_module_args(args):
        return module_class()


def failure(args, **kwargs):
    with pytest.raises(AnsibleFailJson) as info:
        build(args, **kwargs)
    return info.value.args[0]


def test_aksk_module_builds_a_client():
    module = build(dict(AKSK, project_id="0123456789abcdef0123456789abcdef", ims_endpoint="http://127.0.0.1:9000/{region}", max_retries=2,
                        timeout=9, validate_certs=False))
    client = module.api.client
    assert module.api is module.api  # built once
    assert client.ims_endpoint == "http://127.0.0.1:9000/cn-north-4"
    assert client.iam_endpoint == "https://iam.cn-north-4.myhuaweicloud.com"
    assert client.credentials.uses_aksk and client.project_id == "0123456789abcdef0123456789abcdef"
    assert client.retry_policy.max_retries == 2
    assert client.timeout == 9 and client.validate_certs is False


def test_password_credentials_are_enough():
    module = build({"user": "alice", "password": "pw", "domain": "acme", "region": "cn-north-9"})
    assert not module.api.client.credentials.uses_aksk


def test_aliases_and_environment(monkeypatch):
    monkeypatch.setenv("HUAWEICLOUD_REGION", "ap-southeast-1")
    monkeypatch.setenv("HUAWEICLOUD_SECRET_KEY", "SK-from-env")
    module = build({"ak": "AK"})
    assert module.params["access_key"] == "AK"
    assert module.params["secret_key"] == "SK-from-env"
    assert module.params["region"] == "ap-southeast-1"


def test_blank_injected_variables_mean_unset(monkeypatch):
    # AWX injects every credential field; blank ones arrive as empty strings.
    for name in ("HUAWEICLOUD_PROJECT_ID", "HUAWEICLOUD_SECURITY_TOKEN", "HUAWEICLOUD_USER",
                 "HUAWEICLOUD_IMS_ENDPOINT", "HUAWEICLOUD_DOMAIN"):
        monkeypatch.setenv(name, "")
    module = build({"access_key": "AK", "secret_key": "SK", "region": "cn-north-9"})
    for name in ("project_id", "security_token", "user", "ims_endpoint", "domain"):
        assert module.params[name] is None
    assert module.api.client.ims_endpoint == "https://ims.cn-north-9.myhuaweicloud.com"


@pytest.mark.parametrize("args", [
    {"access_key": "AK", "region": "cn-north-9"},
    {"secret_key": "SK", "region": "cn-north-9"},
    {"access_key": "AK", "user": "alice", "password": "pw", "domain": "acme", "region": "cn-north-9"},
])
def test_access_key_and_secret_key_go_together(args):
    assert failure(args)["msg"] == "access_key and secret_key must be given together"


@pytest.mark.parametrize("args", [
    {"region": "cn-north-9"},
    {"user": "alice", "password": "pw", "region": "cn-north-9"},
    {"user": "alice", "domain": "acme", "region": "cn-north-9"},
])
def test_credentials_are_required(args):
    msg = failure(args)["msg"]
    if len(args) == 1:
        assert msg.startswith("no credentials: set access_key and secret_key")
        assert "HUAWEICLOUD_ACCESS_KEY" in msg and "HW_ACCESS_KEY" in msg and "HUAWEICLOUD_SDK_AK" in msg
    assert "user, password and domain" in msg


@pytest.mark.parametrize("name", ["ims_endpoint", "iam_endpoint"])
@pytest.mark.parametrize("value", ["ims.example.com", "ftp://ims.example.com", "//ims.example.com"])
def test_endpoints_must_be_urls(name, value):
    result = failure(dict(AKSK, **{name: value}))
    assert result["msg"] == "%s must be an http(s) URL, got %r" % (name, value)


@pytest.mark.parametrize("args, msg", [
    ({"timeout": 0}, "timeout must be between 1 and 3600 seconds, got 0"),
    ({"max_retries": -1}, "max_retries must be between 0 and 20, got -1"),
    ({"wait_timeout": -5}, "wait_timeout must be between 0 and 604800 seconds, got -5"),
])
def test_numeric_limits(args, msg):
    assert failure(dict(AKSK, **args), with_wait=True)["msg"] == msg


def test_zero_retries_and_wait_timeout_are_fine():
    module = build(dict(AKSK, max_retries=0, wait_timeout=0), with_wait=True)
    assert module.params["wait"] is True and module.params["wait_timeout"] == 0


def test_region_is_required():
    assert "region" in failure({"access_key": "AK", "secret_key": "SK"})["msg"]


def test_secrets_are_no_log():
    module = build(dict(AKSK, security_token="STS", user="u", password="pw", domain="d"))
    assert {"AK", "SK", "STS", "pw"} <= set(module.module.no_log_values)


def test_run_exits_with_the_result():
    module = build(AKSK, {"name": {"type": "str"}})
    with pytest.raises(AnsibleExitJson) as info:
        module.run(lambda: {"changed": True, "image_id": "i1"})
    assert info.value.args[0] == {"changed": True, "image_id": "i1"}


def test_run_turns_api_errors_into_failures():
    module = build(AKSK)

    def action():
        raise HuaweiCloudError("The image does not exist.", status=404, code="IMG.0027", request_id="rq",
                               method="GET", path="/v2/cloudimages")

    with pytest.raises(AnsibleFailJson) as info:
        module.run(action)
    result = info.value.args[0]
    assert result["msg"] == "IMG.0027: The image does not exist. (HTTP 404 on GET /v2/cloudimages)"
    assert (result["error_code"], result["http_status"], result["request_id"]) == ("IMG.0027", 404, "rq")


def test_run_reports_failed_jobs():
    module = build(AKSK)
    job = {"job_id": "j1", "status": "FAIL", "error_code": "IMG.0145", "fail_reason": "gone"}

    def action():
        raise JobFailedError(job)

    with pytest.raises(AnsibleFailJson) as info:
        module.run(action)
    assert info.value.args[0]["job_id"] == "j1" and info.value.args[0]["job"] == job


def test_a_failure_after_a_job_started_keeps_changed_and_the_job_id():
    module = build(AKSK, with_wait=True, with_visibility=True)
    assert module.params["visibility_window"] == 60
    partial = {"changed": False}

    def action():
        partial.update(changed=True, job_id="j1")
        raise HuaweiCloudError("2 images are named 'x'")

    with pytest.raises(AnsibleFailJson) as info:
        module.run(action, partial=partial)
    result = info.value.args[0]
    assert (result["changed"], result["job_id"], result["msg"]) == (True, "j1", "2 images are named 'x'")


def test_visibility_window_must_not_be_negative():
    assert failure(dict(AKSK, visibility_window=-1), with_visibility=True)["msg"] == (
        "visibility_window must be between 0 and 3600 seconds, got -1")


def test_waits_log_their_progress_through_the_module_log_and_wait_timeout_defaults_to_none(monkeypatch):
    """Issue 12: a module's output reaches Ansible only when it returns, so the waiter's readings go to
    AnsibleModule.log (journal/syslog) during the wait; no wait_timeout means the operation's default."""
    logged = []
    monkeypatch.setattr(basic.AnsibleModule, "log", lambda self, msg, log_args=None: logged.append(msg))
    module = build(dict(AKSK, project_id="0123456789abcdef0123456789abcdef"), with_wait=True)
    assert module.params["wait_timeout"] is None
    waiter = module.api.waiter
    waiter._get_job = lambda job_id: {"job_id": job_id, "status": "SUCCESS", "entities": {"process_percent": 1.0}}
    del logged[:]  # AnsibleModule logs its invocation first
    waiter.wait("j-1", 5)
    assert len(logged) == 1 and "IMS job j-1: SUCCESS" in logged[0]


# The steps of a module (HuaweiCloudModule subclasses) --------------------------------------------------------

class Recorder(HuaweiCloudModule):
    """A module that records its steps; ``fail_at`` makes one of them raise after a job started."""

    argument_spec = dict(name=dict(type="str"))
    module_kwargs = dict(supports_check_mode=True)
    with_wait = True
    fail_at = None
    planned = "the plan"

    def step(self, name, *args):
        self.result.setdefault("steps", []).append(name)
        if name == self.fail_at:
            self.result.update(changed=True, job_id="j1")
            raise HuaweiCloudError("%s failed" % name)

    def validate(self):
        self.step("validate")
        return "name must not be x" if self.params["name"] == "x" else None

    def look_up(self):
        self.step("look_up")
        return "found"

    def plan(self, found):
        self.step("plan")
        assert found == "found"
        return self.planned

    def apply(self, plan):
        self.step("apply")

    def wait(self, plan):
        self.step("wait")

    def finish(self, plan):
        self.step("finish")
        return self.result


def steps_of(args, cls=Recorder, **attributes):
    with patch_module_args(args):
        module = type("Module", (cls,), attributes)()
    with pytest.raises((AnsibleExitJson, AnsibleFailJson)) as info:
        module()
    return info.value.args[0]


def test_steps_run_in_their_fixed_order():
    assert steps_of(AKSK)["steps"] == ["validate", "look_up", "plan", "apply", "wait", "finish"]
    assert steps_of(dict(AKSK, wait=False))["steps"] == ["validate", "look_up", "plan", "apply", "finish"]


def test_nothing_planned_or_check_mode_skips_apply_and_wait():
    assert steps_of(AKSK, planned=None)["steps"] == ["validate", "look_up", "plan", "finish"]
    assert steps_of(dict(AKSK, _ansible_check_mode=True))["steps"] == ["validate", "look_up", "plan", "finish"]
    # A module that only reads runs every step in check mode (ims_job waits for jobs there too).
    assert steps_of(dict(AKSK, _ansible_check_mode=True), read_only=True)["steps"] == [
        "validate", "look_up", "plan", "apply", "wait", "finish"]


def test_validation_fails_before_any_other_step():
    result = steps_of(dict(AKSK, name="x"))
    assert result["failed"] and result["msg"] == "name must not be x" and "steps" not in result


@pytest.mark.parametrize("step", ["apply", "wait", "finish"])
def test_a_failure_after_a_job_started_keeps_changed_and_the_job_id_in_every_step(step):
    result = steps_of(AKSK, fail_at=step)
    assert (result["failed"], result["changed"], result["job_id"], result["msg"]) == (
        True, True, "j1", "%s failed" % step)
