# -*- coding: utf-8 -*-
# Copyright: huaweicloud.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The input contract, table driven: every declared format refuses the hostile values of its class with a
message naming the option (never a secret's value); region-like values can never move the endpoint's host;
the client refuses before sending anything. ``fake_session``/``response``: conftest.py."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.huaweicloud.cloud.plugins.module_utils import _validation as v
from ansible_collections.huaweicloud.cloud.plugins.module_utils._client import (
    Credentials,
    HuaweiCloudClient,
    endpoint_url,
)
from ansible_collections.huaweicloud.cloud.plugins.module_utils._errors import (
    HuaweiCloudError,
    WaitTimeoutError,
    scrub,
)
from ansible_collections.huaweicloud.cloud.plugins.module_utils._ims import ImsApi
from ansible_collections.huaweicloud.cloud.plugins.module_utils._retries import RetryPolicy

UUID = "4ca46bf1-5c61-48ff-b4f3-0ad4e5e3ba86"
PROJECT = "0123456789abcdef0123456789abcdef"

# Values no identifier may take: injection into URLs and headers, trailing newlines ($ would accept them),
# white space, control and non-ASCII characters, wrong types, over-long values.
HOSTILE = [
    "", " ", "x@127.0.0.1:9/#", "x@attacker.example/#", "a/../b", "..", "a?b=c", "a#frag", "a b", "a\tb",
    "a\r\nX-Injected: 1", "a\n", "\na", "a\x00b", "a\x7fb", u"\u00e9t\u00e9", u"\u955c\u50cf", "%2e%2e",
    "a;b", "a\\b", "x" * 5000, 12, True, 1.5, ["a"], {"a": 1},
]

# option -> values of its format that must pass
VALID = {
    "region": ["cn-north-4", "ap-southeast-1", "la-south-2", "cn-north-219", "eu-west-101"],
    "target_region": ["cn-east-3", "af-south-1"],
    "target_project_name": ["cn-north-4", "cn-north-4_dev", "ap-southeast-1_team-a"],
    "project_id": [PROJECT, PROJECT.upper()],
    "projects": [[PROJECT]],
    "owner": [PROJECT],
    "job_id": ["ff80808288d41e1b018f0c7e2f4b0a5c", UUID],
    "job_ids": [["ff80808288d41e1b018f0c7e2f4b0a5c"]],
    "id": [UUID], "instance_id": [UUID], "vault_id": [UUID], "backup_id": [UUID], "volume_id": [UUID],
    "cmk_id": [UUID], "image_ids": [[UUID]],
    "enterprise_project_id": ["0", UUID],
    "agency_name": ["ims_admin_agency", "ops-agency.v2"],
    "access_key": ["AKIA0123456789ABCDEF"], "secret_key": ["s3cr3t/Key+x=="], "security_token": ["gQpjbi1ub3J0aC0x"],
    "user": ["demo_user", u"\u7528\u6237"], "domain": ["demo"],
}

# Extra values refused only by some formats.
EXTRA_BAD = {
    "region": ["CN-NORTH-4", "cn", "cn-north-4.evil.com", "cn-north-4:8443", "cn_north_4", "-cn-north-4",
               "cn-north-4-", "cn--north-4", "127.0.0.1", "[::1]", "localhost", "cn-north-4\n"],
    "target_region": ["cn-north-4.attacker.example", "cn-north-4@x", "cn-north-4/", "cn-north-4\n"],
    "target_project_name": ["cn-north-4_", "dev", "cn-north-4_a/b", "cn-north-4_" + "x" * 61],
    "project_id": [PROJECT[:31], PROJECT + "0", PROJECT[:31] + "g", UUID, PROJECT + "\n"],
    "job_id": ["../x", "#frag", "j-7", PROJECT[:31], PROJECT + "\n"],
    "id": [UUID.replace("-", ""), UUID + "\n", UUID[:-1] + "g", "web-base"],
    "cmk_id": ["my-key", UUID + " "],
    "enterprise_project_id": ["00", "default", UUID + "\n"],
    "agency_name": ["a" * 65, "agency/x", "agency\n"],
    "access_key": ["AK SK", "AK\r\n", u"AK\u00e9", "AK\x00"],
    "security_token": ["tok\r\nX-Evil: 1", "tok en"],
}


def _bad_cases():
    cases = []
    for option in sorted(VALID):
        values = HOSTILE + EXTRA_BAD.get(option, [])
        fmt = v.OPTION_FORMATS[option]
        if fmt == "header":
            # Header values: only white space, control and non-ASCII characters (and type, length) matter.
            values = [x for x in values if not isinstance(x, str) or x == "" or len(x) > 16384 or
                      any(c.isspace() or not 32 < ord(c) < 127 for c in x)]
        elif fmt == "iam_name":
            # IAM names go into a JSON body: only control characters, length and type matter.
            values = [x for x in values if not isinstance(x, str) or len(x) > 64 or x == "" or
                      any(ord(c) < 32 or ord(c) == 127 for c in x)]
        elif fmt == "agency_name":
            values = [x for x in values if x != ".."]
        for index, value in enumerate(values):
            if isinstance(VALID[option][0], list) and not isinstance(value, list):
                value = [value]
            cases.append(pytest.param(option, value, id="%s-%d" % (option, index)))
    return cases


BAD = _bad_cases()
GOOD = [pytest.param(option, value, id="%s-ok-%d" % (option, i))
        for option in sorted(VALID) for i, value in enumerate(VALID[option])]


def test_the_table_holds_hundreds_of_cases():
    assert len(BAD) >= 400


@pytest.mark.parametrize("option, value", BAD)
def test_hostile_value_is_refused_naming_the_option(option, value):
    message = v.check_format(value, option)
    assert message and message.startswith(option), (option, value)
    if option in v.SECRET_OPTIONS:
        assert "value not shown" in message
        text = value[0] if isinstance(value, list) else value
        if isinstance(text, str) and len(text) >= 2:
            assert text not in message and repr(text)[1:-1] not in message


@pytest.mark.parametrize("option, value", GOOD)
def test_valid_value_passes(option, value):
    assert v.check_format(value, option) is None


@pytest.mark.parametrize("region", [c.values[1] for c in BAD if c.values[0] in ("region", "target_region")])
def test_client_refuses_a_hostile_region_before_any_call(fake_session, region):
    with pytest.raises(HuaweiCloudError) as info:
        HuaweiCloudClient(Credentials(access_key="AK", secret_key="SK"), region, project_id=PROJECT,
                          session=fake_session)
    assert str(info.value).startswith("region must be a region id")
    assert fake_session.calls == []


def test_for_region_refuses_a_hostile_target(fake_session):
    client = HuaweiCloudClient(Credentials(access_key="AK", secret_key="SK"), "cn-north-4", project_id=PROJECT,
                               session=fake_session)
    with pytest.raises(HuaweiCloudError):
        client.for_region("x@127.0.0.1:9/#")
    with pytest.raises(HuaweiCloudError):
        client.project_id_by_name("x@127.0.0.1:9/#")
    assert fake_session.calls == []


GOOD_ENDPOINTS = [
    "https://ims.{region}.myhuaweicloud.com", "http://127.0.0.1:8080/ims/{region}", "https://[::1]:8443/{region}",
    "https://{region}.ims.example.com/", "https://ims.example.com", "http://localhost:1/a/b/{region}/c",
]
BAD_ENDPOINTS = [
    ("ims.example.com", "http(s) URL"), ("ftp://ims.example.com", "http(s) URL"), ("https://", "must name a host"),
    ("https://[::1", "not a valid URL"), ("https://ims.example.com:99999", "not a valid URL"),
    ("https://ims.example.com:abc", "not a valid URL"), ("https://ims.example.com:0", "port 0"),
    ("https://user:pw@ims.example.com", "user information"), ("https://{region}@evil.example", "user information"),
    ("https://ims.example.com/?a=1", "query or fragment"), ("https://ims.example.com/#x", "query or fragment"),
    ("https://ims.example.com:{region}", "not a valid URL"), ("https://ims example.com", "without spaces"),
    ("https://ims.example.com\n", "without spaces"), (u"https://ims.\u00e9xample.com", "without spaces"),
    ("https://ims.example.com/{project}", "only the {region} placeholder"), ("https://ims_x.example.com", "host name"),
    ("https://-ims.example.com", "host name"), ("https://ims.example.com/" + "a" * 3000, "without spaces"),
    ("{region}://ims.example.com", "http(s) URL"), ("https://ims.example.com\r\nX: y", "without spaces"),
    ("javascript:alert(1)", "http(s) URL"), ("//ims.example.com", "http(s) URL"), ("", "http(s) URL"),
]


@pytest.mark.parametrize("endpoint", GOOD_ENDPOINTS)
def test_valid_endpoint(endpoint):
    assert v.check_endpoint(endpoint, "ims_endpoint") is None


@pytest.mark.parametrize("endpoint, reason", BAD_ENDPOINTS)
def test_bad_endpoint_is_refused(endpoint, reason):
    message = v.check_endpoint(endpoint, "iam_endpoint")
    assert message and message.startswith("iam_endpoint") and reason in message


@pytest.mark.parametrize("endpoint", GOOD_ENDPOINTS)
@pytest.mark.parametrize("region", ["cn-north-4", "ap-southeast-1"])
def test_built_url_keeps_the_template_host(endpoint, region):
    url = endpoint_url(endpoint, region, "ims_endpoint")
    assert url.startswith(endpoint.split("{region}")[0].rstrip("/"))


NUMBERS = [("timeout", 0), ("timeout", -1), ("timeout", 10 ** 12), ("timeout", 3601), ("timeout", True),
           ("timeout", "60"), ("max_retries", -1), ("max_retries", 10 ** 9), ("max_retries", 21),
           ("max_retries", False), ("wait_timeout", -5), ("wait_timeout", 10 ** 12), ("wait_timeout", 1.5)]


@pytest.mark.parametrize("option, value", NUMBERS)
def test_numbers_are_bounded_and_not_booleans(option, value):
    message = v.check_number_bounds({option: value})
    assert message and message.startswith(option)


@pytest.mark.parametrize("params, spec, expected", [
    ({"name": "x" * 5000}, {}, "name is 5000 characters long"),
    ({"name": "a\x00b"}, {}, "NUL"),
    ({"password": "p" * 5000}, {}, "value not shown"),
    ({"images": ["a", None]}, {}, "images must not contain null entries"),
    ({"data_images": [None]}, {"data_images": {"options": {}}}, "data_images must not contain null entries"),
    ({"data_images": [{"name": "y" * 5000}]}, {"data_images": {"options": {"name": {}}}},
     "data_images[0].name is 5000 characters long"),
    ({"export": {"bucket_url": "b" * 5000}}, {"export": {"options": {"bucket_url": {}}}},
     "export.bucket_url is 5000 characters long"),
])
def test_strings_lists_and_nested_options(params, spec, expected):
    assert expected in v.check_strings(params, spec)


SECRET = "S3cr3t-Value-0123"


@pytest.mark.parametrize("text", [
    SECRET, "Invalid header value b'%s\\r\\n'" % SECRET, repr(SECRET + "\r\n"), '{"password": "%s"}' % SECRET,
    "X-Auth-Token: %s" % SECRET, "X-Security-Token=%s" % SECRET, "Authorization: SDK-HMAC-SHA256 Access=%s" % SECRET,
    SECRET.replace("-", "\\u002d"),
])
def test_scrub_masks_every_form_of_a_secret(text):
    secret = SECRET if "\\u002d" not in text else SECRET.replace("-", "\\u002d")
    assert secret not in scrub(text, [SECRET + "\r\n", SECRET, secret])


def test_waiter_never_overshoots_its_deadline(fake_session, response):
    """Every status read of a wait gets at most the time left as its HTTP timeout (not the 60 s default),
    and the wait ends with WaitTimeoutError naming the job once no time is left."""
    now = [1000.0]
    path = "/v1/cloudimages/job/ff80808288d41e1b018f0c7e2f4b0a5c"
    fake_session.add("GET", path, *[response(200, {"status": "RUNNING"}) for dummy in range(100)])
    policy = RetryPolicy(sleep=lambda s: None, clock=lambda: now[0])
    client = HuaweiCloudClient(Credentials(access_key="AK", secret_key="SK"), "cn-north-4", project_id=PROJECT,
                               ims_endpoint="https://ims.example.com", session=fake_session, timeout=60,
                               retry_policy=policy)
    api = ImsApi(client)
    api.waiter._clock = lambda: now[0]

    def sleep(seconds):
        now[0] += seconds
    api.waiter._sleep = sleep
    with pytest.raises(WaitTimeoutError) as info:
        api.wait_job("ff80808288d41e1b018f0c7e2f4b0a5c", 5)
    assert info.value.job_id == "ff80808288d41e1b018f0c7e2f4b0a5c"
    timeouts = [call["timeout"] for call in fake_session.calls]
    assert timeouts and all(t <= 5 for t in timeouts)
    assert timeouts[-1] < timeouts[0]
    assert client.deadline is None  # restored after the wait


def test_retries_stop_at_the_total_budget():
    now = [0.0]
    policy = RetryPolicy(max_retries=20, base_delay=10, max_delay=10, total=25, rand=lambda: 1.0,
                         clock=lambda: now[0])
    delays = []
    attempt = 1
    while True:
        delay = policy.next_delay(attempt, 0.0)
        if delay is None:
            break
        delays.append(delay)
        now[0] += delay
        attempt += 1
    assert delays == [10, 10]
    assert policy.next_delay(1, 0.0, deadline=now[0] + 1) is None


DOCUMENTED = ["ims_image", "ims_image_copy", "ims_image_info", "ims_image_member", "ims_job"]


@pytest.mark.parametrize("module_name", DOCUMENTED + ["doc_fragment", "doc_fragment.discovery"])
def test_docs_state_the_contract_of_every_option_with_a_format(module_name):
    """The documentation quotes the table's rule for every option that has a declared format."""
    import importlib

    import yaml

    if module_name == "doc_fragment":
        from ansible_collections.huaweicloud.cloud.plugins.doc_fragments.ims import ModuleDocFragment
        doc = ModuleDocFragment.DOCUMENTATION
    elif module_name == "doc_fragment.discovery":
        from ansible_collections.huaweicloud.cloud.plugins.doc_fragments.ims import ModuleDocFragment
        doc = ModuleDocFragment.DISCOVERY
    else:
        doc = importlib.import_module("ansible_collections.huaweicloud.cloud.plugins.modules." + module_name).DOCUMENTATION
    options = yaml.safe_load(doc)["options"]
    if "huaweicloud.cloud.ims.discovery" in (yaml.safe_load(doc).get("extends_documentation_fragment") or []):
        from ansible_collections.huaweicloud.cloud.plugins.doc_fragments.ims import ModuleDocFragment
        options.update(yaml.safe_load(ModuleDocFragment.DISCOVERY)["options"])
    checked = 0
    for option, fmt in v.OPTION_FORMATS.items():
        if option in options:
            text = " ".join(options[option]["description"])
            assert v.FORMATS[fmt].rule in text, (module_name, option)
            checked += 1
    assert checked


def test_server_numbers_are_parsed_strictly():
    assert v.server_int("2147483648") == 2147483648 and v.server_int(5) == 5 and v.server_int(None) is None
    for bad in ("12 GB", "-1", "1e3", u"\u0661\u0662", True, 1.5, [], "0x10"):
        with pytest.raises(ValueError):
            v.server_int(bad)
