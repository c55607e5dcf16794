"""Which addresses a feed may reach: public ones, unless the operator allows private ones.

A feed URL is written by the operator, but where it leads is not: a mistyped or malicious
URL, a redirect, or a DNS answer can point the poller at the database port, a cloud metadata
service or an intranet page, and the reply would be stored as articles (SSRF). So the check
sits where the connection is opened (`GuardedBackend`, under httpx): the host is resolved
once, every address it resolves to is checked, and the connection goes to the checked address
while the Host header and the TLS server name stay the URL's. A redirect opens a new
connection and is checked the same way, and a DNS answer that changes after the check is
never used (no rebinding).
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
ALLOW_HINT = ("set allow_private_network: true for this feed (or MONITOR_FEEDS_ALLOW_PRIVATE_NETWORKS=1 for all) "
              "if it is meant")
# The digits, dots and hex that inet_aton reads as an IPv4 address: 2130706433, 0x7f.1, 0177.0.0.1.
_NUMERIC_HOST = re.compile(r"^[0-9a-fA-FxX.]+$")


class PrivateAddressError(Exception):
    """A feed's host is, or resolves to, an address the poller may not reach."""

    def __init__(self, host: str, address: IPAddress, kind: str) -> None:
        self.host, self.address, self.kind = host, address, kind
        described = f"{_article(kind)} {kind} address"
        if literal_address(host) != address:
            super().__init__(f"{host} resolves to {address}, {described}")
        elif address.version == 4 and host != str(address):
            super().__init__(f"{host} is {address}, {described}")  # 2130706433 is 127.0.0.1
        else:
            super().__init__(f"{host.strip('[]')} is {described}")


def _article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"


def address_kind(address: IPAddress) -> str | None:
    """Why the address is not a public one ("loopback", "private" ...), or None when it is."""
    if isinstance(address, ipaddress.IPv6Address):
        # An IPv4 address inside an IPv6 one reaches that IPv4 address (::ffff:127.0.0.1 is loopback).
        teredo = address.teredo
        embedded = address.ipv4_mapped or address.sixtofour or (teredo[1] if teredo else None)
        if embedded is not None and (kind := address_kind(embedded)):
            return kind
    checks = (
        ("loopback", address.is_loopback), ("unspecified", address.is_unspecified),
        ("link-local", address.is_link_local), ("multicast", address.is_multicast),
        ("private", address.is_private), ("reserved", address.is_reserved),
        ("site-local", isinstance(address, ipaddress.IPv6Address) and address.is_site_local),
        # What is left, such as carrier-grade NAT (100.64.0.0/10), is still no public server.
        ("non-public", not address.is_global),
    )
    return next((kind for kind, hit in checks if hit), None)


def literal_address(host: str) -> IPAddress | None:
    """The address a host written as one stands for, in any form the resolver accepts."""
    host = host.strip("[]")
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if _NUMERIC_HOST.match(host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def url_refusal(url: str) -> str | None:
    """Why the URL is refused without asking DNS (a private address or a localhost name), or None."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return f"{parts.scheme or 'no'} scheme: only http and https feeds are fetched"
    host = parts.hostname or ""
    address = literal_address(host)
    if address is not None:
        kind = address_kind(address)
        return str(PrivateAddressError(host, address, kind)) if kind else None
    if host.rstrip(".") == "localhost" or host.rstrip(".").endswith(".localhost"):
        return f"{host} is a loopback name"
    return None


async def resolve_host(host: str, port: int) -> list[str]:
    """Every address the host resolves to (tests replace this to play DNS)."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


async def checked_addresses(host: str, port: int, allow_private: bool = False) -> list[str]:
    """The addresses to connect to; PrivateAddressError if any of them is not public.

    One private address among public ones refuses the host too: that mix is how DNS rebinding
    and round-robin tricks reach an internal service on a later connection."""
    literal = literal_address(host)
    if literal is not None:
        addresses = [str(literal)]
    else:
        try:
            addresses = await resolve_host(host, port)
        except (OSError, UnicodeError) as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
    if not allow_private:
        for text in addresses:
            address = ipaddress.ip_address(text.split("%", 1)[0])
            kind = address_kind(address)
            if kind:
                raise PrivateAddressError(host, address, kind)
    return addresses


async def _resolved_refusal(url: str, timeout_seconds: float) -> str | None:
    parts = urlsplit(url)
    if not parts.hostname:
        return None
    try:
        async with asyncio.timeout(timeout_seconds):
            await checked_addresses(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
    except PrivateAddressError as exc:
        return str(exc)
    except (httpcore.ConnectError, TimeoutError):
        return None  # not resolvable now: the poll reports it as a connection error
    return None


def url_refusals(urls: list[str], resolve: bool = False, timeout_seconds: float = 3.0) -> list[str | None]:
    """url_refusal of each URL; with `resolve`, also what the hosts resolve to now (looked up at once)."""
    found = [url_refusal(url) for url in urls]
    pending = [i for i, why in enumerate(found) if why is None]
    if resolve and pending:

        async def look_up() -> list[str | None]:
            return await asyncio.gather(*(_resolved_refusal(urls[i], timeout_seconds) for i in pending))

        for i, why in zip(pending, asyncio.run(look_up()), strict=True):
            found[i] = why
    return found


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend, connecting only to checked addresses."""

    def __init__(self, allow_private: bool = False, inner: httpcore.AsyncNetworkBackend | None = None) -> None:
        self.allow_private = allow_private
        self._inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                          socket_options: Iterable[Any] | None = None) -> httpcore.AsyncNetworkStream:
        failure: httpcore.ConnectError | None = None
        for address in await checked_addresses(host, port, self.allow_private):
            try:
                return await self._inner.connect_tcp(address, port, timeout=timeout, local_address=local_address,
                                                     socket_options=socket_options)
            except httpcore.ConnectError as exc:
                failure = exc
        raise failure or httpcore.ConnectError(f"no address for {host}")

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: Iterable[Any] | None = None) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("feeds are not read from local sockets")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def guarded_transport(limits: httpx.Limits, allow_private: bool = False) -> httpx.AsyncHTTPTransport:
    """An httpx transport whose every connection, redirects included, goes through GuardedBackend."""
    transport = httpx.AsyncHTTPTransport(limits=limits, trust_env=False)
    # httpx takes no network backend (encode/httpx#3180), so its pool is swapped for one built
    # the same way with the guard in it; tests/media/test_addresses.py fails if this stops working.
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=httpx.create_ssl_context(trust_env=False),
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry,
        network_backend=GuardedBackend(allow_private),
    )
    return transport
