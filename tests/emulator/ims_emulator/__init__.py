"""Local emulator of Huawei Cloud IMS (native + Glance v2) and the IAM slice the collection uses.

Modules:

* ``server``      - HTTP server, routing, authentication glue, call log, fault injection, control API
* ``auth``        - SDK-HMAC-SHA256 signature verification
* ``iam``         - password tokens, project listing
* ``state``       - the world model loaded from YAML (accounts, projects, OBS, ECS, EVS, CBR, KMS, images)
* ``jobs``        - asynchronous jobs on a timer thread
* ``ims_native``  - /v2/cloudimages*, /v1/cloudimages/*, job queries
* ``glance``      - /v2/images*, members, tags, versions
* ``images_common`` - helpers shared by the two image APIs
* ``util``, ``errors`` - validation rules, OS versions, error types
"""
from __future__ import annotations
