"""World model: accounts, projects, resources, images, members, jobs.

Everything lives in one ``World`` guarded by ``World.lock`` (an RLock); handlers
take it for every read-modify-write.
"""
from __future__ import annotations

import copy
import hashlib
import random
import threading
import time

import yaml

from .errors import img, not_found
from .util import iso, new_uuid, os_info, parse_time, DEFAULT_OS_VERSION

PUBLIC_OWNER = "1bed856811654c1cb661a6ca845ebc77"

SORT_KEYS = ("name", "container_format", "disk_format", "status", "id", "size", "created_at", "updated_at", "min_disk", "min_ram")
NON_FILTER_PARAMS = {"marker", "limit", "sort_key", "sort_dir", "sort", "member_status", "visibility", "__imagetype",
                     "owner", "id", "tag", "created_at", "updated_at", "fields"}


def det_hex(*parts):
    return hashlib.md5(":".join(parts).encode("utf-8")).hexdigest()


def det_uuid(*parts):
    h = det_hex(*parts)
    return "%s-%s-%s-%s-%s" % (h[:8], h[8:12], h[12:16], h[16:20], h[20:])


class ConfigError(ValueError):
    """The world file is missing, not YAML, or not shaped as default.yml documents."""


def _require(condition, where, what):
    if not condition:
        raise ConfigError("%s: %s" % (where, what))


def validate_config(cfg, where):
    """The shape every loader below relies on, so a broken world file is a message, not a KeyError."""
    _require(isinstance(cfg, dict), where, "the top level must be a mapping")
    regions = cfg.get("regions")
    _require(isinstance(regions, list) and regions and all(isinstance(r, str) and r for r in regions),
             where, "regions must be a non-empty list of region ids")
    for key in ("job_seconds", "image_quota", "visibility_delay", "delete_delay"):
        if key in cfg:
            _require(isinstance(cfg[key], (int, float)) and not isinstance(cfg[key], bool) and cfg[key] >= 0,
                     where, "%s must be a number >= 0" % key)
    _require(isinstance(cfg.get("public_images", []), list), where, "public_images must be a list")
    for index, pub in enumerate(cfg.get("public_images", [])):
        _require(isinstance(pub, dict) and isinstance(pub.get("name"), str), where,
                 "public_images[%d] needs a name" % index)
    domains = cfg.get("domains")
    _require(isinstance(domains, list) and domains, where, "domains must be a non-empty list")
    for index, dom in enumerate(domains):
        label = "domains[%d]" % index
        _require(isinstance(dom, dict) and isinstance(dom.get("name"), str), where, label + " needs a name")
        for key, fields in (("users", ("name", "password")), ("credentials", ("access", "secret")),
                            ("projects", ("region",)), ("images", ("region", "name")),
                            ("obs_buckets", ("name", "region")), ("kms_keys", ("id",)),
                            ("ecs_instances", ("id", "region", "name", "system_volume")),
                            ("evs_volumes", ("id", "region")), ("cbr_vaults", ("id", "region")),
                            ("cbr_backups", ("id", "region"))):
            items = dom.get(key, [])
            _require(isinstance(items, list), where, "%s.%s must be a list" % (label, key))
            for position, item in enumerate(items):
                for field in fields:
                    _require(isinstance(item, dict) and item.get(field) not in (None, ""), where,
                             "%s.%s[%d] needs %s" % (label, key, position, field))
                if key == "projects" or "region" in fields:
                    _require(item["region"] in regions, where, "%s.%s[%d]: region %s is not in regions"
                             % (label, key, position, item["region"]))


# Late visibility (seconds): a new image is left out of listings this long after the call that made it,
# and a deleted one stays listed (with its last status) this long. Real IMS shows both effects; these
# defaults are long enough that a listing right after a create or delete sees the old picture.
DEFAULT_VISIBILITY_DELAY = 3.0
DEFAULT_DELETE_DELAY = 3.0


