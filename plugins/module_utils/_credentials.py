# -*- coding: utf-8 -*-
# Copyright: huaweicloud.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where credentials come from: the one table of sources, in precedence order, and the resolver that walks it.

The names follow the tools Huawei Cloud users already have: the official SDK (huaweicloudsdkcore's
EnvCredentialProvider, ProfileCredentialProvider and MetadataAccessor), the Terraform provider (HW_*) and
KooCLI (hcloud, ~/.hcloud/config.json). Reading files and variables never calls anything; the ECS metadata
service and IAM agencies are asked only when the first request needs them.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import calendar
import collections
import json
import os
import time

from ansible_collections.huaweicloud.cloud.plugins.module_utils._client import Credentials, tls_failure_message
from ansible_collections.huaweicloud.cloud.plugins.module_utils._errors import HuaweiCloudError, excerpt
from ansible_collections.huaweicloud.cloud.plugins.module_utils._transport import TLSError, TransportError
from ansible_collections.huaweicloud.cloud.plugins.module_utils._validation import (
    FORMATS,
    OPTION_FORMATS,
    check_endpoint,
    check_format,
    check_int_range,
)

# What a source can give. Identity fields come as a group from the first source that has a whole identity;
# each setting takes the first value found in precedence order (files only up to the source of the identity).
IDENTITY = ("access_key", "secret_key", "security_token", "user", "password", "domain")
CONNECTION = ("region", "project_id", "iam_endpoint")
SETTINGS = CONNECTION + ("agency_name", "agency_domain_name")
SECRETS = frozenset(["secret_key", "security_token", "password"])

Source = collections.namedtuple("Source", ["name", "label", "env"])

# The credential chain, in precedence order (README "Credentials" and the doc fragment render this order).
SOURCES = (
    # Module options, with this collection's HUAWEICLOUD_* variables as their fallbacks (argument spec).
    Source("options", "module options or HUAWEICLOUD_* variables", None),
    # huaweicloudsdkcore EnvCredentialProvider (+ the IAM endpoint variable of its IamHelper).
    Source("sdk_env", "the Huawei Cloud SDK variables", {
        "access_key": "HUAWEICLOUD_SDK_AK", "secret_key": "HUAWEICLOUD_SDK_SK",
        "security_token": "HUAWEICLOUD_SDK_SECURITY_TOKEN", "project_id": "HUAWEICLOUD_SDK_PROJECT_ID",
        "iam_endpoint": "HUAWEICLOUD_SDK_IAM_ENDPOINT"}),
    # terraform-provider-huaweicloud.
    Source("terraform_env", "the Terraform provider variables", {
        "access_key": "HW_ACCESS_KEY", "secret_key": "HW_SECRET_KEY", "security_token": "HW_SECURITY_TOKEN",
        "user": "HW_USER_NAME", "password": "HW_PASSWORD", "domain": "HW_DOMAIN_NAME",
        "region": "HW_REGION_NAME", "project_id": "HW_PROJECT_ID",
        "agency_name": "HW_ASSUME_ROLE_AGENCY_NAME", "agency_domain_name": "HW_ASSUME_ROLE_DOMAIN_NAME"}),
    # The SDK's INI credentials file, else KooCLI's config.json.
    Source("profile", "a profile", None),
    # Only with credentials_source=ecs_metadata.
    Source("ecs_metadata", "the ECS metadata service", None),
)

# huaweicloudsdkcore ProfileCredentialProvider: file, variable, default section and keys.
SDK_CREDENTIALS_FILE = ("HUAWEICLOUD_SDK_CREDENTIALS_FILE", os.path.join(".huaweicloud", "credentials"))
SDK_DEFAULT_SECTION = "basic"
SDK_KEYS = {"access_key": "ak", "secret_key": "sk", "security_token": "security_token",
            "project_id": "project_id", "iam_endpoint": "iam_endpoint"}
# KooCLI (and the Terraform provider's shared_config_file): file, variable and profile keys (AKSK mode).
KOOCLI_CONFIG_FILE = ("HW_SHARED_CONFIG_FILE", os.path.join(".hcloud", "config.json"))
KOOCLI_KEYS = {"access_key": "accessKeyId", "secret_key": "secretAccessKey", "security_token": "securityToken",
               "region": "region", "project_id": "projectId"}

