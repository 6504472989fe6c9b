"""Outgoing HTTP safety: refuse URLs that resolve to private, loopback or link-local addresses.

Webhook endpoints (entered by admins) and push endpoints (sent by browsers) are URLs we call from
inside the shop's network; without this check they could reach internal services (SSRF).
"""
import ipaddress
import socket
from urllib.parse import urlsplit


class UnsafeAddress(ValueError):
    pass


def check_public_url(url):
    """Raise UnsafeAddress unless ``url`` is http(s) and every address it resolves to is public."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeAddress("only http and https URLs are allowed")
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80),
                                   proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as error:
        raise UnsafeAddress(f"the host name does not resolve: {error}")
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%", 1)[0])
        if (address.is_private or address.is_loopback or address.is_link_local or address.is_reserved
                or address.is_multicast or address.is_unspecified):
            raise UnsafeAddress(f"{parts.hostname} resolves to the non-public address {address}")
