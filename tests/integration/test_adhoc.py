"""Ad-hoc use: `ansible localhost -m huaweicloud.cloud.<module> -a ...` against the emulator, credentials from the
environment only (as in the README)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from hwc_harness import account, credentials_env
from hwc_target import target_kind

pytestmark = pytest.mark.matrix

SEEDED = pytest.mark.emulator_only(reason="the seeded image and the seeded account's AK/SK and password")
CALL_LOG = pytest.mark.emulator_only(reason="asserts through the emulator's call log that nothing was sent")

REGION = "cn-north-4"
BASE_IMAGE = "demo-base-image"


@pytest.fixture
def adhoc(request, collections_path, tmp_path):
    """Run ``ansible localhost -m MODULE -a ARGS``; returns (rc, result of localhost, stdout). Credentials: the
    seeded account's (``method``) on the emulator target, the cloud target's environment on the cloud."""
    emulator = request.getfixturevalue("emulator") if target_kind() == "emulator" else None

    def run(module, args, check=False, method="aksk", env=None):
        command = [os.path.join(os.path.dirname(sys.executable), "ansible"), "localhost", "-m", module, "-a", args]
        if check:
            command.append("--check")
        run_env = {k: v for k, v in os.environ.items() if not k.startswith("HUAWEICLOUD_")}
        if emulator is None:
            run_env.update(request.getfixturevalue("hwc_target").env())
        else:
            run_env.update(credentials_env(emulator, "demo", REGION, method))
        run_env.update({
            "ANSIBLE_COLLECTIONS_PATH": collections_path,
            "ANSIBLE_LOAD_CALLBACK_PLUGINS": "1",
            "ANSIBLE_STDOUT_CALLBACK": "ansible.builtin.minimal",
            "ANSIBLE_LOCALHOST_WARNING": "false",
            "ANSIBLE_INVENTORY_UNPARSED_WARNING": "false",
            "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
            "ANSIBLE_NOCOLOR": "1",
        })
        run_env.update(env or {})
        completed = subprocess.run(command, capture_output=True, text=True, env=run_env, cwd=str(tmp_path), check=False,
                                   timeout=300)
        # minimal callback: "localhost | SUCCESS => {...json...}" (after an [ERROR] block on failure)
        result = None
        lines = completed.stdout.splitlines()
        for index, line in enumerate(lines):
            if line.startswith("localhost | ") and " => " in line:
                body = "\n".join([line.partition(" => ")[2]] + lines[index + 1:])
                try:
                    result = json.loads(body)
                except ValueError:
                    pass
                break
        if result is None:
            raise AssertionError("unexpected output (rc=%s):\n%s\n%s"
                                 % (completed.returncode, completed.stdout, completed.stderr))
        return completed.returncode, result, completed.stdout + completed.stderr

    return run


@SEEDED
def test_readme_adhoc_image_info(emulator, adhoc):
    # The README's form: name=..., everything else from HUAWEICLOUD_* variables.
    rc, result, stdout = adhoc("huaweicloud.cloud.ims_image_info", "name=%s" % BASE_IMAGE)
    assert rc == 0, stdout
    assert result["changed"] is False
    [image] = result["images"]
    assert image["name"] == BASE_IMAGE
    assert image["status"] == "active"
    assert image["tags"] == {"env": "test"}
    assert account(emulator)["secret_key"] not in stdout


@SEEDED
def test_adhoc_image_info_with_list_args_and_password_auth(emulator, adhoc):
    rc, result, stdout = adhoc("huaweicloud.cloud.ims_image_info",
                               "names=demo-base-image,demo-large-image include_quota=true", method="password")
    assert rc == 0, stdout
    assert sorted(i["name"] for i in result["images"]) == ["demo-base-image", "demo-large-image"]
    assert result["quota"]["resources"]
    assert account(emulator)["user"]["password"] not in stdout


@pytest.mark.cloud_smoke
def test_adhoc_image_create_is_idempotent_and_check_mode_writes_nothing(world, adhoc):
    image = world.from_obs("adhoc-image", tags={"made": "adhoc"})
    args = "name=%s image_url=%s min_disk=%d os_version='%s' tags='%s'" % (
        image["name"], image["image_url"], image["min_disk"], image["os_version"], json.dumps(image["tags"]))
    world.clear_calls()
    rc, result, stdout = adhoc("huaweicloud.cloud.ims_image", args, check=True)
    assert rc == 0 and result["changed"] is True, stdout
    world.assert_no_writes()
    assert world.images(image["name"]) == []

    rc, result, stdout = adhoc("huaweicloud.cloud.ims_image", args)
    assert rc == 0 and result["changed"] is True, stdout
    [created] = world.images(image["name"])
    assert created["status"] == "active"
    assert result["image"]["id"] == created["id"]
    assert result["image"]["tags"] == dict(world.tags, made="adhoc")

    world.clear_calls()
    rc, result, stdout = adhoc("huaweicloud.cloud.ims_image", args)
    assert rc == 0 and result["changed"] is False, stdout
    world.assert_no_writes()


@SEEDED
def test_adhoc_errors_are_readable(emulator, adhoc):
    rc, result, stdout = adhoc("huaweicloud.cloud.ims_image_info", "name=x",
                               env={"HUAWEICLOUD_SECRET_KEY": "wrong-secret-key"})
    assert rc != 0
    assert "APIGW.0301" in result["msg"]
    assert "wrong-secret-key" not in stdout


@CALL_LOG
def test_adhoc_target_region_that_would_move_the_host_fails_before_any_call(emulator, adhoc):
    """`x@127.0.0.1:9/#` in the default endpoint template would make 127.0.0.1:9 the host: refused, naming
    target_region, before a single HTTP call (the emulator's call log stays empty)."""
    emulator.clear_calls()
    rc, result, output = adhoc("huaweicloud.cloud.ims_image_copy",
                               "image=%s name=copy target_region='x@127.0.0.1:9/#' agency_name=ims_admin_agency"
                               % BASE_IMAGE)
    assert rc != 0, output
    assert result["msg"].startswith("target_region must be a region id"), result["msg"]
    assert "MODULE FAILURE" not in output and "Traceback" not in output
    assert emulator.calls() == []
