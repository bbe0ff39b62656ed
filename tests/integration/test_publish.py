"""playbooks/publish.yml against the emulator (issue 12): import, tag, share, replicate, prune, summary;
re-runnable."""

from __future__ import annotations

import pytest

from hwc_harness import REPO, images_named, members, project_id, tags

pytestmark = pytest.mark.emulator_only(reason="seeded world; asserts the emulator's state")

PUBLISH = REPO / "playbooks" / "publish.yml"


def test_publish_then_rerun_converges(emulator, run_playbook):
    partner = project_id(emulator, "partner")
    extra = {"publish_name": "pub-1", "publish_image_url": "demo-images:ubuntu-22.04.qcow2",
             "publish_os_version": "Ubuntu 18.04 server 64bit", "publish_tags": {"family": "pub"},
             "publish_share_projects": [partner], "publish_regions": ["cn-east-3"],
             "publish_agency_name": "ims_admin_agency", "publish_prune_pattern": "pub-*", "publish_keep_newest": 1,
             "ims_prune_apply": True}
    run = run_playbook(PUBLISH, extra_vars=extra)
    assert run.rc == 0, run
    [first] = images_named(emulator, "pub-1")
    assert tags(first) == {"family": "pub"}
    assert members(emulator, first["id"]) == {partner: "pending"}
    assert len(images_named(emulator, "pub-1", region="cn-east-3")) == 1
    summary = run.task("Summary")["msg"]
    assert summary["image"] == first["id"] and summary["copies"] == ["cn-east-3"] and summary["pruned"] == []

    # Next generation: pub-1 is shared, so the prune keeps it although only the newest is wanted.
    run = run_playbook(PUBLISH, extra_vars={**extra, "publish_name": "pub-2", "publish_share_projects": []})
    assert run.rc == 0, run
    assert images_named(emulator, "pub-1") and images_named(emulator, "pub-2")
    assert run.task("Summary")["msg"]["pruned"] == []

    # Re-run of the same generation: nothing changes.
    emulator.clear_calls()
    again = run_playbook(PUBLISH, extra_vars={**extra, "publish_name": "pub-2", "publish_share_projects": []})
    assert again.rc == 0, again
    assert emulator.write_calls() == []