class World:
    def __init__(self, config_path, job_seconds=None, visibility_delay=None, delete_delay=None):
        self.lock = threading.RLock()
        try:
            with open(config_path, encoding="utf-8") as handle:
                self.config = yaml.safe_load(handle)
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
            raise ConfigError("%s: cannot read the world file: %s" % (config_path, error)) from None
        validate_config(self.config, config_path)
        self.cli_job_seconds = job_seconds
        self.cli_delays = {"visibility_delay": visibility_delay, "delete_delay": delete_delay}
        try:
            self.reset()
        except (KeyError, TypeError, ValueError, StopIteration) as error:
            raise ConfigError("%s: inconsistent world file (%s: %s)" % (config_path, type(error).__name__, error)) \
                from None

    # ------------------------------------------------------------ loading
    def reset(self):
        with self.lock:
            cfg = copy.deepcopy(self.config)
            self.regions = list(cfg["regions"])
            self.image_quota = int(cfg.get("image_quota", 100))
            js = self.cli_job_seconds if self.cli_job_seconds is not None else cfg.get("job_seconds", 1.0)
            self.job_seconds = float(js)
            defaults = {"visibility_delay": DEFAULT_VISIBILITY_DELAY, "delete_delay": DEFAULT_DELETE_DELAY}
            for knob, default in defaults.items():
                value = self.cli_delays[knob]
                setattr(self, knob, float(value if value is not None else cfg.get(knob, default)))
            # Cross-region copies to these regions take this long instead (real copies differ by target).
            self.job_seconds_by_region = {}
            self.faults = {}
            self.fault_rng = random.Random(0)
            self.fail_jobs = []
            self.fail_members = []
            # The ECS metadata service: the first account's agency, credentials valid an hour.
            self.metadata = {"domain": cfg["domains"][0]["name"], "seconds": 3600}
            self.calls = []
            self.tokens = {}
            self.jobs = {}
            self.seq = 0
            self.domains = {}
            self.projects = {}
            self.access_keys = {}
            self.users = {}
            self.images = {}
            self.buckets = {}
            self.instances = {}
            self.volumes = {}
            self.vaults = {}
            self.backups = {}
            self.kms_keys = {}
            for dom in cfg["domains"]:
                self._load_domain(dom)
            for region in self.regions:
                for pub in cfg.get("public_images", []):
                    self._load_public_image(region, pub)

    def _load_domain(self, dom):
        name = dom["name"]
        domain = {"name": name, "id": dom.get("id") or det_hex("domain", name),
                  "agencies": list(dom.get("agencies", [])), "users": []}
        self.domains[name] = domain
        for user in dom.get("users", []):
            rec = {"name": user["name"], "password": user["password"], "domain": name,
                   "id": user.get("id") or det_hex("user", name, user["name"])}
            domain["users"].append(rec)
            self.users[(name, rec["name"])] = rec
        for cred in dom.get("credentials", []):
            self.access_keys[cred["access"]] = {"secret": cred["secret"], "domain": name}
        for proj in dom.get("projects", []):
            region = proj["region"]
            pid = proj.get("id") or det_hex("project", name, region)
            self.projects[pid] = {"id": pid, "name": proj.get("name", region), "region": region, "domain": name}
        for bucket in dom.get("obs_buckets", []):
            objects = {}
            for obj in bucket.get("objects", []):
                objects[obj["key"]] = {"key": obj["key"], "size": int(obj.get("size", 1 << 30)),
                                       "storage_class": obj.get("storage_class", "STANDARD")}
            self.buckets[bucket["name"]] = {"name": bucket["name"], "region": bucket["region"], "domain": name,
                                            "storage_class": bucket.get("storage_class", "STANDARD"), "objects": objects}
        for inst in dom.get("ecs_instances", []):
            pid = self.project_of(name, inst["region"])["id"]
            rec = dict(inst, project_id=pid, domain=name)
            rec.setdefault("status", "SHUTOFF")
            rec.setdefault("os_version", "Ubuntu 18.04 server 64bit")
            rec.setdefault("data_volumes", [])
            self.instances[rec["id"]] = rec
            sysvol = rec["system_volume"]
            self.volumes[sysvol["id"]] = {"id": sysvol["id"], "size": int(sysvol.get("size", 40)), "project_id": pid,
                                          "instance_id": rec["id"], "bootable": True, "status": "in-use",
                                          "region": inst["region"], "name": sysvol.get("name", rec["name"] + "-sys")}
            for vol in rec["data_volumes"]:
                self.volumes[vol["id"]] = {"id": vol["id"], "size": int(vol.get("size", 10)), "project_id": pid,
                                           "instance_id": rec["id"], "bootable": False, "status": "in-use",
                                           "region": inst["region"], "name": vol.get("name", rec["name"] + "-data")}
        for vol in dom.get("evs_volumes", []):
            pid = self.project_of(name, vol["region"])["id"]
            self.volumes[vol["id"]] = {"id": vol["id"], "size": int(vol.get("size", 40)), "project_id": pid,
                                       "instance_id": None, "bootable": bool(vol.get("bootable", False)),
                                       "status": vol.get("status", "available"), "region": vol["region"],
                                       "name": vol.get("name", "volume")}
        for vault in dom.get("cbr_vaults", []):
            pid = self.project_of(name, vault["region"])["id"]
            self.vaults[vault["id"]] = dict(vault, project_id=pid, domain=name)
        for backup in dom.get("cbr_backups", []):
            pid = self.project_of(name, backup["region"])["id"]
            rec = dict(backup, project_id=pid, domain=name, used_by=None)
            rec.setdefault("status", "available")
            self.backups[backup["id"]] = rec
        for key in dom.get("kms_keys", []):
            self.kms_keys[key["id"]] = dict(key, domain=name)
        for image in dom.get("images", []):
            pid = self.project_of(name, image["region"])["id"]
            props = {k: v for k, v in image.items() if k not in ("region", "members", "id")}
            rec = self.new_image(pid, props.pop("name"), props, status=props.pop("status", "active"), origin="seed",
                                 image_id=image.get("id"))
            for member in image.get("members", []):
                mpid = self.project_of(member["domain"], image["region"])["id"] if "domain" in member else member["project_id"]
                rec["members"][mpid] = {"status": member.get("status", "pending"), "created_at": iso(), "updated_at": iso()}

    def _load_public_image(self, region, pub):
        props = dict(pub)
        name = props.pop("name")
        image_id = det_uuid("public", region, name)
        rec = self.new_image(PUBLIC_OWNER, name, props, status="active", origin="public", image_id=image_id, region=region)
        rec["props"].update({"visibility": "public", "__imagetype": "gold", "protected": True, "__isregistered": "true"})
        rec["props"].pop("__root_origin", None)
        rec["props"].pop("__data_origin", None)

    # ------------------------------------------------------------ lookups
    def project_of(self, domain, region):
        for proj in self.projects.values():
            if proj["domain"] == domain and proj["region"] == region:
                return proj
        raise KeyError((domain, region))

    def domain_projects(self, domain):
        return [p for p in self.projects.values() if p["domain"] == domain]

    def new_backup_id(self):
        return new_uuid()

    def next_seq(self):
        self.seq += 1
        return self.seq

    # ------------------------------------------------------------ images
    def new_image(self, project_id, name, props=None, status="queued", origin="ims", image_id=None, region=None):
        """Create and register an image record; ``props`` override the defaults."""
        props = dict(props or {})
        image_id = image_id or new_uuid()
        if region is None:
            region = self.projects[project_id]["region"]
            domain = self.projects[project_id]["domain"]
        else:
            domain = None
        drop_os = "__os_version" in props and props["__os_version"] is None
        os_version = props.pop("__os_version", None) or DEFAULT_OS_VERSION
        platform, os_type, os_bit = os_info(os_version) or ("Other", "Linux", "64")
        now = iso()
        size = int(props.pop("__image_size", 0) or 0)
        base = {
            "id": image_id, "name": name, "status": status, "visibility": "private", "protected": False,
            "container_format": "bare", "disk_format": "zvhd2", "min_disk": 40, "min_ram": 0,
            "size": size, "virtual_size": 0, "checksum": "d41d8cd98f00b204e9800998ecf8427e",
            "owner": project_id, "tags": [], "created_at": now, "updated_at": now,
            "self": "/v2/images/%s" % image_id, "file": "/v2/images/%s/file" % image_id, "schema": "/v2/schemas/image",
            "__os_version": os_version, "__platform": platform, "__os_type": os_type, "__os_bit": os_bit,
            "__isregistered": "true", "__imagetype": "private", "__image_source_type": "uds",
            "virtual_env_type": "FusionCompute", "__originalimagename": "", "__backup_id": "",
            "__image_size": str(size), "__data_origin": None, "__lazyloading": "true", "__support_kvm": "true",
            "hw_firmware_type": "bios", "__productcode": "", "enterprise_project_id": "0",
        }
        for key, value in props.items():
            if value is None:
                base.pop(key, None)
            else:
                base[key] = value
        if drop_os:
            base.pop("__os_version", None)
        if status == "active":
            base["active_at"] = now
        # Images made by an API call are listed only after the visibility delay (seeded ones at once).
        listed_at = time.monotonic() + self.visibility_delay if origin in ("ims", "glance") else 0.0
        rec = {"id": image_id, "region": region, "project_id": project_id, "domain": domain, "deleted": False,
               "origin": origin, "seq": self.next_seq(), "members": {}, "busy_job": None, "props": base,
               "listed_at": listed_at, "gone_at": None}
        self.images[image_id] = rec
        return rec

    def set_status(self, rec, status):
        rec["props"]["status"] = status
        rec["props"]["updated_at"] = iso()
        if status == "active":
            rec["props"]["active_at"] = iso()

    def is_listed(self, rec, now=None):
        """Whether listings show the image yet (see DEFAULT_VISIBILITY_DELAY)."""
        return (now if now is not None else time.monotonic()) >= rec.get("listed_at", 0.0)

    def is_deleting(self, rec):
        return rec.get("gone_at") is not None and not rec["deleted"]

    def request_delete(self, rec):
        """An API DELETE: the image goes after the delete delay; until then it is listed as it was."""
        if self.is_deleting(rec):
            return
        if self.delete_delay <= 0:
            self.delete_image(rec)
            return
        rec["gone_at"] = time.monotonic() + self.delete_delay

    def settle(self, now=None):
        """Finish the deletions whose delay has passed (the job engine calls this on every tick)."""
        now = now if now is not None else time.monotonic()
        with self.lock:
            for rec in self.images.values():
                if self.is_deleting(rec) and now >= rec["gone_at"]:
                    self.delete_image(rec)

    def images_listed(self, image_ids, now=None):
        """Whether every existing image among ``image_ids`` is listed (jobs end only then)."""
        now = now if now is not None else time.monotonic()
        for image_id in image_ids:
            rec = self.images.get(image_id)
            if rec is not None and not rec["deleted"] and not self.is_listed(rec, now):
                return False
        return True

    def delete_image(self, rec):
        rec["deleted"] = True
        rec["members"] = {}
        rec["props"]["status"] = "deleted"
        rec["props"]["deleted_at"] = iso()

    def is_busy(self, rec):
        job_id = rec.get("busy_job")
        if not job_id:
            return False
        job = self.jobs.get(job_id)
        return job is None or not job.terminal

    def quota_used(self, project_id):
        return sum(1 for r in self.images.values() if not r["deleted"] and r["project_id"] == project_id)

    def check_quota(self, project_id, count=1):
        if self.quota_used(project_id) + count > self.image_quota:
            raise img("IMG.0015", "The number of private images has reached the maximum allowed.")

    def is_visible(self, rec, project_id, region):
        if rec["deleted"] or rec["region"] != region:
            return False
        return rec["origin"] == "public" or rec["project_id"] == project_id or project_id in rec["members"]

    def get_visible(self, image_id, caller, code="IMG.0027", status=400):
        with self.lock:
            rec = self.images.get(image_id)
            if rec is None or not self.is_visible(rec, caller.project_id, caller.region):
                if status == 404:
                    raise not_found("Image %s could not be found." % image_id, code=code)
                raise img(code, "The image ID in the request does not exist: %s." % image_id)
            return rec

    def get_owned(self, image_id, caller, code="IMG.0047"):
        rec = self.get_visible(image_id, caller)
        if rec["project_id"] != caller.project_id:
            raise img(code, "This operation can be performed only by the image owner.")
        return rec

    def view(self, rec, project_id):
        props = copy.deepcopy(rec["props"])
        if rec["origin"] == "public":
            return props
        if rec["project_id"] == project_id:
            if rec["members"]:
                props["visibility"] = "shared"
                props["__imagetype"] = "shared"
            else:
                props["visibility"] = "private"
                props["__imagetype"] = "private"
        else:
            props["visibility"] = "shared"
            props["__imagetype"] = "shared"
        return props

    # ------------------------------------------------------------ listing
    def list_images(self, caller, query, default_limit, max_limit=None):
        """Filter, sort and page images visible to ``caller``; returns (page, has_more)."""
        pid = caller.project_id
        single = {k: v[-1] for k, v in query.items()}
        member_status = single.get("member_status")
        if member_status is not None and member_status not in ("accepted", "rejected", "pending", "all"):
            raise img("IMG.0017", "The URL format is incorrect: invalid member_status.")
        now = time.monotonic()
        with self.lock:
            candidates = []
            for rec in self.images.values():
                if not self.is_visible(rec, pid, caller.region) or not self.is_listed(rec, now):
                    continue
                is_member = rec["project_id"] != pid and pid in rec["members"]
                if member_status:
                    if not is_member:
                        continue
                    if member_status != "all" and rec["members"][pid]["status"] != member_status:
                        continue
                elif is_member and rec["members"][pid]["status"] != "accepted":
                    continue
                view = self.view(rec, pid)
                if self._matches(view, rec, query, single):
                    candidates.append((view, rec["seq"]))
        sort_keys, sort_dirs = self._sort_spec(single)
        for key, direction in reversed(list(zip(sort_keys, sort_dirs))):
            candidates.sort(key=lambda item, k=key: (_sortable(item[0].get(k)), item[1]), reverse=(direction == "desc"))
        views = [v for v, _seq in candidates]
        marker = single.get("marker")
        if marker:
            for index, view in enumerate(views):
                if view["id"] == marker:
                    views = views[index + 1:]
                    break
            else:
                raise img("IMG.0017", "The URL format is incorrect: marker %s could not be found." % marker)
        limit = default_limit
        if "limit" in single:
            try:
                limit = int(single["limit"])
            except ValueError:
                raise img("IMG.0017", "The URL format is incorrect: limit must be an integer.") from None
            if limit < 0:
                raise img("IMG.0017", "The URL format is incorrect: limit must be >= 0.")
        if max_limit is not None:
            limit = min(limit, max_limit)
        return views[:limit], len(views) > limit

    @staticmethod
    def _sort_spec(single):
        if "sort" in single:
            keys, dirs = [], []
            for part in single["sort"].split(","):
                key, _sep, direction = part.strip().partition(":")
                keys.append(key)
                dirs.append(direction or "desc")
        else:
            keys = [k.strip() for k in single.get("sort_key", "created_at").split(",")]
            dirs = [d.strip() for d in single.get("sort_dir", "desc").split(",")]
            while len(dirs) < len(keys):
                dirs.append(dirs[-1])
        for key in keys:
            if key not in SORT_KEYS:
                raise img("IMG.0017", "The URL format is incorrect: invalid sort_key %s." % key)
        for direction in dirs:
            if direction not in ("asc", "desc"):
                raise img("IMG.0017", "The URL format is incorrect: invalid sort_dir %s." % direction)
        return keys, dirs

    def _matches(self, view, rec, query, single):
        if "visibility" in single and view.get("visibility") != single["visibility"]:
            return False
        if "__imagetype" in single and view.get("__imagetype") != single["__imagetype"]:
            return False
        if "owner" in single and view.get("owner") != single["owner"]:
            return False
        if "id" in single:
            wanted = single["id"]
            ids = wanted[3:].split(",") if wanted.startswith("in:") else [wanted]
            if view["id"] not in ids:
                return False
        for tag in query.get("tag", []):
            if tag not in view.get("tags", []):
                return False
        for field in ("created_at", "updated_at"):
            if field in single and not _time_filter(view.get(field), single[field]):
                return False
        if "status" not in single and view.get("status") == "deleted":
            return False
        for key, value in single.items():
            if key in NON_FILTER_PARAMS:
                continue
            actual = view.get(key)
            if isinstance(actual, bool):
                actual = "true" if actual else "false"
            if actual is None:
                if value.lower() == "false":
                    continue
                return False
            if key == "name" and value.startswith("in:"):
                if str(actual) not in value[3:].split(","):
                    return False
                continue
            if str(actual) != value:
                return False
        return True

    # ------------------------------------------------------------ snapshot
    def snapshot(self):
        with self.lock:
            out = {"job_seconds": self.job_seconds, "image_quota": self.image_quota, "regions": {},
                   "visibility_delay": self.visibility_delay, "delete_delay": self.delete_delay}
            now = time.monotonic()
            for region in self.regions:
                out["regions"][region] = {"projects": {}}
            for proj in self.projects.values():
                images = [dict(copy.deepcopy(r), listed=self.is_listed(r, now), deleting=self.is_deleting(r))
                          for r in self.images.values() if not r["deleted"] and r["project_id"] == proj["id"]]
                members = []
                for rec in images:
                    for mid, member in rec["members"].items():
                        members.append(dict(member, image_id=rec["id"], member_id=mid))
                jobs = [j.public() for j in self.jobs.values() if j.project_id == proj["id"]]
                out["regions"][proj["region"]]["projects"][proj["id"]] = {
                    "name": proj["name"], "domain": proj["domain"], "images": images, "members": members, "jobs": jobs,
                }
            out["public_images"] = {}
            for rec in self.images.values():
                if rec["origin"] == "public":
                    out["public_images"].setdefault(rec["region"], []).append(rec["id"])
            out["obs"] = copy.deepcopy(self.buckets)
            out["cbr_backups"] = sorted(self.backups)
            return out