DEFAULT_METADATA_URL = "http://169.254.169.254"
METADATA_PATH = "/openstack/latest/securitykey"
# The SDK's MetadataAccessor waits (3, 3) seconds: off an ECS the service does not exist, fail fast.
METADATA_TIMEOUT = 3
# The metadata service answers with one small credential object; more than this is not read.
METADATA_MAX_BYTES = 65536
SECURITYTOKENS_PATH = "/v3.0/OS-CREDENTIAL/securitytokens"
DEFAULT_DURATION = 3600


class Resolved(object):
    """The outcome of the chain: the credentials, the settings and where each value came from."""

    def __init__(self, credentials, settings, origins):
        self.credentials = credentials
        self.settings = settings
        self.origins = origins


def resolve(params, environ=None, home=None):
    """Walk SOURCES for ``params`` (the module's options) and return a Resolved, or raise HuaweiCloudError
    naming the source. Every value goes through the input contract before anything is sent."""
    environ = os.environ if environ is None else environ
    home = home or environ.get("HOME") or os.path.expanduser("~")
    settings, origins, credentials = {}, {}, None
    for source in SOURCES:
        # Once a source gave the credentials, only variables still fill settings: no file is read, nothing asked.
        found = _read(source, params, environ, home) if credentials is None or source.env else None
        if found is None:
            continue
        values, where = found
        for name in SETTINGS:
            if values.get(name) and name not in settings:
                settings[name], origins[name] = values[name], where.get(name, source.label)
        if credentials is not None:
            continue
        identity = dict((name, values.get(name)) for name in IDENTITY if values.get(name))
        _check_identity(identity, where, source)
        if source.name == "profile" and not identity:
            raise HuaweiCloudError("%s has no access key and secret key" % _source_label(source, where))
        if identity or source.name == "ecs_metadata":
            for name in identity:
                origins[name] = where.get(name, source.label)
            _check_values(identity, origins)
            label = _source_label(source, where)
            if source.name == "ecs_metadata":
                credentials = Credentials(source=label, refresher=metadata_refresher(params["metadata_url"]))
            else:
                credentials = Credentials(source=label, **identity)
    if credentials is not None:
        _check_values(settings, origins)
        return Resolved(_with_agency(credentials, params, settings, origins), settings, origins)
    raise HuaweiCloudError(
        "no credentials: set access_key and secret_key (HUAWEICLOUD_ACCESS_KEY/HUAWEICLOUD_SECRET_KEY), or user, "
        "password and domain (HUAWEICLOUD_USER/HUAWEICLOUD_PASSWORD/HUAWEICLOUD_DOMAIN); or the SDK's "
        "HUAWEICLOUD_SDK_AK/HUAWEICLOUD_SDK_SK; or Terraform's HW_ACCESS_KEY/HW_SECRET_KEY; or a profile in %s "
        "or %s; or credentials_source=ecs_metadata on an ECS"
        % (_path(SDK_CREDENTIALS_FILE, environ, home), _path(KOOCLI_CONFIG_FILE, environ, home)))


def _read(source, params, environ, home):
    """(values, {field: where it was read}) of one source, or None when it does not apply."""
    if source.name == "options":
        # The agency of the options is assume_role (ims_image_copy's agency_name is another thing).
        return dict((name, params.get(name)) for name in IDENTITY + CONNECTION if params.get(name)), {}
    if source.env:
        values = dict((field, environ.get(var)) for field, var in source.env.items() if environ.get(var))
        return values, dict((field, source.env[field]) for field in values)
    if source.name == "profile":
        return _read_profile(params.get("profile"), environ, home)
    if params.get("credentials_source") == "ecs_metadata":
        return {}, {}
    return None


def _path(spec, environ, home):
    variable, relative = spec
    return environ.get(variable) or os.path.join(home, relative)


