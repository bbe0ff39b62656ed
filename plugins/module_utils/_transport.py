# -*- coding: utf-8 -*-
# Copyright: huaweicloud.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""HTTP/1.1 for the client on the standard library: kept-alive connections, TLS verification, the
``<scheme>_proxy``/``no_proxy`` environment variables, never a redirect.

The standard library rather than requests: a module process imports ``http.client`` and ``ssl`` in a
fraction of the time requests and urllib3 take, and every task pays that import (tests/bench/ping_floor.py).
Failures are sorted by what they mean for a retry (see the exception classes), not by library."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import os
import select
import socket
import ssl

try:
    from http import client as http_client
    from urllib.parse import unquote, urlsplit
except ImportError:  # pragma: no cover
    import httplib as http_client  # type: ignore
    from urllib import unquote  # type: ignore
    from urlparse import urlsplit  # type: ignore

# Bytes read from a streamed request body per write (http.client's default is 8 KiB; fewer writes stream faster).
SEND_BLOCK = 1024 * 1024


class TransportError(Exception):
    """The exchange failed below HTTP; the subclasses say whether the request reached the server."""


class TLSError(TransportError):
    """The TLS handshake or certificate check failed: a retry fails the same way."""


class NotSent(TransportError):
    """No connection was made (refused, unreachable, unknown name, connect timeout): the request never left."""


class ConnectionLost(TransportError):
    """The connection broke, or the answer was not HTTP, after the request went out: its effect is unknown."""


class ReplyTimeout(TransportError):
    """The request went out; no (more of the) reply came within the timeout."""


class ReplyCutShort(TransportError):
    """The reply's body ended before its declared length or last chunk."""


class Response(object):
    """One reply: ``status_code``, ``headers`` (case-insensitive ``get``), the body through ``read1``.
    ``close`` returns a fully read connection to the session for the next request."""

    def __init__(self, session, key, connection, reply):
        self.status_code = reply.status
        self.headers = reply.msg
        self._session = session
        self._key = key
        self._connection = connection
        self._reply = reply
        self._finished = False

    def read1(self, size):
        try:
            chunk = self._reply.read1(size)
            if not chunk and size:
                # http.client's read1 ends quietly where the connection ended; ``length`` is what was still due.
                if self._reply.length:
                    raise ReplyCutShort("the reply body was cut short: the connection closed %d bytes before "
                                        "its declared end" % self._reply.length)
                self._finished = True
            return chunk
        except socket.timeout as exc:
            raise ReplyTimeout(str(exc) or "timed out")
        except (http_client.HTTPException, OSError, ValueError) as exc:
            raise ReplyCutShort("the reply body was cut short: %s: %s" % (type(exc).__name__, exc))

    def close(self):
        if self._connection is None:
            return
        if self._finished and not self._reply.will_close:
            self._reply.close()  # http.client sends the next request only once this one is closed
            self._session.keep(self._key, self._connection)
        else:
            self._connection.close()
        self._connection = None


