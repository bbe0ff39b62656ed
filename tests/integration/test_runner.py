"""The ready playbooks run through ansible-runner (the engine of AWX / Automation Controller) against the emulator,
the way a job template runs them: credentials only in the environment, injected from a credential of the custom
type in meta/awx/credential_type.yml exactly as AWX renders it (a field left blank becomes an empty variable),
the collection on ANSIBLE_COLLECTIONS_PATH, role inputs as extra vars."""

from __future__ import annotations

import json
import os
import re
import sys

import pytest
import yaml

from hwc_harness import REPO, account, image_id, images_named, members, project_id

pytestmark = [pytest.mark.matrix, pytest.mark.emulator_only(
    reason="renders the seeded accounts' AK/SK and passwords into AWX credentials; asserts the emulator's state")]

ansible_runner = pytest.importorskip("ansible_runner")
sandbox = pytest.importorskip("jinja2.sandbox")

REGION = "cn-north-4"
AGENCY = "ims_admin_agency"
CREDENTIAL_TYPE = REPO / "meta" / "awx" / "credential_type.yml"
MODULE_UTILS = REPO / "plugins" / "module_utils" / "_module.py"
SECRET_FIELDS = {"secret_key", "security_token", "password"}


@pytest.fixture(autouse=True)
def _no_ambient_credentials(monkeypatch):
    # ansible-runner passes its own environment on: make sure nothing but the injected credential reaches the job.
    for key in list(os.environ):
        if key.startswith("HUAWEICLOUD_") or key.startswith("DEMO_PARTNER_"):
            monkeypatch.delenv(key)


# ----------------------------------------------------------------------------------------------- AWX emulation

def credential_type():
    return yaml.safe_load(CREDENTIAL_TYPE.read_text())


def awx_inject(inputs):
    """Environment that AWX gives a job for a credential of our type with these inputs: every env injector is
    rendered in a sandbox, with blank/missing fields undefined (so they render as empty strings)."""
    namespace = {key: value for key, value in inputs.items() if value not in (None, "")}
    env = sandbox.ImmutableSandboxedEnvironment()
    return {name: env.from_string(template).render(**namespace)
            for name, template in credential_type()["injectors"]["env"].items()}


def credential(emu, domain="demo", method="aksk"):
    """Inputs of an AWX credential for a seeded account, pointing at the emulator."""
    acct = account(emu, domain)
    inputs = {"region": REGION, "ims_endpoint": emu.url + "/ims/{region}", "iam_endpoint": emu.url + "/iam"}
    if method == "aksk":
        inputs.update(access_key=acct["access_key"], secret_key=acct["secret_key"])
    else:
        inputs.update(user=acct["user"]["name"], password=acct["user"]["password"], domain=acct["name"])
    return inputs


def secrets(emu):
    values = []
    for domain in ("demo", "partner"):
        acct = account(emu, domain)
        values += [acct["secret_key"], acct["user"]["password"]]
    return values


class Job:
    """One ansible-runner run, like an AWX job."""

    def __init__(self, runner, stdout):
        self.runner = runner
        self.status = runner.status
        self.rc = runner.rc
        self.stats = runner.stats or {}
        self.events = list(runner.events)
        self.stdout = stdout

    @property
    def changed(self):
        return sum((self.stats.get("changed") or {}).values())

    def results(self, task):
        return [e["event_data"]["res"] for e in self.events
                if e.get("event") in ("runner_on_ok", "runner_on_failed")
                and e["event_data"].get("task", "").split(" : ")[-1] == task]

    def failures(self):
        return ["%s: %s" % (e["event_data"].get("task"), e["event_data"]["res"].get("msg"))
                for e in self.events if e.get("event") == "runner_on_failed"]

    def __repr__(self):
        return "Job(status=%s, rc=%s, failures=%s)" % (self.status, self.rc, self.failures())


@pytest.fixture
def run_job(emulator, collections_path, tmp_path):
    counter = {"n": 0}

    def run(playbook, inputs, extravars=None, check=False, extra_env=None):
        counter["n"] += 1
        private = tmp_path / ("job%d" % counter["n"])
        (private / "inventory").mkdir(parents=True)
        (private / "inventory" / "hosts").write_text(
            "localhost ansible_connection=local ansible_python_interpreter=%s\n" % sys.executable)
        (private / "project").symlink_to(REPO)
        envvars = awx_inject(inputs)
        envvars.update({
            "ANSIBLE_COLLECTIONS_PATH": collections_path,
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_LOCALHOST_WARNING": "false",
            # the ansible-playbook of this Python environment, as an execution environment has its own
            "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""),
        })
        envvars.update(extra_env or {})
        runner = ansible_runner.run(
            private_data_dir=str(private), playbook="playbooks/" + playbook, envvars=envvars,
            extravars=extravars or {}, cmdline="--check" if check else None, quiet=True, timeout=600)
        stdout = runner.stdout.read()
        return Job(runner, stdout)

    return run


# ----------------------------------------------------------------------------------------------- state helpers


def assert_job_ok(emu, job):
    assert job.status == "successful" and job.rc == 0, job
    for secret in secrets(emu):
        assert secret not in job.stdout
        assert secret not in json.dumps(job.events)


def assert_converged(emu, run_job, playbook, inputs, extravars=None, extra_env=None):
    emu.clear_calls()
    again = run_job(playbook, inputs, extravars, extra_env=extra_env)
    assert_job_ok(emu, again)
    assert again.changed == 0, again
    assert emu.write_calls() == []
    checked = run_job(playbook, inputs, extravars, check=True, extra_env=extra_env)
    assert_job_ok(emu, checked)
    assert checked.changed == 0, checked
    assert emu.write_calls() == []


