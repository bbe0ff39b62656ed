# -*- coding: utf-8 -*-
# Copyright: huaweicloud.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The error types the shared client raises; modules turn them into fail_json."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re

MASK = "********"
# Credential-bearing fields as they appear in echoed headers, bodies and library messages.
_SECRET_FIELDS = re.compile(
    r"(?i)((?:x-auth-token|x-security-token|x-subject-token|authorization|password|secret_key|secret|"
    r"security_?token|access_key|signature|access)[\"']?\s*[:=]\s*[\"']?)([^\"'\s,;}]+)")
SHORTEST_SECRET = 4


def scrub(text, secrets=()):
    """``text`` with every secret masked: each value as given, as repr() and JSON would escape it and its
    white-space separated parts, and whatever follows a credential field name. The one place every error
    message that may quote a header, a request or a response goes through."""
    text = "" if text is None else str(text)
    forms = set()
    for secret in secrets:
        if not secret or not isinstance(secret, str):
            continue
        forms.update([secret, repr(secret)[1:-1], json.dumps(secret)[1:-1]])
        forms.update(re.split(r"\s+", secret))
    for form in sorted(forms, key=len, reverse=True):
        if len(form) >= SHORTEST_SECRET:
            text = text.replace(form, MASK)
    return _SECRET_FIELDS.sub(lambda match: match.group(1) + MASK, text)


def excerpt(text, limit=200):
    """A short, single-line piece of a server reply for an error message (scrub it too)."""
    text = re.sub(r"\s+", " ", str(text)).strip()
    return text if len(text) <= limit else text[:limit] + "..."


class HuaweiCloudError(Exception):
    """An API call failed: carries the HTTP status and the service error code."""

    def __init__(self, message, status=None, code=None, request_id=None, method=None, path=None):
        super(HuaweiCloudError, self).__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.request_id = request_id
        self.method = method
        self.path = path

    def __str__(self):
        text = self.message
        if self.code:
            text = "%s: %s" % (self.code, text)
        if self.status and self.method:
            text = "%s (HTTP %s on %s %s)" % (text, self.status, self.method, self.path)
        return text

    def to_result(self):
        """Extra keys for fail_json so playbooks can branch on the code."""
        return {"error_code": self.code, "http_status": self.status, "request_id": self.request_id}


class AmbiguousRequestError(HuaweiCloudError):
    """A non-idempotent call may or may not have taken effect (lost response)."""


class DeadlineError(HuaweiCloudError):
    """A call could not end before the caller's deadline (a job wait running out)."""


class JobFailedError(HuaweiCloudError):
    """An asynchronous IMS job ended in FAIL."""

    progress = None  # the waiter's record of the job (JobWaiter.progress)

    def __init__(self, job):
        self.job = job
        code = job.get("error_code")
        reason = job.get("fail_reason") or "no reason given"
        super(JobFailedError, self).__init__("job %s failed: %s" % (job.get("job_id"), reason), code=code)

    def to_result(self):
        result = super(JobFailedError, self).to_result()
        result["job_id"] = self.job.get("job_id")
        result["job"] = self.job
        if self.progress is not None:
            result["progress"] = self.progress
        return result


class WaitTimeoutError(HuaweiCloudError):
    """A wait ran out; the job keeps running and can be resumed with ims_job."""

    progress = None  # the waiter's record of the job (JobWaiter.progress)

    def __init__(self, job_id, timeout, job=None):
        self.job_id = job_id
        self.job = job or {}
        status = self.job.get("status", "unknown")
        super(WaitTimeoutError, self).__init__(
            "timed out after %ss waiting for job %s (last status %s); resume with "
            "huaweicloud.cloud.ims_job job_id=%s wait=true" % (timeout, job_id, status, job_id))

    def to_result(self):
        result = super(WaitTimeoutError, self).to_result()
        result["job_id"] = self.job_id
        result["job"] = self.job
        if self.progress is not None:
            result["progress"] = self.progress
        return result


def error_from_response(status, payload, method, path, request_id=None):
    """Build a HuaweiCloudError from any of the error bodies the services send.

    IMS native sends {"error": {"code", "message"}}, older pages show
    {"error_code", "error_msg"}, IAM/Glance send {"error": {"code": int, "title"}}
    or plain text.
    """
    code = None
    message = None
    if isinstance(payload, dict):
        inner = payload.get("error") if isinstance(payload.get("error"), dict) else payload
        code = inner.get("code") or inner.get("error_code")
        message = inner.get("message") or inner.get("error_msg") or inner.get("title")
        # A hostile or broken server decides neither the type nor the length of what we show.
        code = code if isinstance(code, str) and len(code) <= 64 else None
        message = excerpt(message) if message is not None else None
    elif payload:
        message = excerpt(payload)
    return HuaweiCloudError(message or "HTTP %s" % status, status=status, code=code,
                            request_id=request_id, method=method, path=path)