class HttpSession(object):
    """Connections by (scheme, host, port, proxy, TLS settings), one kept open per target between calls.
    ``headers`` go with every request. Not thread-safe: one module run sends one request at a time."""

    def __init__(self):
        self.headers = {}
        self._idle = {}
        self._tls_contexts = {}

    def request(self, method, url, headers=None, data=None, timeout=60, verify=True):
        """Send one request and return its Response once the status line and headers have arrived.
        ``verify``: True (system CA store), a CA bundle path, or False. ``data``: bytes, or a binary file
        streamed from its current position."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise NotSent("unsupported URL scheme %r" % parts.scheme)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        proxy = proxy_for(parts.scheme, parts.hostname)
        key = (parts.scheme, parts.hostname, port, proxy, verify)
        connection = self._idle.pop(key, None)
        if connection is not None and _dropped(connection):
            connection.close()
            connection = None
        if connection is None:
            connection = self._connect(parts.scheme, parts.hostname, port, proxy, timeout, verify)
        else:
            connection.sock.settimeout(timeout)
        target = url if proxy and parts.scheme == "http" else (parts.path or "/") + (
            "?" + parts.query if parts.query else "")
        sent_headers = dict(self.headers)
        sent_headers.update(headers or {})
        if proxy and parts.scheme == "http" and proxy[2]:
            sent_headers["Proxy-Authorization"] = proxy[2]
        if isinstance(data, str):
            data = data.encode("utf-8")
        length = _stream_length(data)
        if length is not None:
            sent_headers.setdefault("Content-Length", str(length))
        try:
            connection.request(method, target, body=data, headers=sent_headers)
            reply = connection.getresponse()
        except socket.timeout as exc:
            connection.close()
            raise ReplyTimeout(str(exc) or "timed out")
        except (http_client.HTTPException, OSError) as exc:
            connection.close()
            raise ConnectionLost("%s: %s" % (type(exc).__name__, exc))
        except BaseException:
            # e.g. a header value http.client refuses (ValueError): the connection is mid-request.
            connection.close()
            raise
        return Response(self, key, connection, reply)

    def keep(self, key, connection):
        previous = self._idle.pop(key, None)
        if previous is not None:
            previous.close()
        self._idle[key] = connection

    def close(self):
        for connection in self._idle.values():
            connection.close()
        self._idle.clear()

    def _connect(self, scheme, host, port, proxy, timeout, verify):
        address = (proxy[0], proxy[1]) if proxy else (host, port)
        if scheme == "https":
            connection = http_client.HTTPSConnection(address[0], address[1], timeout=timeout,
                                                     context=self._tls_context(verify), blocksize=SEND_BLOCK)
            if proxy:
                tunnel_headers = {"Proxy-Authorization": proxy[2]} if proxy[2] else None
                connection.set_tunnel(host, port, headers=tunnel_headers)
        else:
            connection = http_client.HTTPConnection(address[0], address[1], timeout=timeout, blocksize=SEND_BLOCK)
        try:
            connection.connect()
        except ssl.SSLError as exc:
            connection.close()
            raise TLSError(getattr(exc, "verify_message", None) or exc.reason or str(exc))
        except socket.timeout:
            connection.close()
            raise NotSent("connect to %s:%s timed out after %s s" % (address[0], address[1], round(timeout, 1)))
        except (OSError, http_client.HTTPException) as exc:
            connection.close()
            raise NotSent("%s: %s" % (type(exc).__name__, exc))
        # http.client writes the headers and the body separately: with Nagle's algorithm the body waits for the
        # peer's delayed ACK of the headers, 40 ms on every call with a body (urllib3 turns it off too).
        connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return connection

    def _tls_context(self, verify):
        if verify not in self._tls_contexts:
            if verify is False:
                context = ssl.create_default_context()
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
            else:
                bundle = verify if isinstance(verify, str) else None
                try:
                    if bundle and os.path.isdir(bundle):
                        context = ssl.create_default_context(capath=bundle)
                    else:
                        context = ssl.create_default_context(cafile=bundle)
                except (ssl.SSLError, OSError) as exc:
                    raise TLSError("the CA bundle %s could not be loaded: %s" % (bundle, exc))
            self._tls_contexts[verify] = context
        return self._tls_contexts[verify]


def proxy_for(scheme, host):
    """(host, port, Proxy-Authorization or None) of the proxy for ``scheme`` URLs to ``host``, from the same
    environment variables as requests and curl (``https_proxy``, ``http_proxy``, ``all_proxy``, ``no_proxy``,
    lower case first), or None."""
    if not any(name.lower().endswith("_proxy") for name in os.environ):
        return None
    # Imported only behind a proxy: urllib.request is as slow to import as what this module replaces.
    from urllib.request import getproxies_environment, proxy_bypass_environment

    proxies = getproxies_environment()
    url = proxies.get(scheme) or proxies.get("all")
    if not url or proxy_bypass_environment(host, proxies):
        return None
    parts = urlsplit(url if "://" in url else "http://" + url)
    if parts.scheme != "http" or not parts.hostname:
        # Never the URL itself in a message: it may hold the proxy's password.
        raise NotSent("%s_proxy must be an http:// proxy URL (host and optional port); got a %r URL"
                      % (scheme, parts.scheme))
    authorization = None
    if parts.username is not None:
        pair = "%s:%s" % (unquote(parts.username), unquote(parts.password or ""))
        authorization = "Basic " + base64.b64encode(pair.encode("utf-8")).decode("ascii")
    return parts.hostname, parts.port or 80, authorization


def _dropped(connection):
    """Whether a kept connection was closed by the server meanwhile (it is readable while idle)."""
    if connection.sock is None:
        return True
    try:
        poller = select.poll()
        poller.register(connection.sock, select.POLLIN)
        return bool(poller.poll(0))
    except (AttributeError, ValueError, OSError):  # no poll() on this platform, or a closed socket
        return True


def _stream_length(data):
    """Bytes left in a seekable file body; None otherwise (http.client sends a stream of unknown length chunked)."""
    if data is None or isinstance(data, bytes):
        return None
    try:
        position = data.tell()
        end = data.seek(0, os.SEEK_END)
        data.seek(position)
    except (AttributeError, OSError, ValueError):
        return None
    return end - position