# ----------------------------------------------------------------------------------------------- tests

def test_credential_type_matches_the_modules_env_fallbacks():
    ctype = credential_type()
    assert ctype["kind"] == "cloud" and ctype["name"]
    fields = {f["id"]: f for f in ctype["inputs"]["fields"]}
    assert len(fields) == len(ctype["inputs"]["fields"])
    assert all(f.get("type", "string") == "string" and f.get("label") for f in fields.values())
    assert set(ctype["inputs"].get("required", [])) <= set(fields)
    assert {name for name, f in fields.items() if f.get("secret")} == SECRET_FIELDS

    fallbacks = set(re.findall(r'_env\("(HUAWEICLOUD_[A-Z_]+)"', MODULE_UTILS.read_text()))
    # validate_certs stays a task option: an AWX boolean field left unset would inject "False". Profiles, the
    # ECS metadata service and CA files are for the machine running the job, not for an AWX credential; the
    # visibility window is a behaviour setting.
    not_for_awx = {"HUAWEICLOUD_VALIDATE_CERTS", "HUAWEICLOUD_PROFILE", "HUAWEICLOUD_CREDENTIALS_SOURCE",
                   "HUAWEICLOUD_METADATA_URL", "HUAWEICLOUD_CA_BUNDLE", "HUAWEICLOUD_VISIBILITY_WINDOW"}
    # The agency goes in through the Terraform provider's variables, as the credential table names them.
    terraform = {"agency_name": "HW_ASSUME_ROLE_AGENCY_NAME", "agency_domain_name": "HW_ASSUME_ROLE_DOMAIN_NAME"}
    table = (REPO / "plugins" / "module_utils" / "_credentials.py").read_text()
    assert all('"%s": "%s"' % item in table for item in terraform.items())
    agency = set(terraform.values())
    assert set(ctype["injectors"]["env"]) == (fallbacks - not_for_awx) | agency
    for env_name, template in ctype["injectors"]["env"].items():
        [field] = re.findall(r"\{\{\s*(\w+)\s*\}\}", template)
        assert field in fields, env_name
        assert env_name in ("HUAWEICLOUD_" + field.upper(), terraform.get(field))
    assert set(ctype["injectors"]) == {"env"}  # nothing in extra_vars, where -vvv or facts could show it


@pytest.mark.parametrize("method", ["aksk", "password"])
def test_import_job_template(emulator, run_job, method):
    extravars = {"ims_import_name": "awx-web", "ims_import_image_url": "demo-images:ubuntu-22.04.qcow2",
                 "ims_import_os_version": "Ubuntu 18.04 server 64bit", "ims_import_tags": {"via": "awx"}}
    inputs = credential(emulator, method=method)
    job = run_job("import.yml", inputs, extravars)
    assert_job_ok(emulator, job)
    assert job.changed >= 1
    [image] = images_named(emulator, "awx-web")
    assert image["status"] == "active"
    [created] = job.results("Create the image and wait until it is active")
    assert created["image"]["id"] == image["id"]
    assert created["image"]["tags"] == {"via": "awx"}

    assert_converged(emulator, run_job, "import.yml", inputs, extravars)


def test_share_job_templates_producer_then_consumer(emulator, run_job):
    base = image_id(emulator, "demo-base-image")
    partner = project_id(emulator, "partner")
    producer = {"ims_share_images": [base], "ims_share_projects": [partner]}
    job = run_job("share.yml", credential(emulator, "demo"), producer)
    assert_job_ok(emulator, job)
    assert members(emulator, base) == {partner: "pending"}

    # The partner answers with its own job template and credential: consumer side only.
    consumer = {"ims_share_images": [base], "ims_share_consumer_status": "accepted"}
    job = run_job("share.yml", credential(emulator, "partner"), consumer)
    assert_job_ok(emulator, job)
    assert members(emulator, base) == {partner: "accepted"}

    assert_converged(emulator, run_job, "share.yml", credential(emulator, "demo"), producer)
    assert_converged(emulator, run_job, "share.yml", credential(emulator, "partner"), consumer)


def test_replicate_job_template(emulator, run_job):
    extravars = {"ims_replicate_image": "demo-base-image", "ims_replicate_regions": ["cn-east-3", "ap-southeast-1"],
                 "ims_replicate_agency_name": AGENCY}
    inputs = credential(emulator)
    job = run_job("replicate.yml", inputs, extravars)
    assert_job_ok(emulator, job)
    for region in ("cn-east-3", "ap-southeast-1"):
        [copy] = images_named(emulator, "demo-base-image", region=region)
        assert copy["status"] == "active"
    assert_converged(emulator, run_job, "replicate.yml", inputs, extravars)


def test_demo_job_template(emulator, run_job):
    partner = account(emulator, "partner")
    extra_env = {"DEMO_PARTNER_ACCESS_KEY": partner["access_key"], "DEMO_PARTNER_SECRET_KEY": partner["secret_key"]}
    inputs = credential(emulator)
    job = run_job("demo.yml", inputs, extra_env=extra_env)
    assert_job_ok(emulator, job)
    [image] = images_named(emulator, "demo-web-base")
    assert image["status"] == "active"
    assert members(emulator, image["id"]) == {project_id(emulator, "partner"): "accepted"}
    for region in ("cn-east-3", "cn-south-1"):
        assert [c["status"] for c in images_named(emulator, "demo-web-base", region=region)] == ["active"]
    assert_converged(emulator, run_job, "demo.yml", inputs, extra_env=extra_env)