def _read_profile(name, environ, home):
    """The named profile (or the SDK's [basic] section, else KooCLI's current profile) from the SDK's INI file,
    else KooCLI's config.json. A file that exists but cannot be read is an error, never skipped."""
    ini_path = _path(SDK_CREDENTIALS_FILE, environ, home)
    json_path = _path(KOOCLI_CONFIG_FILE, environ, home)
    if os.path.isfile(ini_path):
        # Imported only when the file exists: a task pays for every import (AnsiballZ keeps no bytecode).
        import configparser

        parser = configparser.ConfigParser(interpolation=None)
        try:
            with open(ini_path, encoding="utf-8") as handle:
                parser.read_file(handle)
        except (configparser.Error, OSError, UnicodeError) as error:
            raise HuaweiCloudError("the credentials file %s is not a readable INI file: %s"
                                   % (ini_path, excerpt(type(error).__name__, 60)))
        section = name or SDK_DEFAULT_SECTION
        if parser.has_section(section):
            where = "profile %r in %s" % (section, ini_path)
            values = dict((field, parser.get(section, key)) for field, key in SDK_KEYS.items()
                          if parser.get(section, key, fallback="").strip())
            return values, dict([(None, where)] + [(field, "%s (key %s)" % (where, SDK_KEYS[field]))
                                                   for field in values])
    if os.path.isfile(json_path):
        found = _read_koocli(name, json_path)
        if found:
            return found
    if name:
        raise HuaweiCloudError("profile %r was not found: it is neither a section of %s nor a profile in %s"
                               % (name, ini_path, json_path))
    return None


def _read_koocli(name, path):
    try:
        with open(path, encoding="utf-8") as handle:
            config = json.load(handle)
    except (OSError, ValueError) as error:
        raise HuaweiCloudError("the KooCLI config %s is not readable JSON (%s)" % (path, type(error).__name__))
    profiles = config.get("profiles") if isinstance(config, dict) else None
    if not isinstance(profiles, list):
        raise HuaweiCloudError("the KooCLI config %s has no list of profiles" % path)
    wanted = name or config.get("current")
    profile = next((p for p in profiles if isinstance(p, dict) and p.get("name") == wanted), None)
    if profile is None:
        return None
    where = "KooCLI profile %r in %s" % (wanted, path)
    mode = profile.get("mode")
    if mode != "AKSK":
        raise HuaweiCloudError("%s uses mode %s; only AKSK profiles are supported (for an agency use the "
                               "assume_role option)" % (where, excerpt(mode, 20)))
    values = dict((field, profile.get(key)) for field, key in KOOCLI_KEYS.items()
                  if isinstance(profile.get(key), str) and profile.get(key))
    return values, dict([(None, where)] + [(field, "%s (key %s)" % (where, KOOCLI_KEYS[field])) for field in values])


def _source_label(source, where):
    if source.name == "profile":
        return where[None]
    if source.env:
        return "%s (%s)" % (source.label, ", ".join(sorted(source.env[f] for f in where if f in IDENTITY)))
    return source.label


def _check_identity(identity, where, source):
    """A whole identity or none: the pairs the client needs, named as the source names them."""
    def named(field):
        return where.get(field) or (source.env or {}).get(field, field)

    suffix = "" if source.name == "options" else " (%s)" % source.label
    if bool(identity.get("access_key")) != bool(identity.get("secret_key")):
        raise HuaweiCloudError("%s and %s must be given together%s"
                               % (named("access_key"), named("secret_key"), suffix))
    if identity.get("security_token") and not identity.get("access_key"):
        raise HuaweiCloudError("%s belongs to a temporary access_key and secret_key; give them too%s"
                               % (named("security_token"), suffix))
    if not identity.get("access_key") and any(identity.get(f) for f in ("user", "password")):
        if not all(identity.get(f) for f in ("user", "password", "domain")):
            raise HuaweiCloudError("user, password and domain must be given together%s" % suffix)


def _check_values(values, origins):
    for name in sorted(values):
        option = "domain" if name == "agency_domain_name" else name
        if option in OPTION_FORMATS:
            error = check_format(values[name], option)
        elif name == "iam_endpoint":
            error = check_endpoint(values[name], name)
        else:
            error = None
        if error:
            raise HuaweiCloudError("%s (from %s)" % (error, origins.get(name, "module options")))


