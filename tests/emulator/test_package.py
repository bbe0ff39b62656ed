"""The emulator as a pip-installed package: `huaweicloud-ims-emulator` runs from a fresh venv, outside the repository.

Offline: the wheel is built with this venv's setuptools and wheel (no build isolation), installed with --no-deps
into a venv created without pip, and the fresh venv gets only a copy of this venv's PyYAML.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import venv
from pathlib import Path

import requests
import yaml

HERE = Path(__file__).resolve().parent
WORLD = yaml.safe_load((HERE / "default.yml").read_text(encoding="utf-8"))


def _pip(*args, cwd):
    subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input", *args],
                   check=True, capture_output=True, timeout=300, cwd=str(cwd))


def test_pip_installed_command_serves_the_seeded_world(tmp_path):
    source = tmp_path / "src"
    # a copy, so the build leaves nothing in the repository (the world link is resolved)
    shutil.copytree(HERE, source, ignore=shutil.ignore_patterns("__pycache__", "build", "*.egg-info", ".pytest_cache"))
    _pip("wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", str(tmp_path / "wheels"), str(source),
         cwd=tmp_path)
    wheel = next((tmp_path / "wheels").glob("huaweicloud_ims_emulator-*.whl"))

    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    _pip("--python", str(python), "install", "--no-deps", "--no-index", str(wheel), cwd=tmp_path)
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    shutil.copytree(Path(yaml.__file__).parent, site / "yaml")

    command = env_dir / "bin" / "huaweicloud-ims-emulator"
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path)}  # nothing of this checkout
    usage = subprocess.run([str(command), "--help"], capture_output=True, text=True, env=env, cwd=str(tmp_path),
                           check=True, timeout=60).stdout
    for option in ("--host", "--port", "--world", "--ready-file", "--job-seconds"):
        assert option in usage

    ready = tmp_path / "ready.json"
    log = open(tmp_path / "emulator.log", "w")
    process = subprocess.Popen([str(command), "--host", "127.0.0.1", "--port", "0", "--ready-file", str(ready)],
                               stdout=log, stderr=subprocess.STDOUT, env=env, cwd=str(tmp_path))
    try:
        deadline = time.monotonic() + 30
        while not (ready.exists() and ready.read_text().strip()):
            assert process.poll() is None, (tmp_path / "emulator.log").read_text()
            assert time.monotonic() < deadline, "emulator not ready"
            time.sleep(0.05)
        url = json.loads(ready.read_text())["url"]
        assert url.startswith("http://127.0.0.1:")
        state = requests.get(url + "/_emulator/state", timeout=30).json()
        seeded = {p["id"] for d in WORLD["domains"] for p in d["projects"]}
        served = {pid for region in state["regions"].values() for pid in region["projects"]}
        assert seeded <= served, "the installed command does not serve the seeded world"
        module = subprocess.run([str(python), "-c", "import ims_emulator; print(ims_emulator.__file__)"],
                                capture_output=True, text=True, env=env, cwd=str(tmp_path), check=True).stdout
        assert module.startswith(str(site)), module
    finally:
        process.terminate()
        assert process.wait(timeout=15) == 0
        log.close()
