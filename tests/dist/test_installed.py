"""The collection as a user gets it: built with ansible-galaxy, installed into a clean path, run by FQCN.

tests/run.sh (step dist-install) builds and installs the tarball and points HWC_DIST_COLLECTIONS at the
install path; run alone, these tests build and install it themselves.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))

from hwc_harness import REPO, credentials_env, images_named, start_emulator, tags  # noqa: E402  pylint: disable=wrong-import-position

BIN = Path(sys.executable).parent
GALAXY = yaml.safe_load((REPO / "galaxy.yml").read_text(encoding="utf-8"))
# README sections from this heading on are about a clone of the repository.
REPO_SECTION = re.compile(r"^## .*clone of the repository", re.M)
REPO_BLOB = re.compile(re.escape(GALAXY["repository"]) + r"/(?:blob|tree)/main/([^)#\s]+)")


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """<collections path>/ansible_collections/huaweicloud/cloud of the installed tarball."""
    root = os.environ.get("HWC_DIST_COLLECTIONS")
    if not root:
        work = tmp_path_factory.mktemp("dist")
        subprocess.run([str(BIN / "ansible-galaxy"), "collection", "build", "--output-path", str(work / "build"),
                        str(REPO)], check=True, capture_output=True, timeout=300)
        tarball = next((work / "build").glob("huaweicloud-cloud-*.tar.gz"))
        root = str(work / "collections")
        subprocess.run([str(BIN / "ansible-galaxy"), "collection", "install", "--offline", "-p", root, str(tarball)],
                       check=True, capture_output=True, timeout=300,
                       env=dict(os.environ, ANSIBLE_COLLECTIONS_PATH=root))
    path = Path(root) / "ansible_collections" / "huaweicloud" / "cloud"
    assert (path / "MANIFEST.json").is_file(), "no installed collection at %s" % path
    return path


def test_installed_tree_is_complete(installed):
    manifest = json.loads((installed / "MANIFEST.json").read_text())["collection_info"]
    assert manifest["version"] == GALAXY["version"]
    for key in ("repository", "documentation", "issues"):
        assert manifest[key].startswith("https://"), key
    assert manifest["tags"] and manifest["license"] == ["GPL-3.0-or-later"]

    license_text = (installed / "LICENSE").read_text()
    assert "GNU GENERAL PUBLIC LICENSE" in license_text and "Version 3, 29 June 2007" in license_text
    releases = yaml.safe_load((installed / "changelogs" / "changelog.yaml").read_text())["releases"]
    assert GALAXY["version"] in releases, "changelog has no release %s" % GALAXY["version"]
    assert "v%s" % GALAXY["version"] in (installed / "CHANGELOG.rst").read_text()
    for name in ("README.md", "meta/runtime.yml", "meta/execution-environment.yml"):
        assert (installed / name).is_file(), name

    shipped = [p.relative_to(installed).as_posix() for p in installed.rglob("*")]
    unwanted = [p for p in shipped
                if p.split("/")[0] in ("tests", "build", "execution-environment.yml")
                or re.search(r"(^|/)(\.venv[^/]*|__pycache__|\.pytest_cache|\.benchmarks)(/|$)|\.pyc$|\.tar\.gz$", p)]
    assert not unwanted, unwanted


def test_readme_links_and_paths_work_from_the_install(installed):
    """Links and file names in the README resolve in the installed tree; what is not shipped is linked in the
    repository (and exists in this checkout)."""
    readme = (installed / "README.md").read_text()
    split = REPO_SECTION.search(readme)
    assert split, "README has no '## ... clone of the repository' section"
    installed_part = readme[:split.start()]

    for target in re.findall(r"\]\(([^)\s]+)\)", readme):
        if target.startswith(GALAXY["repository"]):
            match = REPO_BLOB.match(target)
            if match:
                assert (REPO / match.group(1)).exists(), "README links a missing repository file: %s" % target
        elif not re.match(r"https?://|#", target):
            assert (installed / target).exists(), "README links %s, which is not in the installed collection" % target

    # `path/to/file.ext` mentioned outside the repository section must be shipped
    for path in re.findall(r"`([\w.-]+(?:/[\w.-]+)+\.(?:yml|yaml|md|rst|txt|py|sh))`", installed_part):
        assert (installed / path).exists(), "README names %s, which is not in the installed collection" % path
    assert "bash tests/" not in installed_part


@pytest.fixture(scope="module")
def emulator(tmp_path_factory):
    emu = start_emulator(tmp_path_factory.mktemp("emulator"))
    yield emu
    emu.process.terminate()
    emu.process.wait(timeout=10)


def run_installed(installed, emulator, tmp_path, command):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HUAWEICLOUD_", "ANSIBLE_"))}
    env.update(credentials_env(emulator))
    env.update({
        # only the installed copy is visible: no checkout, no site-packages collections
        "ANSIBLE_COLLECTIONS_PATH": str(installed.parents[2]),
        "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "false",
        "ANSIBLE_LOCALHOST_WARNING": "false",
        "ANSIBLE_INVENTORY_UNPARSED_WARNING": "false",
        "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_LOCAL_TEMP": str(tmp_path / "ansible-tmp"),
    })
    completed = subprocess.run([str(BIN / command[0])] + command[1:], capture_output=True, text=True, env=env,
                               cwd=str(tmp_path), check=False, timeout=300)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return completed.stdout


def test_playbook_and_adhoc_by_fqcn(installed, emulator, tmp_path):
    extra = {"ims_import_name": "web-base", "ims_import_image_url": "demo-images:ubuntu-22.04.qcow2",
             "ims_import_os_version": "Ubuntu 18.04 server 64bit", "ims_import_tags": {"team": "web"}}
    out = run_installed(installed, emulator, tmp_path,
                        ["ansible-playbook", "huaweicloud.cloud.import", "-e", json.dumps(extra)])
    assert re.search(r"localhost\s*:\s*ok=\d+\s+changed=[1-9]", out), out
    images = images_named(emulator, "web-base")
    assert len(images) == 1 and images[0]["status"] == "active"
    assert tags(images[0]) == {"team": "web"}

    # the README's ad hoc command
    out = run_installed(installed, emulator, tmp_path,
                        ["ansible", "localhost", "-m", "huaweicloud.cloud.ims_image_info", "-a", "name=web-base"])
    assert images[0]["id"] in out and "CHANGED" not in out