def _with_agency(credentials, params, settings, origins):
    """The credentials of the agency named by assume_role (or Terraform's HW_ASSUME_ROLE_*), if any."""
    role = params.get("assume_role") or {}
    agency = role.get("agency_name") or settings.get("agency_name")
    if not agency:
        return credentials
    domain_name = role.get("domain_name") or (None if role.get("domain_id") else settings.get("agency_domain_name"))
    duration = role.get("duration") or DEFAULT_DURATION
    error = (check_format(agency, "agency_name") or check_format(role.get("domain_id"), "domain_id") or
             check_format(domain_name, "domain_name") or
             check_int_range(duration, "assume_role.duration", 900, 24 * 3600, unit="seconds"))
    if not error and not (domain_name or role.get("domain_id")):
        error = "assume_role needs domain_name or domain_id: the account that owns agency %s" % agency
    if error:
        raise HuaweiCloudError("%s (assume_role)" % error)
    request = {"agency_name": agency, "duration_seconds": duration}
    request.update({"domain_name": domain_name} if domain_name else {"domain_id": role["domain_id"]})
    label = "agency %s of %s, assumed with %s" % (agency, domain_name or role["domain_id"], credentials.source)
    return Credentials(source=label, refresher=agency_refresher(credentials, request), base=credentials)


def agency_refresher(base, assume_role):
    """Temporary credentials of an agency from IAM, asked for with the ``base`` credentials."""
    def refresh(client):
        caller = client.with_credentials(base)
        body = {"auth": {"identity": {"methods": ["assume_role"], "assume_role": assume_role}}}
        # Issuing temporary credentials changes nothing: safe to repeat.
        result = caller.request("POST", SECURITYTOKENS_PATH, body=body, service="iam", idempotent=True,
                                expect={"credential": dict})
        return temporary_credential(result["credential"], "IAM (POST %s)" % SECURITYTOKENS_PATH, base.clock)
    return refresh


def metadata_refresher(base_url):
    """Temporary credentials of the ECS's agency from the metadata service (opt-in; never on by default)."""
    url = (base_url or DEFAULT_METADATA_URL).rstrip("/") + METADATA_PATH

    def refresh(client):
        where = "the ECS metadata service at %s" % url
        try:
            response = client.session.request("GET", url, timeout=METADATA_TIMEOUT, verify=client.verify)
            body = b""
            try:
                while len(body) < METADATA_MAX_BYTES:
                    chunk = response.read1(METADATA_MAX_BYTES - len(body))
                    if not chunk:
                        break
                    body += chunk
            finally:
                response.close()
        except TLSError as exc:
            raise HuaweiCloudError(tls_failure_message(url, client._short(exc)))
        except TransportError as exc:
            raise HuaweiCloudError("%s did not answer within %s s (%s); credentials_source=ecs_metadata works "
                                   "only on an ECS (set metadata_url otherwise)"
                                   % (where, METADATA_TIMEOUT, type(exc).__name__))
        if response.status_code != 200:
            raise HuaweiCloudError("%s answered HTTP %s; does the ECS have an agency?"
                                   % (where, response.status_code))
        try:
            payload = json.loads(body.decode("utf-8"))
        except ValueError:
            raise HuaweiCloudError("%s answered with a body that is not JSON" % where)
        credential = payload.get("credential") if isinstance(payload, dict) else None
        if not isinstance(credential, dict):
            raise HuaweiCloudError("%s answered without a credential object" % where)
        return temporary_credential(credential, where, client.credentials.clock)
    return refresh


def temporary_credential(credential, where, clock):
    """access/secret/securitytoken/expires_at of IAM's (or the metadata service's) ``credential``, checked."""
    fresh = dict((key, credential.get(key)) for key in ("access", "secret", "securitytoken"))
    if not all(FORMATS["header"].matches(value) for value in fresh.values()):
        raise HuaweiCloudError("%s answered with a credential whose access, secret or securitytoken is missing "
                               "or not %s" % (where, FORMATS["header"].rule))
    expires = credential.get("expires_at")
    try:
        fresh["expires_at"] = calendar.timegm(time.strptime(str(expires).split(".", maxsplit=1)[0].rstrip("Z"),
                                                            "%Y-%m-%dT%H:%M:%S"))
    except ValueError:
        raise HuaweiCloudError("%s answered with expires_at %s, not a UTC time like 2026-01-01T00:00:00.000000Z"
                               % (where, excerpt(expires, 40)))
    if fresh["expires_at"] <= clock():
        raise HuaweiCloudError("%s answered with credentials that expired at %s" % (where, expires))
    return fresh
