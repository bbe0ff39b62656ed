# -*- coding: utf-8 -*-
# Copyright: huaweicloud.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The credential chain (plugins/module_utils/_credentials.py): precedence, profiles, refresh, TLS failures."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import json

import pytest

from ansible_collections.huaweicloud.cloud.plugins.module_utils import _credentials
from ansible_collections.huaweicloud.cloud.plugins.module_utils._client import (
    REFRESH_MARGIN,
    Credentials,
    HuaweiCloudClient,
)
from ansible_collections.huaweicloud.cloud.plugins.module_utils._credentials import SOURCES, resolve
from ansible_collections.huaweicloud.cloud.plugins.module_utils._errors import HuaweiCloudError
from ansible_collections.huaweicloud.cloud.plugins.module_utils._retries import RetryPolicy

PROJECT = "0123456789abcdef0123456789abcdef"
NO_OPTIONS = {"credentials_source": "chain", "metadata_url": None, "profile": None, "assume_role": None}

SDK = {"HUAWEICLOUD_SDK_AK": "SDKAK", "HUAWEICLOUD_SDK_SK": "SDKSK", "HUAWEICLOUD_SDK_PROJECT_ID": PROJECT}
TERRAFORM = {"HW_ACCESS_KEY": "TFAK", "HW_SECRET_KEY": "TFSK", "HW_REGION_NAME": "cn-east-3"}
INI = "[basic]\nak = FILEAK\nsk = FILESK\n\n[ci]\nak = CIAK\nsk = CISK\nsecurity_token = CITOKEN\n"


def chain(options=None, environ=None, home=None, ini=None, koocli=None):
    if ini is not None:
        (home / ".huaweicloud").mkdir()
        (home / ".huaweicloud" / "credentials").write_text(ini)
    if koocli is not None:
        (home / ".hcloud").mkdir()
        (home / ".hcloud" / "config.json").write_text(json.dumps(koocli))
    params = dict(NO_OPTIONS, **(options or {}))
    return resolve(params, environ or {}, str(home))


def test_the_table_is_in_the_documented_order():
    assert [s.name for s in SOURCES] == ["options", "sdk_env", "terraform_env", "profile", "ecs_metadata"]


@pytest.mark.parametrize("options, environ, expected", [
    ({"access_key": "OPTAK", "secret_key": "OPTSK"}, dict(SDK, **TERRAFORM), "OPTAK"),
    ({}, dict(SDK, **TERRAFORM), "SDKAK"),
    ({}, TERRAFORM, "TFAK"),
    ({}, {}, "FILEAK"),
    ({"profile": "ci"}, {}, "CIAK"),
])
def test_precedence(tmp_path, options, environ, expected):
    resolved = chain(options, environ, tmp_path, ini=INI)
    assert resolved.credentials.access_key == expected


def test_settings_come_from_variables_even_when_options_give_the_keys(tmp_path):
    resolved = chain({"access_key": "OPTAK", "secret_key": "OPTSK"}, dict(SDK, **TERRAFORM), tmp_path)
    assert resolved.settings["region"] == "cn-east-3"
    assert resolved.settings["project_id"] == PROJECT
    assert resolved.origins["project_id"] == "HUAWEICLOUD_SDK_PROJECT_ID"


def test_files_are_not_read_once_variables_gave_the_credentials(tmp_path):
    resolved = chain({}, TERRAFORM, tmp_path, ini="not an ini file")
    assert resolved.credentials.access_key == "TFAK"


def test_sdk_profile_with_security_token(tmp_path):
    creds = chain({"profile": "ci"}, {}, tmp_path, ini=INI).credentials
    assert (creds.access_key, creds.secret_key, creds.security_token) == ("CIAK", "CISK", "CITOKEN")
    assert creds.source.startswith("profile 'ci' in ")


def test_koocli_current_profile(tmp_path):
    koocli = {"current": "dev", "profiles": [
        {"name": "dev", "mode": "AKSK", "accessKeyId": "KAK", "secretAccessKey": "KSK", "region": "cn-south-1"}]}
    resolved = chain({}, {}, tmp_path, koocli=koocli)
    assert resolved.credentials.access_key == "KAK"
    assert resolved.settings["region"] == "cn-south-1"


@pytest.mark.parametrize("ini, koocli, options, message", [
    ("[basic\nak=1", None, {}, "is not a readable INI file"),
    (None, {"profiles": "x"}, {}, "has no list of profiles"),
    (None, "{", {}, "is not readable JSON"),
    (None, {"current": "a", "profiles": [{"name": "a", "mode": "ecsAgency"}]}, {}, "uses mode ecsAgency"),
    (INI, None, {"profile": "missing"}, "profile 'missing' was not found"),
    ("[empty]\nproject_id = %s\n" % PROJECT, None, {"profile": "empty"}, "has no access key and secret key"),
    ("[basic]\nak = A K\nsk = S\n", None, {}, "access_key is not valid"),
])
def test_bad_profiles_are_named(tmp_path, ini, koocli, options, message):
    if isinstance(koocli, str):
        (tmp_path / ".hcloud").mkdir()
        (tmp_path / ".hcloud" / "config.json").write_text(koocli)
        koocli = None
    with pytest.raises(HuaweiCloudError) as error:
        chain(options, {}, tmp_path, ini=ini, koocli=koocli)
    assert message in str(error.value)


