"""Image discovery: ims_image_info's client-side filters and the huaweicloud.cloud.ims_image lookup, against the
emulator (issue 12)."""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest

from hwc_harness import account, images_named, play, project_id, tags

pytestmark = pytest.mark.matrix

CALL_LOG = pytest.mark.emulator_only(reason="asserts through the emulator's call log which queries were sent")

BUCKET = "demo-images"


def create(name, image_tags):
    return {"name": "create " + name, "huaweicloud.cloud.ims_image": {
        "name": name, "image_url": BUCKET + ":ubuntu-22.04.qcow2", "os_version": "Ubuntu 18.04 server 64bit",
        "min_disk": 40, "tags": image_tags}}


def info(task, **args):
    return {"name": task, "huaweicloud.cloud.ims_image_info": args}


SEEDED_TAGS = {
    "web-1": {"team": "web", "env": "prod"},
    "web-2": {"team": "web", "env": "test", "keep": ""},
    "web-3": {"team": "web", "env": "prod", "keep": "forever"},
    "api-1": {"team": "api", "env": "prod"},
}


def seed(run_playbook):
    run = run_playbook(play(*[create(name, image_tags) for name, image_tags in SEEDED_TAGS.items()]))
    assert run.rc == 0, run


def newest(images, names):
    """The newest image among ``names`` of ``images`` (records), by the same rule as most_recent (created_at, then
    id)."""
    records = [r for r in images if r["name"] in names]
    return max(records, key=lambda r: (r["created_at"][:19], r["id"]))


def by_name(emulator):
    return {r["name"]: r for r in images_named(emulator)}


@CALL_LOG
def test_info_client_side_filters_and_most_recent(emulator, run_playbook):
    seed(run_playbook)
    emulator.clear_calls()
    run = run_playbook(play(
        info("self", owner="self"),
        info("two_tags", owner="self", tags={"team": "web", "env": "prod"}),
        info("key_only", owner="self", tags={"keep": None}),
        info("tag_and_tags", owner="self", tag="team=web", tags={"keep": None, "env": "prod"}),
        info("glob", owner="self", name_pattern="web-*"),
        info("regex", owner="self", name_regex="^(api|web)-[13]$"),
        info("glob_and_regex", owner="self", name_pattern="web-*", name_regex="[12]$"),
        info("most_recent", owner="self", name_pattern="web-*", most_recent=True),
        info("sorted", owner="self", name_regex="^(web|api)-", sort_key="name", sort_dir="desc"),
        info("none", owner="self", tags={"team": "db"}),
        {"name": "jinja", "ansible.builtin.set_fact": {
            "old": "{{ (lookup('huaweicloud.cloud.ims_image', owner='self', output='record')"
                   " | selectattr('created_at', 'lt', '2000-01-01T00:00:00Z') | list | length) }}",
            "young": "{{ (lookup('huaweicloud.cloud.ims_image', owner='self', name_pattern='web-*', wantlist=true,"
                     " output='record') | selectattr('created_at_epoch', 'gt', 946684800) | list | length) }}"}},
    ))
    assert run.rc == 0, run
    images = by_name(emulator)
    own = project_id(emulator)

    def got(task):
        return sorted(i["name"] for i in run.task(task)["images"])

    assert all(i["owner"] == own for i in run.task("self")["images"])
    assert {"web-1", "web-2", "web-3", "api-1"} <= set(got("self"))
    assert got("two_tags") == ["web-1", "web-3"]
    assert got("key_only") == ["web-2", "web-3"]
    assert got("tag_and_tags") == ["web-3"]
    assert got("glob") == ["web-1", "web-2", "web-3"]
    assert got("regex") == ["api-1", "web-1", "web-3"]
    assert got("glob_and_regex") == ["web-1", "web-2"]
    newest_web = newest(images_named(emulator), {"web-1", "web-2", "web-3"})
    assert [i["id"] for i in run.task("most_recent")["images"]] == [newest_web["id"]]
    assert [i["name"] for i in run.task("sorted")["images"]] == ["web-3", "web-2", "web-1", "api-1"]
    assert run.task("none")["images"] == []
    # The records carry the emulator's tags and times; epoch seconds are numbers.
    web3 = next(i for i in run.task("glob")["images"] if i["name"] == "web-3")
    assert web3["tags"] == tags(images["web-3"]) == {"team": "web", "env": "prod", "keep": "forever"}
    assert isinstance(web3["created_at_epoch"], int) and web3["created_at"].startswith(images["web-3"]["created_at"][:19])
    assert run.task("jinja")["ansible_facts"] == {"old": 0, "young": 3}

    queries = [parse_qs(c["query"] or "") for c in emulator.calls()
               if c["method"] == "GET" and c["path"].endswith("/v2/cloudimages")]
    # Server-side filters went to IMS: owner=self as the project id, one full tag, sort pass-through.
    assert all(q["owner"] == [own] for q in queries)
    assert {"tag": ["env=prod"], "owner": [own], "limit": ["500"]} in queries
    assert {"tag": ["team=web"], "owner": [own], "limit": ["500"]} in queries
    assert {"owner": [own], "sort_key": ["name"], "sort_dir": ["desc"], "limit": ["500"]} in queries
    assert emulator.write_calls() == []
    assert not run.changed


