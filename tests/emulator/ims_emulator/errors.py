"""Error types shared by every handler."""
from __future__ import annotations


class ApiError(Exception):
    """An error answered to the client.

    ``body`` overrides the default ``{"error": {"code", "message"}}`` body.
    """

    def __init__(self, status, code, message, body=None, headers=None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.body = body
        self.headers = headers or {}

    def to_body(self):
        if self.body is not None:
            return self.body
        return {"error": {"code": self.code, "message": self.message}}


def img(code, message, status=400):
    """IMS error with an ``IMG.xxxx`` code (HTTP 400 unless told)."""
    return ApiError(status, code, message)


def not_found(message="Resource not found.", code="IMG.0027"):
    return ApiError(404, code, message)


def apigw_401(detail):
    return ApiError(401, "APIGW.0301", "Incorrect IAM authentication information: " + detail)


def keystone_error(status, title, message):
    body = {"error": {"code": status, "title": title, "message": message}}
    return ApiError(status, str(status), message, body=body)
