"""One guard for every outgoing connection a person can influence.

Webhook endpoints, browsers' push endpoints, carrier and SMS-gateway URLs and the SMTP host are
addresses typed by someone; the shop calls them from inside its own network. Without a guard they
reach internal services (SSRF), so every such call goes through a ``Guard``:

* The host is resolved once, when the connection is made, and every address it resolves to must
  be public: no RFC 6890 special-purpose range (loopback, private, CGNAT 100.64.0.0/10 and the
  cloud metadata addresses in it or in link-local, documentation, benchmarking, reserved,
  multicast). The connection then goes to an address that was checked (it is pinned), so a DNS
  answer that changes between the check and the connection (rebinding) reaches nothing.
* Redirects are never followed (a 3xx is the answer), and no proxy from the environment is used.
* An admin may allow a private destination explicitly: ``OUTGOING_ALLOWED_HOSTS`` (host names,
  addresses or networks such as ``mail.internal, 10.0.0.0/8``) for the destinations admins set
  (carriers, SMS gateways, SMTP, webhooks), and the per-endpoint "allow private addresses" box for
  a webhook. A browser's push endpoint gets neither (``PUSH_ALLOW_PRIVATE`` exists for tests).

``Guard.session()`` is a ``requests`` session, ``Guard.pool_manager()`` a ``urllib3`` pool and
``Guard.smtp()`` an ``smtplib.SMTP``, each connecting only to checked addresses.
"""
import ipaddress
import re
import smtplib
import socket
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError
from urllib3.util import connection as urllib3_connection

from app import settings


class RefusedAddress(OSError):
    """A destination the guard does not connect to; ``str()`` says why (for the delivery log)."""


class Unresolvable(RefusedAddress):
    """The host name does not resolve (reported as urllib3's ``NameResolutionError``)."""


#: RFC 6890's special-purpose blocks (IANA's registries), refused whatever Python's ``is_global``
#: thinks of a block it marks globally reachable; the IPv6 ones that embed an IPv4 address (NAT64,
#: 6to4, Teredo) are here because they may lead to a private IPv4 address.
SPECIAL_PURPOSE = tuple(ipaddress.ip_network(block) for block in (
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
    "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24",
    "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
    "::/128", "::1/128", "::ffff:0:0/96", "64:ff9b::/96", "64:ff9b:1::/48", "100::/64", "2001::/23",
    "2001:db8::/32", "2002::/16", "fc00::/7", "fe80::/10", "ff00::/8"))


def is_public(address):
    """True for a globally routable unicast address outside every special-purpose block (CGNAT and
    the cloud metadata addresses included); an IPv4-mapped IPv6 address counts as its IPv4 address."""
    if address.version == 6 and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if any(address.version == block.version and address in block for block in SPECIAL_PURPOSE):
        return False
    return address.is_global and not address.is_multicast


def parse_allowed(value):
    """``OUTGOING_ALLOWED_HOSTS`` → a tuple of lower-case host names and ``ip_network`` objects."""
    allowed = []
    for item in re.split(r"[\s,;]+", str(value or "").strip()):
        if not item:
            continue
        try:
            allowed.append(ipaddress.ip_network(item.strip("[]"), strict=False))
        except ValueError:
            allowed.append(item.lower().rstrip("."))
    return tuple(allowed)


