"""Where webhooks may go: public https addresses, checked after DNS resolution.

A subscription's URL is checked when it is saved in the admin
(:meth:`recaps.models.WebhookSubscription.clean`) and again before every
delivery (:func:`recaps.webhooks.deliver_due`), because a row may be older than
the rules or its name may resolve elsewhere today. :func:`check` parses the URL,
resolves its host once and refuses it unless every address is public;
:meth:`Target.connection` then connects to exactly those addresses (the Host
header and the TLS server name still carry the name), so a DNS answer that
changes between the check and the connection (rebinding) is never followed.

Refused: any scheme but https (http only for the hosts of
``RECAPS_WEBHOOK_ALLOWED_HTTP_HOSTS``); user names and passwords in the URL;
numeric host spellings other than the plain dotted IPv4 or bracketed IPv6
(``2130706433``, ``0x7f.1``, ``0177.0.0.1``), IPv6 zone ids; and every address
that is private, loopback, link-local, multicast, reserved, unspecified or shared,
including their IPv4-mapped, 6to4 and NAT64 forms (unless the host is listed in
``RECAPS_WEBHOOK_ALLOWED_PRIVATE_HOSTS``, e.g. a receiver on the same network).
"""

import http.client
import ipaddress
import re
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext_lazy as _

#: Ranges that Python's ``is_global`` lets through on some versions but that
#: no public receiver uses: IETF protocol assignments, the deprecated 6to4 relay
#: anycast, IPv6 documentation (RFC 9637).
NOT_PUBLIC = tuple(
    ipaddress.ip_network(network)
    for network in ("192.0.0.0/24", "192.88.99.0/24", "3fff::/20")
)
#: Well-known NAT64 prefix (RFC 6052): the last 32 bits are an IPv4 address.
NAT64 = ipaddress.ip_network("64:ff9b::/96")
#: A host name (letters, digits, hyphens, underscores; at most one final dot),
#: after IDNA encoding.
HOST_NAME = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(\.(?!-)[a-z0-9_-]{1,63})*\.?$")
#: A host the URL parsers of browsers (WHATWG) would read as an IPv4 number:
#: its last label is a decimal, octal or hexadecimal number.
NUMERIC_LAST_LABEL = re.compile(r"(^|\.)(0x[0-9a-f]*|[0-9]+)\.?$")


class TargetRefused(ValueError):
    """The URL may not receive webhooks; ``message`` says why, in French."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect (``addresses``) and what to ask."""

    scheme: str
    host: str
    port: int
    path: str
    #: ``(family, sockaddr)`` pairs from ``getaddrinfo``, every one checked.
    addresses: tuple

    def connection(self, timeout):
        """An ``http.client`` connection pinned to the checked addresses."""
        if self.scheme == "https":
            return PinnedHTTPSConnection(
                self.host,
                self.port,
                addresses=self.addresses,
                timeout=timeout,
                context=ssl_context(),
            )
        return PinnedHTTPConnection(
            self.host, self.port, addresses=self.addresses, timeout=timeout
        )


def ssl_context():
    """The TLS context of deliveries: the system's trusted certificates."""
    return ssl.create_default_context()


def _normalised(host):
    return host.strip().strip("[]").rstrip(".").lower()


def _listed(host, setting):
    listed = getattr(settings, setting, None) or ()
    return _normalised(host) in {_normalised(entry) for entry in listed}


def _embedded_ipv4(address):
    """The IPv4 address an IPv6 address stands for (mapped, 6to4, NAT64)."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_public(address):
    """Whether ``address`` (an ``ipaddress`` object) is a public unicast address."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.scope_id:
            return False
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            return is_public(embedded)
    return (
        address.is_global
        and not address.is_private
        and not address.is_multicast
        and not address.is_reserved
        and not address.is_loopback
        and not address.is_link_local
        and not address.is_unspecified
        and not getattr(address, "is_site_local", False)  # IPv6 fec0::/10
        and not any(address in network for network in NOT_PUBLIC)
    )


