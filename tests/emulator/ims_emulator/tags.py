"""IMS tag API (SDK BatchAddOrDeleteTags, ListImageTags, AddImageTag, DeleteImageTag).

Key/value tags are stored in the image's ``tags`` list as "key=value", the form
the reference (5.1.1, ``tag`` filter) says image listings use since the tag
upgrade; a plain OpenStack tag reads back as a key with an empty value.
"""
from __future__ import annotations

from .errors import ApiError, img
from .util import MAX_TAGS, _check_tag, iso, tag_pairs


def _own_image(app, caller, project_id, image_id):
    if project_id != caller.project_id:
        raise ApiError(403, "IMG.0030", "The project ID and token in the request are invalid.")
    rec = app.world.get_visible(image_id, caller, status=404)
    if rec["origin"] == "public" or rec["project_id"] != caller.project_id:
        raise img("IMG.0047", "This operation can be performed only by the image owner.")
    return rec


def _tag(item):
    if not isinstance(item, dict) or not isinstance(item.get("key"), str):
        raise img("IMG.0115", "The image tag is invalid: each tag is an object with key and value.")
    value = item.get("value", "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise img("IMG.0115", "The image tag is invalid: value must be a string.")
    _check_tag(item["key"], value)
    return item["key"], value


def _store(rec, pairs):
    rec["props"]["tags"] = [key if value == "" and key in rec["props"]["tags"] else "%s=%s" % (key, value)
                            for key, value in pairs]
    rec["props"]["updated_at"] = iso()


def list_tags(app, caller, req, project_id, image_id):
    with app.world.lock:
        rec = _own_image(app, caller, project_id, image_id)
        return 200, {"tags": [{"key": k, "value": v} for k, v in tag_pairs(rec["props"]["tags"])]}


def _upsert(rec, new_pairs):
    pairs = dict(tag_pairs(rec["props"]["tags"]))
    for key, value in new_pairs:
        pairs[key] = value
    if len(pairs) > MAX_TAGS:
        raise img("IMG.0116", "The number of image tags exceeds the quota.")
    _store(rec, list(pairs.items()))


def batch_action(app, caller, req, project_id, image_id):
    body = req.json()
    if not isinstance(body, dict) or body.get("action") not in ("create", "delete") \
            or not isinstance(body.get("tags"), list) or not body["tags"]:
        raise img("IMG.0001", "The request message format is invalid: action (create|delete) and a non-empty tags list are required.")
    with app.world.lock:
        rec = _own_image(app, caller, project_id, image_id)
        if body["action"] == "create":
            _upsert(rec, [_tag(item) for item in body["tags"]])
        else:
            doomed = set()
            for item in body["tags"]:
                if not isinstance(item, dict) or not isinstance(item.get("key"), str) or not item["key"]:
                    raise img("IMG.0115", "The image tag is invalid: each tag needs a key.")
                doomed.add(item["key"])
            _store(rec, [(k, v) for k, v in tag_pairs(rec["props"]["tags"]) if k not in doomed])
        return 204, None


def add_tag(app, caller, req, project_id, image_id):
    body = req.json()
    if not isinstance(body, dict) or not isinstance(body.get("tag"), dict):
        raise img("IMG.0001", "The request message format is invalid: tag is required.")
    with app.world.lock:
        rec = _own_image(app, caller, project_id, image_id)
        _upsert(rec, [_tag(body["tag"])])
        return 204, None


def delete_tag(app, caller, req, project_id, image_id, key):
    with app.world.lock:
        rec = _own_image(app, caller, project_id, image_id)
        pairs = tag_pairs(rec["props"]["tags"])
        if key not in dict(pairs):
            raise ApiError(404, "IMG.0115", "Tag %s not found on image %s." % (key, image_id))
        _store(rec, [(k, v) for k, v in pairs if k != key])
        return 204, None