def test_a_bad_value_names_its_variable_and_hides_secrets(tmp_path):
    with pytest.raises(HuaweiCloudError) as error:
        chain({}, {"HW_ACCESS_KEY": "AK", "HW_SECRET_KEY": "bad secret\n"}, tmp_path)
    assert "secret_key is not valid" in str(error.value) and "(from HW_SECRET_KEY)" in str(error.value)
    assert "bad secret" not in str(error.value)


def test_no_source(tmp_path):
    with pytest.raises(HuaweiCloudError) as error:
        chain({}, {}, tmp_path)
    assert str(error.value).startswith("no credentials")


def test_metadata_is_opt_in(tmp_path):
    with pytest.raises(HuaweiCloudError):
        chain({}, {}, tmp_path)
    creds = chain({"credentials_source": "ecs_metadata"}, {}, tmp_path).credentials
    assert creds.refresher is not None and creds.access_key is None
    assert creds.source == "the ECS metadata service"


def test_assume_role_needs_a_domain_and_a_sane_duration(tmp_path):
    for role, message in (({"agency_name": "a"}, "needs domain_name or domain_id"),
                          ({"agency_name": "a", "domain_name": "d", "duration": 60}, "assume_role.duration"),
                          ({"agency_name": "a b", "domain_name": "d"}, "agency_name must be")):
        with pytest.raises(HuaweiCloudError) as error:
            chain({"access_key": "A", "secret_key": "S", "assume_role": role}, {}, tmp_path)
        assert message in str(error.value)


def _stamp(epoch):
    return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000000Z")


def test_temporary_credentials_are_refreshed_before_they_expire():
    now = [1000000.0]
    issued = []

    def refresher(client):
        issued.append(now[0])
        return _credentials.temporary_credential(
            {"access": "T%d" % len(issued), "secret": "S", "securitytoken": "X", "expires_at": _stamp(now[0] + 900)},
            "test", lambda: now[0])

    creds = Credentials(source="test", refresher=refresher, clock=lambda: now[0])
    creds.refresh_if_needed(None)
    assert creds.access_key == "T1" and creds.expires_at == now[0] + 900
    now[0] += 900 - REFRESH_MARGIN - 1
    creds.refresh_if_needed(None)
    assert creds.access_key == "T1"
    now[0] += 2
    creds.refresh_if_needed(None)
    assert creds.access_key == "T2" and len(issued) == 2


def test_already_expired_temporary_credentials_are_refused():
    with pytest.raises(HuaweiCloudError) as error:
        _credentials.temporary_credential({"access": "A", "secret": "S", "securitytoken": "T",
                                           "expires_at": _stamp(100)}, "the ECS metadata service", lambda: 200.0)
    assert "expired" in str(error.value) and "the ECS metadata service" in str(error.value)


@pytest.mark.parametrize("cloud", ["evil.com/x", "a..b", "host:8443", "-x.com"])
def test_cloud_is_a_host_name(cloud):
    with pytest.raises(HuaweiCloudError):
        HuaweiCloudClient(Credentials(access_key="A", secret_key="S"), "cn-north-4", cloud=cloud)


def test_cloud_sets_the_default_endpoints():
    client = HuaweiCloudClient(Credentials(access_key="A", secret_key="S"), "eu-west-101", cloud="myhuaweicloud.eu")
    assert client.ims_endpoint == "https://ims.eu-west-101.myhuaweicloud.eu"
    assert client.iam_endpoint == "https://iam.eu-west-101.myhuaweicloud.eu"


def test_certificate_failure_is_final_and_says_how_to_fix_it(self_signed_server):
    url, cert = self_signed_server
    sleeps = []
    client = HuaweiCloudClient(Credentials(access_key="A", secret_key="S"), "cn-north-4", project_id=PROJECT,
                               ims_endpoint=url + "/ims/{region}", iam_endpoint=url + "/iam",
                               retry_policy=RetryPolicy(max_retries=5, sleep=sleeps.append))
    with pytest.raises(HuaweiCloudError) as error:
        client.request("GET", "/v2/cloudimages")
    assert "TLS certificate verification failed for 127.0.0.1" in str(error.value)
    assert "ca_bundle" in str(error.value)
    assert sleeps == [] and len(client.recorder) == 1
    trusted = HuaweiCloudClient(Credentials(access_key="A", secret_key="S"), "cn-north-4", project_id=PROJECT,
                                ims_endpoint=url + "/ims/{region}", iam_endpoint=url + "/iam", ca_bundle=cert)
    assert trusted.request("GET", "/v2/cloudimages") == {"images": []}


def test_a_modules_own_agency_name_is_not_an_agency_to_assume(tmp_path):
    # ims_image_copy's agency_name is the agency IMS uses for a cross-region copy.
    creds = chain({"access_key": "A", "secret_key": "S", "agency_name": "ims_admin_agency"}, {}, tmp_path).credentials
    assert creds.refresher is None and creds.access_key == "A"
    assumed = chain({"access_key": "A", "secret_key": "S"}, {"HW_ASSUME_ROLE_AGENCY_NAME": "x",
                                                             "HW_ASSUME_ROLE_DOMAIN_NAME": "d"}, tmp_path).credentials
    assert assumed.refresher is not None and assumed.base.access_key == "A"
    assert assumed.source == "agency x of d, assumed with module options or HUAWEICLOUD_* variables"