def _literal(host):
    """The IP address written as ``host``, ``None`` for a name.

    Refuses the numeric spellings that resolvers accept but that do not look
    like an address (``2130706433``, ``0x7f.1``, ``0177.0.0.1``) and zone ids.
    """
    if "%" in host:
        raise TargetRefused(_("Enter a plain address: no IPv6 zone identifier."))
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if NUMERIC_LAST_LABEL.search(host):
        raise TargetRefused(
            _(
                "Enter a host name or a dotted IPv4 address: decimal, octal or "
                "hexadecimal spellings are refused."
            )
        )
    return None


def parse(url):
    """``(scheme, host, port, path)`` of ``url``, or :class:`TargetRefused`."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as error:
        raise TargetRefused(_("Enter a valid address.")) from error
    scheme = parts.scheme.lower()
    host = parts.hostname or ""
    if "@" in parts.netloc or parts.username is not None:
        raise TargetRefused(_("The address may not contain a user name or password."))
    if not host:
        raise TargetRefused(_("Enter a valid address."))
    if scheme != "https" and not (
        scheme == "http" and _listed(host, "RECAPS_WEBHOOK_ALLOWED_HTTP_HOSTS")
    ):
        raise TargetRefused(
            _(
                "Use an https:// address (http:// only for the hosts listed in "
                "WEBHOOK_ALLOWED_HTTP_HOSTS)."
            )
        )
    if _literal(host) is None:
        try:
            encoded = host.encode("idna").decode("ascii")
        except UnicodeError as error:
            raise TargetRefused(_("Enter a valid address.")) from error
        if not HOST_NAME.match(encoded):
            raise TargetRefused(_("Enter a valid address."))
        host = encoded
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return scheme, host, port or (443 if scheme == "https" else 80), path


def resolve(host, port):
    """Every ``(family, sockaddr)`` of ``host``, from ``socket.getaddrinfo``."""
    try:
        found = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
        )
    except (OSError, UnicodeError) as error:
        raise TargetRefused(_("This host name cannot be resolved.")) from error
    addresses = tuple(
        (family, sockaddr)
        for family, _type, _proto, _name, sockaddr in found
        if family in (socket.AF_INET, socket.AF_INET6)
    )
    if not addresses:
        raise TargetRefused(_("This host name cannot be resolved."))
    return addresses


def check(url):
    """The :class:`Target` of ``url``, resolved once and every address checked.

    Raises :class:`TargetRefused` (with a French message) when the URL is not
    allowed or its host does not resolve.
    """
    scheme, host, port, path = parse(url)
    addresses = resolve(host, port)
    if not _listed(host, "RECAPS_WEBHOOK_ALLOWED_PRIVATE_HOSTS"):
        for _family, sockaddr in addresses:
            try:
                address = ipaddress.ip_address(sockaddr[0])
            except ValueError:
                address = None
            scoped = len(sockaddr) > 3 and sockaddr[3]
            if address is None or scoped or not is_public(address):
                raise TargetRefused(
                    _(
                        "This address leads to a private, local or reserved "
                        "network: webhooks only go to public addresses."
                    )
                )
    return Target(scheme, host, port, path, addresses)


def _connect(addresses, timeout):
    """A socket connected to the first of ``addresses`` that answers."""
    error = None
    for family, sockaddr in addresses:
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.settimeout(timeout)
            sock.connect(sockaddr)
        except OSError as failure:
            sock.close()
            error = failure
        else:
            return sock
    raise error or OSError("no address")


class PinnedHTTPConnection(http.client.HTTPConnection):
    """Sends ``Host: <name>`` but connects only to the checked addresses."""

    def __init__(self, host, port, *, addresses, **kwargs):
        super().__init__(host, port, **kwargs)
        self.addresses = addresses

    def connect(self):
        self.sock = _connect(self.addresses, self.timeout)


class PinnedHTTPSConnection(http.client.HTTPSConnection):
    """Like :class:`PinnedHTTPConnection`; TLS checks the certificate against
    the name (SNI and hostname verification), not against the address."""

    def __init__(self, host, port, *, addresses, **kwargs):
        super().__init__(host, port, **kwargs)
        self.addresses = addresses

    def connect(self):
        sock = _connect(self.addresses, self.timeout)
        try:
            self.sock = self._context.wrap_socket(sock, server_hostname=self.host)
        except BaseException:
            sock.close()
            raise
