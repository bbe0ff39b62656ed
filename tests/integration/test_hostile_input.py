"""Hostile input at -vvv, in one playbook: planted secrets passed as module parameters (a security token with
CR/LF, an access key with a space or non-ASCII, a valid secret key) next to wrong-typed dict and list options,
explicit nulls and values that would move the endpoint. Every task fails cleanly before any API call, no
planted secret appears in stdout, stderr or the log, and nothing crashes (no MODULE FAILURE)."""

from __future__ import annotations

import json

import pytest

pytestmark = [
    pytest.mark.matrix,
    pytest.mark.slow,
    pytest.mark.emulator_only(reason="asserts through the emulator's call log that nothing was sent"),
]

UUID = "4ca46bf1-5c61-48ff-b4f3-0ad4e5e3ba86"
SK = "PLANTED-secret-key-7f3a9c"
TOKEN = "PLANTED-sts-token-51be0d"
AK = "PLANTEDAK0000000001"
PASSWORD = "PLANTED-passw0rd-c41e"
PLANTED = [SK, TOKEN, AK, PASSWORD, "PLANTED"]

OBS = {"name": "hostile", "image_url": "demo-images:ubuntu-22.04.qcow2", "min_disk": 40,
       "os_version": "Ubuntu 18.04 server 64bit"}

# Planted credentials: valid in form, so each case fails on the value it is about.
CREDS = {"access_key": AK, "secret_key": SK}

# (case id, module, options, substrings the message must contain)
CASES = [
    # Header-bound secrets with CR/LF, white space or non-ASCII: refused naming the option only.
    ("token-crlf", "ims_image_info", dict(CREDS, security_token=TOKEN + "\r\nX-Evil: 1"),
     ["security_token is not valid", "value not shown"]),
    ("token-space", "ims_image_info", dict(CREDS, security_token=TOKEN + " x"), ["security_token is not valid"]),
    ("token-lf", "ims_job", dict(CREDS, security_token="\n" + TOKEN, job_id="ff80808288d41e1b018f0c7e2f4b0a5c"),
     ["security_token is not valid"]),
    ("ak-space", "ims_image_info", {"access_key": AK + " 2", "secret_key": SK}, ["access_key is not valid"]),
    ("ak-non-ascii", "ims_image_info", {"access_key": AK + u"\u00e9", "secret_key": SK},
     ["access_key is not valid"]),
    ("ak-crlf", "ims_image_member", {"access_key": AK + "\r\n", "secret_key": SK, "images": [UUID],
                                     "projects": ["0123456789abcdef0123456789abcdef"]},
     ["access_key is not valid"]),
    ("sk-tab", "ims_image_copy", {"access_key": AK, "secret_key": SK + "\t", "image": UUID, "name": "c"},
     ["secret_key is not valid"]),
    ("token-without-aksk", "ims_image_info", {"security_token": TOKEN, "user": "u", "password": PASSWORD,
                                              "domain": "d", "access_key": "", "secret_key": ""},
     ["security_token belongs to a temporary access_key"]),
    ("project-id-crlf", "ims_image_info", dict(CREDS, project_id="0123456789abcdef0123456789abcdef\r\n"),
     ["project_id must be 32 hexadecimal characters"]),
    # Values that would move the endpoint or the path.
    ("target-region-userinfo", "ims_image_copy",
     dict(CREDS, image=UUID, name="c", target_region="x@127.0.0.1:9/#", agency_name="a"),
     ["target_region must be a region id"]),
    ("target-region-newline", "ims_image_copy",
     dict(CREDS, image=UUID, name="c", target_region="cn-east-3\n", agency_name="a"),
     ["target_region must be a region id"]),
    ("target-project-name", "ims_image_copy",
     dict(CREDS, image=UUID, name="c", target_region="cn-east-3", agency_name="a",
          target_project_name="cn-east-3/../x"), ["target_project_name must be a project name"]),
    ("region-host", "ims_image_info", dict(CREDS, region="cn-north-4.attacker.example"),
     ["region must be a region id"]),
    ("endpoint-userinfo", "ims_image_info", dict(CREDS, ims_endpoint="http://u:p@127.0.0.1:9/{region}"),
     ["ims_endpoint must not contain user information"]),
    ("endpoint-ipv6", "ims_image_info", dict(CREDS, iam_endpoint="http://[::1"), ["iam_endpoint is not a valid URL"]),
    ("endpoint-space", "ims_image_info", dict(CREDS, ims_endpoint="http://127.0.0.1 /x"),
     ["ims_endpoint must be an http(s) URL"]),
    ("job-id-path", "ims_job", dict(CREDS, job_id="../x"), ["job_id must be a job id"]),
    ("job-id-fragment", "ims_job", dict(CREDS, job_id="#frag"), ["job_id must be a job id"]),
    ("timeout-overflow", "ims_image_info", dict(CREDS, timeout=10 ** 12), ["timeout must be between 1 and 3600"]),
    ("retries-billion", "ims_image_info", dict(CREDS, max_retries=10 ** 9), ["max_retries must be between 0 and 20"]),
    ("wait-timeout-bool", "ims_job", dict(CREDS, job_id="ff80808288d41e1b018f0c7e2f4b0a5c", wait_timeout=True),
     ["wait_timeout must be an integer"]),
    # Wrong-typed dict / list-of-dict options next to secrets given as parameters.
    ("data-images-string", "ims_image", dict(CREDS, data_images="not-a-list", **OBS), ["data_images"]),
    ("data-images-string-item", "ims_image", dict(CREDS, data_images=["x"], **OBS), ["data_images"]),
    ("data-images-null-item", "ims_image", dict(CREDS, data_images=[None], **OBS), ["data_images"]),
    ("data-images-int", "ims_image", dict(CREDS, data_images=5, **OBS), ["data_images"]),
    ("export-string", "ims_image", dict(CREDS, export="bucket", **OBS), ["export"]),
    ("export-list", "ims_image", dict(CREDS, export=["bucket"], **OBS), ["export"]),
    ("export-int", "ims_image", dict(CREDS, export=7, **OBS), ["export"]),
    ("tags-string", "ims_image", dict(CREDS, tags="k=v,<", **OBS), ["tags"]),
    ("tags-list", "ims_image", dict(CREDS, tags=["k"], **OBS), ["tags"]),
    ("password-wrong-type-with-export", "ims_image",
     {"user": "demo_user", "password": PASSWORD, "domain": "demo", "access_key": "", "secret_key": "",
      "export": "x", **OBS}, ["export"]),
    ("name-null", "ims_image_copy", dict(CREDS, image=UUID, name=None), ["name"]),
    ("images-null-entry", "ims_image_member", dict(CREDS, images=[UUID, None],
                                                   projects=["0123456789abcdef0123456789abcdef"]), ["images"]),
]