def _sortable(value):
    if value is None:
        return (0, "")
    if isinstance(value, bool):
        return (1, str(value))
    if isinstance(value, (int, float)):
        return (1, "%020.3f" % value)
    return (1, str(value))


def _time_filter(actual, expr):
    op, _sep, text = expr.partition(":")
    if op not in ("gt", "gte", "lt", "lte", "eq", "neq"):
        raise img("IMG.0017", "The URL format is incorrect: invalid time filter %s." % expr)
    try:
        wanted = parse_time(text)
    except ValueError:
        raise img("IMG.0017", "The URL format is incorrect: invalid time %s." % text) from None
    if not actual:
        return False
    have = parse_time(actual)
    return {"gt": have > wanted, "gte": have >= wanted, "lt": have < wanted, "lte": have <= wanted,
            "eq": have == wanted, "neq": have != wanted}[op]


class Caller:
    """Who is calling: domain name, project (may be None for IAM-only calls), region."""

    def __init__(self, domain, project=None, method="aksk", user=None, region=None):
        self.domain = domain
        self.project = project
        self.method = method
        self.user = user
        self.region = region or (project["region"] if project else None)

    @property
    def project_id(self):
        return self.project["id"] if self.project else None


__all__ = ["World", "Caller", "PUBLIC_OWNER", "det_hex", "det_uuid"]