@dataclass(frozen=True)
class Guard:
    """Where outgoing connections may go: public addresses, plus what an admin allowed."""

    allow_private: bool = False
    allowed: tuple = ()

    def permits(self, host, address):
        if self.allow_private or is_public(address):
            return True
        host = (host or "").lower().rstrip(".")
        return any(item == host if isinstance(item, str) else item.version == address.version and address in item
                   for item in self.allowed)

    def addresses(self, host, port):
        """Every address ``host`` resolves to, all checked; raises ``RefusedAddress``."""
        host = (host or "").strip("[]")
        if not host:
            raise RefusedAddress("no host")
        try:
            infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
        except (socket.gaierror, UnicodeError) as error:
            raise Unresolvable(f"{host} does not resolve: {error}")
        found = list(dict.fromkeys(info[4][0].split("%", 1)[0] for info in infos))  # without a zone, once each
        for text in found:
            if not self.permits(host, ipaddress.ip_address(text)):
                raise RefusedAddress(f"{host} resolves to the non-public address {text}")
        return found

    def check_url(self, url):
        """Raise ``RefusedAddress`` unless ``url`` is http(s) to an allowed host (a check before
        sending, for a clear message; the connection itself checks again and pins)."""
        parts = urlsplit(url or "")
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise RefusedAddress("only http and https URLs are allowed")
        try:
            port = parts.port
        except ValueError:
            raise RefusedAddress("the port is not valid")
        return self.addresses(parts.hostname, port or (443 if parts.scheme == "https" else 80))

    def connect(self, host, port, timeout, source_address=None, socket_options=None):
        """A socket to a checked address of ``host`` (tried in order)."""
        last = None
        for address in self.addresses(host, port):
            try:
                return urllib3_connection.create_connection((address, port), timeout, source_address=source_address,
                                                            socket_options=socket_options)
            except socket.timeout:
                raise
            except OSError as error:
                last = error
        raise last or OSError(f"cannot connect to {host}")

    def session(self):
        """A ``requests`` session through this guard that never follows a redirect."""
        session = _Session()
        session.trust_env = False  # no proxy from the environment: the guard must see the real address
        adapter = _Adapter(self)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        return session

    def pool_manager(self, mixins=(), **kwargs):
        """A ``urllib3.PoolManager`` through this guard; ``mixins`` are added to its connection
        classes (the carriers' whole-call deadline)."""
        manager = urllib3.PoolManager(**kwargs)
        manager.pool_classes_by_scheme = _pool_classes(self, tuple(mixins))
        return manager

    def smtp(self, host, port, timeout):
        return _smtp_class(self)(host, port, timeout=timeout)


def refused_reason(error):
    """The guard's reason if ``error`` (as raised by requests or urllib3) is a refusal, else None."""
    seen = set()
    todo = [error]
    while todo:
        current = todo.pop()
        if not isinstance(current, BaseException) or id(current) in seen:
            continue  # urllib3's ``reason`` may be a plain string (an SSLError's, for one)
        seen.add(id(current))
        if isinstance(current, RefusedAddress) and not isinstance(current, Unresolvable):
            return str(current)
        todo.extend([current.__cause__, current.__context__, getattr(current, "reason", None)])
        todo.extend(arg for arg in getattr(current, "args", ()) if isinstance(arg, BaseException))
    return None


def admin_guard(allow_private=False):
    """The guard for destinations admins configure, with their ``OUTGOING_ALLOWED_HOSTS``."""
    return Guard(allow_private=bool(allow_private), allowed=parse_allowed(settings.get("OUTGOING_ALLOWED_HOSTS", "")))


def admin_request(method, url, *, timeout, **kwargs):
    """One request to an address an admin set (a bot API, a store): checked and pinned by
    ``admin_guard``, redirects not followed. ``requests``' own errors reach the caller."""
    with admin_guard().session() as session:
        return session.request(method, url, timeout=timeout, allow_redirects=False, **kwargs)


# ---- the plumbing: urllib3 connections and smtplib that connect through the guard ---------------

class _Pinned:
    guard = Guard()

    def _new_conn(self):
        try:
            return self.guard.connect(self._dns_host, self.port, self.timeout, self.source_address,
                                      self.socket_options)
        except Unresolvable as error:
            raise NameResolutionError(self.host, self, error) from error
        except RefusedAddress as error:
            raise NewConnectionError(self, f"refused: {error}") from error
        except socket.timeout as error:
            raise ConnectTimeoutError(self, f"Connection to {self.host} timed out.") from error
        except OSError as error:
            raise NewConnectionError(self, f"Failed to establish a new connection: {error}") from error


@lru_cache(maxsize=64)
def _pool_classes(guard, mixins=()):
    http = type("GuardedHTTPConnection", (*mixins, _Pinned, HTTPConnection), {"guard": guard})
    https = type("GuardedHTTPSConnection", (*mixins, _Pinned, HTTPSConnection), {"guard": guard})
    return {"http": type("GuardedHTTPPool", (HTTPConnectionPool,), {"ConnectionCls": http}),
            "https": type("GuardedHTTPSPool", (HTTPSConnectionPool,), {"ConnectionCls": https})}


class _Adapter(HTTPAdapter):
    def __init__(self, guard, **kwargs):
        self.guard = guard
        super().__init__(**kwargs)

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _pool_classes(self.guard)


class _Session(requests.Session):
    def send(self, request, **kwargs):
        kwargs["allow_redirects"] = False
        return super().send(request, **kwargs)


class _PinnedSMTP(smtplib.SMTP):
    guard = Guard()

    def _get_socket(self, host, port, timeout):
        return self.guard.connect(host, port, timeout, self.source_address)


@lru_cache(maxsize=64)
def _smtp_class(guard):
    return type("GuardedSMTP", (_PinnedSMTP,), {"guard": guard})