def test_lookup_in_a_play(world, run_playbook):
    """The lookup's forms; name patterns keep to this run's images, so that a real account's others do not count."""
    run = run_playbook(play(*[{"name": "create " + suffix, "huaweicloud.cloud.ims_image": world.from_obs(
        suffix, tags=image_tags)} for suffix, image_tags in SEEDED_TAGS.items()]))
    assert run.rc == 0, run
    prefix = world.name("")
    web = {world.name(n) for n in ("web-1", "web-2", "web-3")}
    web2 = world.image_ids(world.name("web-2"))[0]
    run = run_playbook(play(
        {"name": "lookups", "ansible.builtin.set_fact": {
            "newest_web": "{{ lookup('huaweicloud.cloud.ims_image', name_pattern='%sweb-*', owner='self',"
                          " most_recent=true) }}" % prefix,
            "by_name": "{{ lookup('huaweicloud.cloud.ims_image', '%sweb-2') }}" % prefix,
            "by_id": "{{ query('huaweicloud.cloud.ims_image', '%s') }}" % web2,
            "record": "{{ lookup('huaweicloud.cloud.ims_image', '%sweb-3', output='record') }}" % prefix,
            "kept": "{{ query('huaweicloud.cloud.ims_image', tags={'keep': none}, owner='self',"
                    " name_pattern='%s*') | length }}" % prefix,
            "nothing": "{{ query('huaweicloud.cloud.ims_image', name_pattern='%sdb-*') }}" % prefix}},
        {"name": "explicit region beats the environment", "ansible.builtin.set_fact": {
            "east": "{{ query('huaweicloud.cloud.ims_image', owner='self', region='%s', name_pattern='%s*') }}"
                    % (world.target.settings.get("copy_region", "cn-east-3"), prefix)}},
    ))
    assert run.rc == 0, run
    facts = run.task("lookups")["ansible_facts"]
    assert facts["newest_web"] == newest(world.images(), web)["id"]
    assert facts["by_name"] == web2
    assert facts["by_id"] == [web2]
    assert facts["record"]["name"] == world.name("web-3") and facts["record"]["tags"]["keep"] == "forever"
    assert facts["kept"] == 2
    assert facts["nothing"] == []
    assert run.task("explicit region beats the environment")["ansible_facts"]["east"] == []


@CALL_LOG
def test_lookup_bad_input_names_the_option_and_hides_secrets(emulator, run_playbook):
    emulator.clear_calls()
    run = run_playbook(play(
        {"name": "bad", "ansible.builtin.debug": {
            "msg": "{{ lookup('huaweicloud.cloud.ims_image', name_regex='(') }}"}},
    ))
    assert run.rc != 0
    msg = run.task("bad")["msg"]
    assert "name_regex is not a valid regular expression" in msg
    # The secret key comes from HUAWEICLOUD_SECRET_KEY on the controller, as for the modules.
    assert account(emulator)["secret_key"] not in run.stdout + run.stderr
    assert emulator.calls() == []


@CALL_LOG
def test_info_refuses_bad_discovery_options(emulator, run_playbook):
    emulator.clear_calls()
    run = run_playbook(play(info("bad_owner", owner="me")))
    assert run.rc != 0
    assert run.task("bad_owner")["msg"] == "owner must be self or a project id (32 hexadecimal characters), got 'me'"
    assert emulator.calls() == []