def test_hostile_input_fails_cleanly_and_never_prints_a_secret(emulator, run_playbook, tmp_path):
    inventory = {"cases": {"hosts": dict(
        (case_id, {"ansible_connection": "local", "case_module": module, "case_args": args})
        for case_id, module, args, dummy in CASES)}}
    inventory_file = tmp_path / "cases.yml"
    inventory_file.write_text(json.dumps(inventory))
    modules = sorted(set(case[1] for case in CASES))
    play = [{"hosts": "cases", "gather_facts": False, "tasks": [
        {"name": module, "action": "huaweicloud.cloud." + module, "args": "{{ case_args }}",
         "when": "case_module == %r" % module, "ignore_errors": True} for module in modules]}]
    log = tmp_path / "ansible.log"
    emulator.clear_calls()
    run = run_playbook(play, verbosity=3, args=("-i", str(inventory_file), "--forks", "8"),
                       env={"ANSIBLE_LOG_PATH": str(log)})
    calls = emulator.calls()

    problems = []
    by_case = dict((r["host"], r) for r in run.results if r["status"] != "skipped")
    for case_id, module, args, expected in CASES:
        record = by_case.get(case_id)
        if record is None:
            problems.append("%s: no result recorded" % case_id)
            continue
        message = str(record["result"].get("msg", ""))
        if record["status"] != "failed":
            problems.append("%s: did not fail (%s)" % (case_id, message))
        missing = [s for s in expected if s not in message]
        if missing:
            problems.append("%s: message %r lacks %r" % (case_id, message, missing))
        if "MODULE FAILURE" in message or "module_stderr" in record["result"]:
            problems.append("%s: crashed: %s" % (case_id, message))
    assert not problems, "\n".join(problems)
    assert calls == [], "hostile input made API calls: %s" % calls
    # -vvv really printed the module invocations, so the absence of the secrets below means something.
    assert "module_args" in run.stdout or "invocation" in run.stdout or "ESTABLISH LOCAL CONNECTION" in run.stdout
    logged = log.read_text()
    for where, text in (("stdout", run.stdout), ("stderr", run.stderr), ("log", logged)):
        for secret in PLANTED[:-1]:
            assert secret not in text, "%s... leaked into %s" % (secret[:10], where)
        assert "Traceback" not in text and "MODULE FAILURE" not in text, where
