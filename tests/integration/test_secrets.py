"""Secrets never leak: every module and the roles run with -vvv and an ansible log file, authenticated with
AK/SK and with a password, the secrets given through HUAWEICLOUD_* variables and as module parameters. The
secret keys, the passwords and every IAM token the emulator issued must not appear in stdout, stderr or the
log file."""

from __future__ import annotations

import pytest
import requests

from hwc_harness import account, credentials_env, project_id

pytestmark = [pytest.mark.matrix, pytest.mark.emulator_only(reason="inspects the emulator's logs for secrets")]

REGION = "cn-north-4"
AGENCY = "ims_admin_agency"


def secret_values(emu):
    """The SKs and passwords of every seeded account."""
    values = []
    for domain in emu.world["domains"]:
        values += [c["secret"] for c in domain["credentials"]]
        values += [u["password"] for u in domain["users"]]
    return values


def issued_tokens(emu):
    response = requests.get(emu.url + "/_emulator/tokens", timeout=10)
    response.raise_for_status()
    return [t["token"] for t in response.json()]


def auth_params(emu, domain, method):
    acct = account(emu, domain)
    if method == "aksk":
        return {"access_key": acct["credentials"][0]["access"], "secret_key": acct["credentials"][0]["secret"]}
    return {"user": acct["users"][0]["name"], "password": acct["users"][0]["password"], "domain": acct["name"]}


def playbook(emu, tag, method, upload_file):
    """Every module once (plus a failing task, a role with consumer credentials in its vars), first with the
    credentials from the environment, then with the partner's credentials as module parameters."""
    partner = project_id(emu, "partner", REGION)
    image = "secrets-%s" % tag
    env_play = {
        "name": "credentials from the environment",
        "hosts": "localhost", "gather_facts": False,
        "tasks": [
            {"name": "import from OBS", "huaweicloud.cloud.ims_image": {
                "name": image, "image_url": "demo-images:ubuntu-22.04.qcow2", "min_disk": 40,
                "os_version": "Ubuntu 18.04 server 64bit", "tags": {"k": "v"}}, "register": "created"},
            {"name": "upload a local file", "huaweicloud.cloud.ims_image": {
                "name": image + "-upload", "filename": str(upload_file), "disk_format": "qcow2", "min_disk": 40,
                "os_version": "Ubuntu 18.04 server 64bit"}},
            {"name": "list", "huaweicloud.cloud.ims_image_info": {
                "names": [image], "include_members": True, "include_quota": True}},
            {"name": "copy without waiting", "huaweicloud.cloud.ims_image_copy": {
                "image": "{{ created.image.id }}", "name": image + "-copy", "wait": False}, "register": "copy"},
            {"name": "wait for the copy", "huaweicloud.cloud.ims_job": {"job_id": "{{ copy.job_id }}", "wait": True}},
            {"name": "share", "huaweicloud.cloud.ims_image_member": {
                "images": ["{{ created.image.id }}"], "projects": [partner]}},
            {"name": "a failing call", "huaweicloud.cloud.ims_image": {
                "id": "00000000-0000-0000-0000-000000000000", "description": "x"}, "ignore_errors": True},
            {"name": "a role with consumer credentials in its vars", "ansible.builtin.include_role": {
                "name": "huaweicloud.cloud.ims_share"},
             "vars": {"ims_share_images": ["{{ created.image.id }}"], "ims_share_projects": [partner],
                      "ims_share_consumer_status": "accepted",
                      "ims_share_consumer_auth": auth_params(emu, "partner", method)}},
            {"name": "import role", "ansible.builtin.include_role": {"name": "huaweicloud.cloud.ims_import"},
             "vars": {"ims_import_name": image, "ims_import_image_url": "demo-images:ubuntu-22.04.qcow2",
                      "ims_import_os_version": "Ubuntu 18.04 server 64bit", "ims_import_tags": {"k": "v"}}},
            {"name": "replicate role", "ansible.builtin.include_role": {"name": "huaweicloud.cloud.ims_replicate"},
             "vars": {"ims_replicate_image": "{{ created.image.id }}", "ims_replicate_regions": ["cn-south-1"],
                      "ims_replicate_agency_name": AGENCY}},
        ],
    }
    params = dict(auth_params(emu, "partner", method), region=REGION)
    param_play = {
        "name": "credentials as module parameters",
        "hosts": "localhost", "gather_facts": False,
        "module_defaults": {"group/huaweicloud.cloud.ims": params},
        "tasks": [
            {"name": "partner lists shared images", "huaweicloud.cloud.ims_image_info": {
                "visibility": "shared", "member_status": "accepted"}},
            {"name": "partner imports", "huaweicloud.cloud.ims_image": {
                "name": image + "-partner", "image_url": "partner-images:partner-ubuntu.qcow2", "min_disk": 40,
                "os_version": "Ubuntu 18.04 server 64bit"}},
            {"name": "partner fails", "huaweicloud.cloud.ims_image_member": {
                "images": ["no-such-image"], "projects": [project_id(emu, "demo", REGION)]},
             "ignore_errors": True},
            {"name": "partner job lookup", "huaweicloud.cloud.ims_job": {"job_id": "no-such-job"},
             "ignore_errors": True},
        ],
    }
    return [env_play, param_play]


@pytest.mark.parametrize("method", ["aksk", "password"])
def test_no_secret_in_output_or_log(emulator, run_playbook, tmp_path, method):
    upload = tmp_path / "disk.qcow2"
    upload.write_bytes(b"QFI\xfb" + b"\0" * 65536)
    log = tmp_path / "ansible.log"
    env = credentials_env(emulator, "demo", REGION, method=method)
    if method == "password":
        env.update({"HUAWEICLOUD_ACCESS_KEY": "", "HUAWEICLOUD_SECRET_KEY": ""})
    env["ANSIBLE_LOG_PATH"] = str(log)
    # Keep the real module arguments in the output: no_log must do the work, not a quiet callback.
    env["ANSIBLE_DISPLAY_ARGS_TO_STDOUT"] = "true"
    run = run_playbook(playbook(emulator, method, method, upload), verbosity=3, env=env)
    failed = [r["task"] for r in run.results if r["status"] == "failed"]
    assert run.rc == 0, run
    # The failing tasks did fail (error paths are covered), the rest did not.
    assert sorted(failed) == ["a failing call", "partner fails", "partner job lookup"], run

    tokens = issued_tokens(emulator)
    if method == "password":
        assert tokens, "password auth issued no token: the test would prove nothing"
    secrets = secret_values(emulator) + tokens
    logged = log.read_text()
    assert "secrets-%s" % method in logged  # the log file is really written
    # -vvv really printed task details (ansible-core 2.21 no longer echoes masked arguments), so the
    # absence of every secret below means something.
    assert "secrets-%s" % method in run.stdout
    for where, text in (("stdout", run.stdout), ("stderr", run.stderr), ("log", logged)):
        for secret in secrets:
            assert secret not in text, "a secret (%s...) leaked into %s" % (secret[:4], where)
        assert "Traceback" not in text, where
