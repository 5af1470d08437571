"""Webhook rules both sides share: which callback URLs are safe, when to retry, and how a
delivery is signed.

The API checks a `callback_url` when the job is submitted; the delivery worker checks it
again right before each attempt and connects to the very address it checked, because a
name that resolved to a public address at submit time may resolve to an internal one
later (DNS rebinding). Plain stdlib, no web or NLP imports.

Signatures follow Standard Webhooks: `webhook-signature` holds `v1,<base64 HMAC-SHA256>` of
`"{webhook-id}.{webhook-timestamp}.{body}"`, keyed with the base64-decoded part of the
`whsec_` secret. The delivery worker signs with `sign_webhook` and the public client
(newsdesk.client) verifies with it, so signer and verifier cannot drift apart.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

# The delivery job function, named by its dotted path (the API never imports workers).
DELIVERY_FUNCTION = "workers.webhooks.deliver"
# Deliveries keep retrying, with the wait doubling each time, for this long in all.
RETRY_HORIZON_SECONDS = 24 * 3600
# Cloud metadata services; most are link-local already, listed so the intent is plain.
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a) for a in ("169.254.169.254", "169.254.170.2", "fd00:ec2::254")
)


class UnsafeCallback(ValueError):
    """The callback URL must not be called: its reason is phrased for the client."""


@dataclass(frozen=True)
class Target:
    """Where to connect for a callback URL: the checked address and the names to send."""

    scheme: str
    host: str
    port: int
    address: str  # the IP address checked, connected to as it is

    def connect_url(self, url: str) -> str:
        """`url` with its host replaced by the checked address (Host and SNI keep the name)."""
        parts = urlsplit(url)
        shown = f"[{self.address}]" if ":" in self.address else self.address
        netloc = f"{shown}:{self.port}"
        path = parts.path or "/"
        return f"{self.scheme}://{netloc}{path}" + (f"?{parts.query}" if parts.query else "")


def queue_name(analysis_queue: str) -> str:
    """Deliveries have their own queue: a slow receiver never holds up an analysis."""
    return f"{analysis_queue}-webhooks"


def sign_webhook(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` value for one delivery."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    key = base64.b64decode(secret.removeprefix("whsec_"))
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def allowed_hosts(raw: str) -> frozenset[str]:
    return frozenset(h.strip().lower().rstrip(".") for h in raw.split(",") if h.strip())


def retry_intervals(base: int, horizon: int = RETRY_HORIZON_SECONDS) -> list[int]:
    """Waits before each retry: base, 2*base, 4*base ... until they add up to `horizon`."""
    base = max(1, base)
    intervals: list[int] = []
    total = 0
    while total < horizon:
        wait = min(base * 2 ** len(intervals), horizon - total)
        intervals.append(wait)
        total += wait
    return intervals


# IPv6 forms that carry an IPv4 address: a packet to one of them may end up at that IPv4
# address (through a translator, a tunnel relay or the host's own IPv4 stack), so the IPv4
# address inside must be public too.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # well-known NAT64 prefix (RFC 6052)
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")  # deprecated (RFC 4291)
# Local-use NAT64 (RFC 8215): where the IPv4 address sits depends on the operator's prefix
# length, so addresses under it are refused whatever they hold.
_LOCAL_NAT64 = ipaddress.ip_network("64:ff9b:1::/48")


def _embedded_ipv4(
    address: ipaddress.IPv6Address,
) -> tuple[str, list[ipaddress.IPv4Address]] | None:
    """What kind of IPv4-carrying address this is ("a 6to4") and the IPv4 addresses inside."""
    if address.ipv4_mapped is not None:
        return "an IPv4-mapped", [address.ipv4_mapped]
    if address.sixtofour is not None:
        return "a 6to4", [address.sixtofour]
    if address.teredo is not None:
        server, client = address.teredo
        return "a Teredo", [server, client]
    low32 = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address in _NAT64:
        return "a NAT64", [low32]
    if address in _IPV4_COMPATIBLE and not (address.is_loopback or address.is_unspecified):
        return "an IPv4-compatible", [low32]
    return None


def _forbidden(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    if address in METADATA_ADDRESSES:
        return "a cloud metadata address"
    if isinstance(address, ipaddress.IPv6Address):
        if address in _LOCAL_NAT64:
            return "a local-use NAT64 address"
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            kind, inner = embedded
            for ipv4 in inner:
                reason = _forbidden(ipv4)
                if reason:
                    return f"{reason} ({ipv4}) inside {kind} address"
            if address.ipv4_mapped is not None:
                return None  # it is the IPv4 address itself, as an IPv6 socket reaches it
            # the others must also pass as IPv6 addresses, below
    for label, test in (
        ("a loopback", address.is_loopback),
        ("a link-local", address.is_link_local),
        ("a private", address.is_private),
        ("a multicast", address.is_multicast),
        ("a reserved", address.is_reserved),
        ("an unspecified", address.is_unspecified),
    ):
        if test:
            return f"{label} address"
    if not address.is_global:
        return "a non-public address"
    return None


def _resolve(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnsafeCallback(f"the host {host!r} does not resolve") from exc
    # getaddrinfo may list one address several times (once per protocol)
    return list(dict.fromkeys(str(info[4][0]).split("%", 1)[0] for info in infos))


def check_callback_url(url: str, allowed: Iterable[str] = ()) -> Target:
    """The address to deliver to, or UnsafeCallback when no address of the host is safe.

    Every address the host resolves to must be public: one private address among public
    ones is enough to refuse, since the connection might land on it. Hosts in `allowed`
    (NEWSDESK_WEBHOOK_ALLOWED_HOSTS) skip the address check.
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeCallback(f"not a valid URL ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise UnsafeCallback("only http and https URLs are allowed")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise UnsafeCallback("the URL has no host")
    if parts.username or parts.password:
        raise UnsafeCallback("the URL must not carry a user name or password")
    port = port or (443 if scheme == "https" else 80)
    addresses = _resolve(host, port)
    if not addresses:
        raise UnsafeCallback(f"the host {host!r} does not resolve")
    if host.lower() not in set(allowed):
        for raw in addresses:
            reason = _forbidden(ipaddress.ip_address(raw))
            if reason:
                raise UnsafeCallback(
                    f"the host {host!r} resolves to {reason} ({raw}); callbacks must reach a "
                    "public address (or a host named in NEWSDESK_WEBHOOK_ALLOWED_HOSTS)"
                )
    return Target(scheme, host, port, addresses[0])
