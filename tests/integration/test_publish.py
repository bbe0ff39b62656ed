"""playbooks/publish.yml on either target (issue 12): import, tag, share, replicate, prune, summary;
re-runnable."""

from __future__ import annotations

import pytest

from hwc_harness import REPO

PUBLISH = REPO / "playbooks" / "publish.yml"


@pytest.mark.cloud_long
def test_publish_then_rerun_converges(world, run_playbook):
    partner, region, agency = world.require("share_project_id", "copy_region", "agency_name")
    world.long_job()
    obs = world.from_obs("pub-1")
    pub1, pub2 = obs["name"], world.name("pub-2")
    extra = {"publish_name": pub1, "publish_image_url": obs["image_url"],
             "publish_os_version": obs["os_version"], "publish_min_disk": obs["min_disk"], "publish_tags": dict(world.tags, family="pub"),
             "publish_share_projects": [partner], "publish_regions": [region],
             "publish_agency_name": agency, "publish_prune_pattern": world.name("pub-*"), "publish_keep_newest": 1,
             "ims_prune_apply": True}
    run = run_playbook(PUBLISH, extra_vars=extra)
    assert run.rc == 0, run
    [first] = world.images(pub1)
    assert world.image_tags(pub1) == dict(world.tags, family="pub")
    assert world.members(first["id"]) == {partner: "pending"}
    assert len(world.images(pub1, region=region)) == 1
    summary = run.task("Summary")["msg"]
    assert summary["image"] == first["id"] and summary["copies"] == [region] and summary["pruned"] == []

    # Next generation: pub-1 is shared, so the prune keeps it although only the newest is wanted.
    run = run_playbook(PUBLISH, extra_vars={**extra, "publish_name": pub2, "publish_share_projects": []})
    assert run.rc == 0, run
    assert world.images(pub1) and world.images(pub2)
    assert run.task("Summary")["msg"]["pruned"] == []

    # Re-run of the same generation: nothing changes.
    world.clear_calls()
    again = run_playbook(PUBLISH, extra_vars={**extra, "publish_name": pub2, "publish_share_projects": []})
    assert again.rc == 0, again
    assert again.changed == []
    world.assert_no_writes()
