"""The emulator as something users install: loopback-only unless told otherwise, a control API that can
require a token, world files validated with clear errors, hostile Content-Length values refused without
holding a thread, and replayed signed requests accepted within the skew window as the real gateway does."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time

import pytest
import requests
import yaml

from test_emulator import CONFIG, DEMO, REGION, project_id, sign

HERE = os.path.dirname(os.path.abspath(__file__))
SERVE = os.path.join(HERE, "serve.py")
TOKEN = "control-token-for-tests"


def start(tmp_path, *args, config=None):
    ready = tmp_path / "ready.json"
    command = [sys.executable, SERVE, "--port", "0", "--ready-file", str(ready), "--job-seconds", "0.2"]
    if config:
        command += ["--config", str(config)]
    process = subprocess.Popen(command + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 20
    while not ready.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            out, err = process.communicate()
            return process, None, out + err
        time.sleep(0.05)
    return process, json.loads(ready.read_text())["url"], ""


@pytest.fixture
def emulator_with_token(tmp_path):
    process, url, output = start(tmp_path, "--control-token", TOKEN)
    assert url, output
    yield url
    process.terminate()
    process.wait(10)


def test_control_api_requires_the_configured_token(emulator_with_token):
    url = emulator_with_token
    assert requests.get(url + "/_emulator/tokens", timeout=5).status_code == 403
    assert requests.post(url + "/_emulator/reset", headers={"X-Emulator-Token": "wrong"}, timeout=5).status_code == 403
    answer = requests.get(url + "/_emulator/state", headers={"X-Emulator-Token": TOKEN}, timeout=5)
    assert answer.status_code == 200 and "images" in json.dumps(answer.json())


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.10"])
def test_non_loopback_bind_is_refused_without_the_flag(tmp_path, host):
    process, url, output = start(tmp_path, "--host", host)
    assert url is None and process.returncode == 2
    assert "refusing to listen on %s" % host in output and "--allow-remote" in output


WORLDS = [
    ("not-yaml", "regions: [a\n  - b: [", "cannot read the world file"),
    ("not-mapping", "- a\n- b\n", "the top level must be a mapping"),
    ("no-regions", "domains: []\n", "regions must be a non-empty list"),
    ("no-domains", "regions: [cn-north-4]\n", "domains must be a non-empty list"),
    ("domain-no-name", "regions: [cn-north-4]\ndomains: [{users: []}]\n", "domains[0] needs a name"),
    ("user-no-password", "regions: [cn-north-4]\ndomains: [{name: d, users: [{name: u}]}]\n",
     "domains[0].users[0] needs password"),
    ("project-unknown-region", "regions: [cn-north-4]\ndomains: [{name: d, projects: [{region: xx-1}]}]\n",
     "region xx-1 is not in regions"),
    ("quota-negative", "regions: [cn-north-4]\nimage_quota: -1\ndomains: [{name: d}]\n",
     "image_quota must be a number >= 0"),
    ("credentials-not-list", "regions: [cn-north-4]\ndomains: [{name: d, credentials: {access: a}}]\n",
     "domains[0].credentials must be a list"),
]


@pytest.mark.parametrize("case, text, expected", WORLDS, ids=[w[0] for w in WORLDS])
def test_broken_world_file_is_a_clear_error(tmp_path, case, text, expected):
    world = tmp_path / "world.yml"
    world.write_text(text)
    process, url, output = start(tmp_path, config=world)
    assert url is None and process.returncode == 2, output
    assert expected in output and "Traceback" not in output


def test_missing_world_file_is_a_clear_error(tmp_path):
    process, url, output = start(tmp_path, config=tmp_path / "absent.yml")
    assert url is None and "cannot read the world file" in output and "Traceback" not in output


def _raw(url, request_bytes):
    host, port = url.replace("http://", "").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(request_bytes)
        sock.settimeout(5)
        data = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    return data


@pytest.mark.parametrize("path", ["/_emulator/config", "/ims/cn-north-4/v2/cloudimages/action", "/iam/v3/auth/tokens"])
@pytest.mark.parametrize("length", ["-1", "-99999", "99999999999999999999", "999999999", "12abc", " +5"])
def test_hostile_content_length_is_refused_without_holding_a_thread(emulator_with_token, path, length):
    """The reply comes at once and the connection closes, although no body follows (a server reading on
    would hang until the socket timeout)."""
    headers = "X-Emulator-Token: %s\r\n" % TOKEN if path.startswith("/_emulator") else ""
    request = ("POST %s HTTP/1.1\r\nHost: x\r\nContent-Length: %s\r\n%sContent-Type: application/json\r\n\r\n"
               % (path, length, headers)).encode()
    answer = _raw(emulator_with_token, request)
    status = int(answer.split(b" ", 2)[1])
    assert status in (400, 413), answer[:200]


def test_replayed_signed_request_within_the_skew_window_is_accepted(emulator_with_token):
    """The real API gateway keeps no nonce: the same signed request (same X-Sdk-Date) is accepted again
    while its date is within 15 minutes. FIDELITY.md documents this."""
    url = emulator_with_token + "/ims/%s/v2/cloudimages?limit=1" % REGION
    cred = DEMO["credentials"][0]
    headers = sign("GET", url, {"X-Project-Id": project_id(DEMO, REGION)}, b"", cred["access"], cred["secret"])
    first = requests.get(url, headers=headers, timeout=5)
    time.sleep(1.1)
    second = requests.get(url, headers=headers, timeout=5)
    assert first.status_code == second.status_code == 200


def test_default_world_still_loads():
    assert CONFIG["regions"]
    from ims_emulator.state import validate_config  # noqa: E402 - the emulator package is on sys.path here
    validate_config(yaml.safe_load(open(os.path.join(HERE, "default.yml"), encoding="utf-8")), "default.yml")
