"""The credential chain end to end (issue 11): the variables and files Huawei Cloud users already have, ECS
metadata credentials, agencies (assume_role), and the errors of each source. Every run has a clean environment:
no HUAWEICLOUD_*/HW_* variables of the machine and HOME in a temporary directory."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import pytest
import requests

from hwc_harness import account, play, project_id

pytestmark = [
    pytest.mark.matrix,
    pytest.mark.emulator_only(reason="the emulator's IAM security tokens, ECS metadata and seeded accounts"),
]

REGION = "cn-north-4"
BASE_IMAGE = "demo-base-image"


def clean_env(collections_path, home, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HUAWEICLOUD_", "HW_"))}
    env.update({
        "HOME": str(home),
        "ANSIBLE_COLLECTIONS_PATH": collections_path,
        "ANSIBLE_LOAD_CALLBACK_PLUGINS": "1",
        "ANSIBLE_STDOUT_CALLBACK": "ansible.builtin.minimal",
        "ANSIBLE_LOCALHOST_WARNING": "false",
        "ANSIBLE_INVENTORY_UNPARSED_WARNING": "false",
        "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_LOCAL_TEMP": str(home / ".ansible-tmp"),
    })
    env.update(extra)
    return env


def adhoc(args, env, cwd):
    command = [os.path.join(os.path.dirname(sys.executable), "ansible"), "localhost", "-m",
               "huaweicloud.cloud.ims_image_info", "-a", args]
    completed = subprocess.run(command, capture_output=True, text=True, env=env, cwd=str(cwd), check=False,
                               timeout=300)
    output = completed.stdout + completed.stderr
    lines = completed.stdout.splitlines()
    for index, line in enumerate(lines):
        if line.startswith("localhost | ") and " => " in line:
            return completed.returncode, json.loads("\n".join([line.partition(" => ")[2]] + lines[index + 1:])), output
    raise AssertionError("unexpected output (rc=%s):\n%s" % (completed.returncode, output))


def image_reads(emu):
    """(status, project id) of every image list the emulator answered."""
    return [(c["status"], c["project_id"]) for c in emu.calls() if c["path"].endswith("/v2/cloudimages")]


def test_adhoc_with_only_terraform_sdk_or_profile_credentials(emulator, collections_path, tmp_path):
    """`ansible localhost -m ims_image_info` works with only HW_* variables, only HUAWEICLOUD_SDK_* variables,
    and only a profile in ~/.huaweicloud/credentials (and with a KooCLI profile)."""
    acct = account(emulator)
    endpoints = "ims_endpoint=%s/ims/{region} iam_endpoint=%s/iam" % (emulator.url, emulator.url)
    home = tmp_path / "home"
    (home / ".huaweicloud").mkdir(parents=True)
    (home / ".hcloud").mkdir()
    (home / ".huaweicloud" / "credentials").write_text(
        "[basic]\nak = %s\nsk = %s\n\n[other]\nak = NOPE\nsk = NOPE\n" % (acct["access_key"], acct["secret_key"]))
    (home / ".hcloud" / "config.json").write_text(json.dumps({"current": "default", "profiles": [
        {"name": "default", "mode": "AKSK", "accessKeyId": "NOPE", "secretAccessKey": "NOPE", "region": "cn-east-3"},
        {"name": "ci", "mode": "AKSK", "accessKeyId": acct["access_key"], "secretAccessKey": acct["secret_key"],
         "region": REGION}]}))
    bare = tmp_path / "bare"
    bare.mkdir()
    cases = {
        "terraform": (bare, "name=%s %s" % (BASE_IMAGE, endpoints),
                      {"HW_ACCESS_KEY": acct["access_key"], "HW_SECRET_KEY": acct["secret_key"],
                       "HW_REGION_NAME": REGION}),
        "sdk": (bare, "name=%s region=%s ims_endpoint=%s/ims/{region}" % (BASE_IMAGE, REGION, emulator.url),
                {"HUAWEICLOUD_SDK_AK": acct["access_key"], "HUAWEICLOUD_SDK_SK": acct["secret_key"],
                 "HUAWEICLOUD_SDK_PROJECT_ID": project_id(emulator),
                 "HUAWEICLOUD_SDK_IAM_ENDPOINT": emulator.url + "/iam"}),
        "sdk profile": (home, "name=%s region=%s %s" % (BASE_IMAGE, REGION, endpoints), {}),
        "koocli profile": (home, "name=%s %s" % (BASE_IMAGE, endpoints), {"HW_PROFILE": "ci"}),
    }
    for label, (home_dir, args, extra) in cases.items():
        emulator.clear_calls()
        rc, result, output = adhoc(args, clean_env(collections_path, home_dir, **extra), tmp_path)
        assert rc == 0, (label, output)
        assert [image["name"] for image in result["images"]] == [BASE_IMAGE], label
        assert image_reads(emulator) == [(200, project_id(emulator))], label
        assert acct["secret_key"] not in output, label


def test_metadata_and_agency_credentials(emulator, run_playbook, tmp_path):
    """ECS metadata credentials (opt-in, URL set to the emulator) and an agency assumed through IAM
    securitytokens: the IMS calls are made with the temporary credentials they yield."""
    partner = account(emulator, "partner")
    endpoints = {"ims_endpoint": emulator.url + "/ims/{region}", "iam_endpoint": emulator.url + "/iam",
                 "region": REGION}
    partner_keys = {"access_key": partner["access_key"], "secret_key": partner["secret_key"]}
    info = "huaweicloud.cloud.ims_image_info"
    result = run_playbook(play(
        {"name": "metadata", info: dict(endpoints, name=BASE_IMAGE, credentials_source="ecs_metadata",
                                        metadata_url=emulator.url)},
        # partner's own keys assume demo's agency: the images read are demo's.
        {"name": "agency", info: dict(endpoints, name=BASE_IMAGE,
                                      assume_role={"agency_name": "ims_admin_agency", "domain_name": "demo",
                                                   "duration": 900}, **partner_keys)},
        {"name": "agency from terraform variables", info: dict(endpoints, name=BASE_IMAGE, **partner_keys),
         "environment": {"HW_ASSUME_ROLE_AGENCY_NAME": "ims_admin_agency", "HW_ASSUME_ROLE_DOMAIN_NAME": "demo"}},
        {"name": "no agency", info: dict(endpoints, name=BASE_IMAGE, **partner_keys)},
    ), env={"HUAWEICLOUD_ACCESS_KEY": "", "HUAWEICLOUD_SECRET_KEY": "", "HOME": str(tmp_path)})
    assert result.rc == 0, result
    for name in ("metadata", "agency", "agency from terraform variables"):
        assert [i["name"] for i in result.task(name)["images"]] == [BASE_IMAGE], name
    assert result.task("no agency")["images"] == []
    issued = emulator.control("GET", "/temporary_credentials")
    assert sorted(i["issued_by"] for i in issued) == ["assume_role:ims_admin_agency"] * 2 + ["metadata"]
    assert all(i["domain"] == "demo" for i in issued)
    iam = [c for c in emulator.calls() if "securitytokens" in c["path"]]
    assert [c["status"] for c in iam] == [201, 201]
    # Every image read of the temporary credentials acted in demo's project.
    reads = image_reads(emulator)
    assert reads.count((200, project_id(emulator))) == 3
    assert reads.count((200, project_id(emulator, "partner"))) == 1
    for cred in issued:
        for value in (cred["secret"], cred["security_token"], partner["secret_key"]):
            assert value not in result.stdout + result.stderr


def test_each_source_fails_clearly(emulator, run_playbook, tmp_path):
    """A missing profile, malformed credentials files, an unsupported KooCLI mode, a metadata service that does
    not answer, an unknown agency and an expired security token: one clear error each, naming the source and
    showing no secret."""
    home = tmp_path / "home"
    (home / ".huaweicloud").mkdir(parents=True)
    (home / ".huaweicloud" / "credentials").write_text("[basic]\nak = AKFROMFILE\nsk = SecretFromFile123\n")
    broken = tmp_path / "broken.ini"
    broken.write_text("ak = no section header\n")
    koocli = tmp_path / "config.json"
    koocli.write_text(json.dumps({"current": "sso", "profiles": [{"name": "sso", "mode": "SSO"}]}))
    # A listener that never answers: connect works, the reply never comes.
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)
    expired = requests.get(emulator.url + "/openstack/latest/securitykey", timeout=10).json()["credential"]
    emulator.control("POST", "/temporary_credentials/expire")
    endpoints = {"ims_endpoint": emulator.url + "/ims/{region}", "iam_endpoint": emulator.url + "/iam",
                 "region": REGION}
    info = "huaweicloud.cloud.ims_image_info"

    def task(name, environment=None, **args):
        entry = {"name": name, info: dict(endpoints, **args), "ignore_errors": True}
        if environment:
            entry["environment"] = environment
        return entry

    demo = account(emulator)
    try:
        result = run_playbook(play(
            task("missing profile", profile="nosuch"),
            task("malformed credentials file", environment={"HUAWEICLOUD_SDK_CREDENTIALS_FILE": str(broken)}),
            task("unsupported koocli mode", environment={"HW_SHARED_CONFIG_FILE": str(koocli),
                                                         "HUAWEICLOUD_SDK_CREDENTIALS_FILE": str(broken) + ".none"}),
            task("half a terraform pair", environment={"HW_ACCESS_KEY": "AKONLY"}),
            task("silent metadata service", credentials_source="ecs_metadata",
                 metadata_url="http://127.0.0.1:%d" % silent.getsockname()[1],
                 environment={"HUAWEICLOUD_SDK_CREDENTIALS_FILE": str(broken) + ".none"}),
            task("unknown agency", access_key=demo["access_key"], secret_key=demo["secret_key"],
                 assume_role={"agency_name": "no_such_agency", "domain_name": "demo"}),
            task("expired token", environment={"HW_ACCESS_KEY": expired["access"], "HW_SECRET_KEY": expired["secret"],
                                               "HW_SECURITY_TOKEN": expired["securitytoken"]}),
            task("bad cloud", cloud="evil.example.com/x", access_key="AK", secret_key="SK"),
        ), env={"HUAWEICLOUD_ACCESS_KEY": "", "HUAWEICLOUD_SECRET_KEY": "", "HOME": str(home)})
    finally:
        silent.close()
    messages = dict((r["task"], r["result"].get("msg", "")) for r in result.results)
    expected = {
        "missing profile": "profile 'nosuch' was not found",
        "malformed credentials file": "the credentials file %s is not a readable INI file" % broken,
        "unsupported koocli mode": "uses mode SSO; only AKSK profiles are supported",
        "half a terraform pair": "HW_ACCESS_KEY and HW_SECRET_KEY must be given together",
        "silent metadata service": "did not answer within 3 s",
        "unknown agency": "agency does not exist",
        "expired token": "(credentials from the Terraform provider variables (HW_ACCESS_KEY, HW_SECRET_KEY, "
                         "HW_SECURITY_TOKEN))",
        "bad cloud": "cloud must be a domain name like myhuaweicloud.com",
    }
    for name, text in expected.items():
        assert "images" not in result.task(name), name
        assert text in messages[name], (name, messages[name])
    assert "expired" in messages["expired token"]
    # (The playbook itself holds some of these, and ansible quotes it around a failed task: look at the results.)
    reported = json.dumps(messages)
    assert "SecretFromFile123" not in result.stdout + result.stderr
    for secret in (expired["secret"], expired["securitytoken"], demo["secret_key"]):
        assert secret not in reported
    # Nothing was sent for the errors found in files, variables and options.
    paths = [c["path"] for c in emulator.calls()]
    assert sum("securitytokens" in p for p in paths) == 1
    assert sum(p.endswith("/v2/cloudimages") or p.endswith("/v3/projects") for p in paths) == 1
