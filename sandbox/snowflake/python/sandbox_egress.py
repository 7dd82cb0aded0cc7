"""Outbound network rules for a sandboxed Python function, applied beneath requests/urllib/http.client.

Snowflake lets a UDF reach only the hosts named in its external access integration's network rules.
Here each allowed host that a local stand-in serves is re-routed to that stand-in over plain HTTP,
and every other host fails at name resolution, the way a blocked egress does. The handler's code
stays unmodified: it still calls https://health.googleapis.com/...
"""

import socket
from urllib.parse import urlsplit

_ORIGINAL_GETADDRINFO = socket.getaddrinfo

# [(host pattern, port)] from the network rules; a pattern may start with '*.'.
_rules = []
# host (lower case) -> (scheme, host, port) of the stand-in serving it.
_routes = {}
# (host, port) pairs of the stand-ins themselves, reachable only through a route.
_targets = set()


def _default_port(scheme):
    return 443 if scheme == "https" else 80


def _parse_rule(entry):
    entry = entry.strip().lower()
    if entry.startswith("[") or entry.count(":") != 1:
        return entry, 443
    host, _, port = entry.partition(":")
    return host, int(port) if port.isdigit() else 443


def _host_matches(pattern, host):
    if pattern.startswith("*."):
        return host.endswith(pattern[1:])
    return pattern == host


def is_allowed(host, port):
    host = (host or "").lower().rstrip(".")
    return any(_host_matches(h, host) and p == port for h, p in _rules)


def route(scheme, host, port):
    """Where a request to scheme://host:port really goes, or None to leave it alone."""
    host = (host or "").lower().rstrip(".")
    scheme = (scheme or "http").lower()
    port = int(port) if port else _default_port(scheme)
    target = _routes.get(host)
    if target is None or not is_allowed(host, port):
        return None
    return target


def _blocked(host, port):
    return socket.gaierror(
        socket.EAI_NONAME,
        f"Egress to {host}:{port} is blocked: the host is not allowed by the network rules of the "
        "function's external access integrations",
    )


def _getaddrinfo(host, port, *args, **kwargs):
    name = host.decode() if isinstance(host, bytes) else str(host)
    try:
        number = int(port) if port not in (None, "") else 0
    except (TypeError, ValueError):
        number = socket.getservbyname(str(port))
    key = (name.lower().rstrip("."), number)
    if key not in _targets and not is_allowed(name, number):
        raise _blocked(name, number)
    return _ORIGINAL_GETADDRINFO(host, port, *args, **kwargs)


def _patch_urllib3():
    try:
        import urllib3.poolmanager as poolmanager
    except ImportError:
        return
    original = poolmanager.PoolManager.connection_from_host

    def connection_from_host(self, host, port=None, scheme="http", pool_kwargs=None):
        target = route(scheme, host, port)
        if target is not None:
            scheme, host, port = target
        return original(self, host, port=port, scheme=scheme, pool_kwargs=pool_kwargs)

    poolmanager.PoolManager.connection_from_host = connection_from_host


def _patch_http_client():
    """urllib (and http.client used directly) connect to the stand-in, but keep the original URL.

    Only the socket goes elsewhere: the request line, Host header, resp.geturl() and HTTPError all
    still say https://health.googleapis.com/..., as in Snowflake. The stand-in speaks plain HTTP, so
    an HTTPS connection to a routed host skips TLS.
    """
    import http.client as client

    plain_connect = client.HTTPConnection.connect
    tls_connect = client.HTTPSConnection.connect

    def routed(conn, scheme):
        if getattr(conn, "_tunnel_host", None):
            return None
        return route(scheme, conn.host, conn.port)

    def open_socket(conn, target):
        _, host, port = target
        conn.sock = socket.create_connection((host, port), conn.timeout, conn.source_address)
        conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def http_connect(self):
        target = routed(self, "http")
        if target is None:
            return plain_connect(self)
        open_socket(self, target)

    def https_connect(self):
        target = routed(self, "https")
        if target is None:
            return tls_connect(self)
        open_socket(self, target)

    client.HTTPConnection.connect = http_connect
    client.HTTPSConnection.connect = https_connect


def install(egress, allowed_hosts):
    """egress: {host: 'http://127.0.0.1:PORT'}; allowed_hosts: ['host' | 'host:port', ...]."""
    _rules.extend(_parse_rule(entry) for entry in allowed_hosts)
    for host, base in egress.items():
        parts = urlsplit(base)
        scheme = parts.scheme or "http"
        port = parts.port or _default_port(scheme)
        _routes[host.lower()] = (scheme, parts.hostname, port)
    for host, (_, target_host, target_port) in _routes.items():
        if any(_host_matches(h, host) for h, _ in _rules):
            _targets.add((target_host.lower(), target_port))
    socket.getaddrinfo = _getaddrinfo
    _patch_urllib3()
    _patch_http_client()
