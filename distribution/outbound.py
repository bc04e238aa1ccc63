"""POST to URLs that managers type in (webhooks), safe from server-side request forgery.

Only https and public addresses, checked at each delivery; the connection goes to the very address
checked, and redirects are not followed (docs/webhooks.md#only-public-https-urls).
"""

import contextlib
import errno
import functools
import http.client
import ipaddress
import re
import socket
import ssl
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.utils.translation import gettext_noop

from .stored_messages import stored_message

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

# IPv6 forms that carry an IPv4 address, where such a packet really goes.
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")
# SIIT's IPv4-translated addresses (RFC 2765).
_IPV4_TRANSLATED = ipaddress.IPv6Network("::ffff:0:0:0/96")


class OutboundError(Exception):
    """The request was refused before it left, or got no HTTP answer.

    It keeps its English msgid and parameters for a delivery to store; str() translates them."""

    def __init__(self, message: str, **params: str) -> None:
        super().__init__(message, params)
        self.message, self.params = message, params

    def __str__(self) -> str:
        return stored_message(self.message, self.params)


@dataclass(frozen=True)
class _Target:
    scheme: str
    host: str
    port: int
    path: str


def is_public(address: Address) -> bool:
    """Return whether `address` is public, looking through IPv6 forms that carry an IPv4 one."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and any(address in net for net in (_NAT64, _IPV4_COMPATIBLE, _IPV4_TRANSLATED)):
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            return is_public(embedded)
        # Deprecated, but still routed inside some networks.
        if address.is_site_local:
            return False
    # is_global counts multicast as global; nothing a webhook can use.
    return address.is_global and not address.is_multicast


def _allow_private() -> bool:
    return settings.WEBHOOK_ALLOW_PRIVATE


def _target(url: str) -> _Target:
    # urlsplit would quietly drop some of them, and http.client refuse others mid-request.
    if re.search(r"[\x00-\x20\x7f]", url):
        raise OutboundError(gettext_noop("The URL must not contain spaces or control characters."))
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise OutboundError(gettext_noop("Not a valid URL: %(error)s."), error=str(error)) from error
    schemes = {"https", "http"} if _allow_private() else {"https"}
    if parts.scheme not in schemes:
        raise OutboundError(gettext_noop("The URL must start with https://."))
    host = parts.hostname
    if not host:
        raise OutboundError(gettext_noop("The URL has no host."))
    if parts.username is not None or parts.password is not None:
        raise OutboundError(gettext_noop("The URL must not carry a user name or password."))
    # Non-ASCII leaves percent-encoded; what is encoded already and the delimiters stay.
    path = quote((parts.path or "/") + (f"?{parts.query}" if parts.query else ""), safe="!$%&'()*+,/:;=?@[]~")
    if port is None:
        port = 443 if parts.scheme == "https" else 80
    return _Target(parts.scheme, host, port, path)


def _literal(host: str) -> Address | None:
    """Return the address that the URL's host writes, if it is one."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def check_url(url: str) -> None:
    """Refuse a URL that can never be delivered to, without a DNS lookup.

    Each delivery checks again, fully."""
    target = _target(url)
    if _allow_private():
        return
    host = target.host.rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        raise OutboundError(gettext_noop("The URL's host is this machine; it must be a public address."))
    address = _literal(host)
    if address is not None and not is_public(address):
        raise _not_public(target)


def _not_public(target: _Target) -> OutboundError:
    # The host as written, never its address: the message must not map the internal network.
    return OutboundError(gettext_noop("%(host)s is not a public address."), host=target.host)


class _Lookups:
    """Run each getaddrinfo, which takes no timeout, in a thread of its own, one at a time per name.

    A DNS server that never answers then costs a thread per name and delays no other name; a
    shared pool stalled once all its threads waited on it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: dict[tuple[str, int], Future] = {}

    def resolve(self, host: str, port: int, *, timeout: float) -> list[tuple]:
        with self._lock:
            lookup = self._running.get((host, port))
            if lookup is None:
                lookup = self._running[host, port] = Future()
                threading.Thread(
                    target=self._look_up, args=(host, port, lookup), name="webhook-dns", daemon=True
                ).start()
        return lookup.result(timeout=timeout)

    def _look_up(self, host: str, port: int, lookup: Future) -> None:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
        except BaseException as error:
            self._forget(host, port)
            lookup.set_exception(error)
        else:
            self._forget(host, port)
            lookup.set_result(infos)

    def _forget(self, host: str, port: int) -> None:
        # Before the answer is out: a later request looks the name up afresh.
        with self._lock:
            del self._running[host, port]


_lookups = _Lookups()


def _resolve(target: _Target, *, timeout: float) -> list[tuple]:
    """Return the addresses to connect to, if all of them are public."""
    try:
        infos = _lookups.resolve(target.host, target.port, timeout=timeout)
    except TimeoutError as error:
        raise OutboundError(
            gettext_noop("No answer from DNS for %(host)s in time."), host=target.host
        ) from error
    except socket.gaierror as error:
        if error.errno in (socket.EAI_NONAME, getattr(socket, "EAI_NODATA", socket.EAI_NONAME)):
            raise OutboundError(gettext_noop("%(host)s has no address."), host=target.host) from error
        raise OutboundError(
            gettext_noop("DNS could not tell the address of %(host)s."), host=target.host
        ) from error
    except (OSError, UnicodeError) as error:
        # UnicodeError: a name that IDNA cannot encode (an empty or overlong label).
        raise OutboundError(
            gettext_noop("Could not resolve %(host)s: %(error)s."), host=target.host, error=str(error)
        ) from error
    if not infos:
        raise OutboundError(gettext_noop("%(host)s has no address."), host=target.host)
    if not _allow_private():
        for *_, sockaddr in infos:
            if not is_public(ipaddress.ip_address(sockaddr[0])):
                raise _not_public(target)
    return [(family, sockaddr) for family, _, _, _, sockaddr in infos]


@functools.cache
def _tls_context() -> ssl.SSLContext:
    # Loading the CA store costs tens of milliseconds.
    return ssl.create_default_context()


class _PinnedConnection(http.client.HTTPSConnection):
    """An HTTP(S) connection to addresses already checked, never to a fresh lookup of the host."""

    def __init__(self, target: _Target, addresses: list[tuple], *, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout, context=_tls_context())
        self.tls = target.scheme == "https"
        # Host carries the port only when it is not the scheme's own.
        self.default_port = 443 if self.tls else 80
        self.addresses = addresses

    def connect(self) -> None:
        error = OSError(f"No address to connect to for {self.host}.")
        for family, sockaddr in self.addresses:
            sock = socket.socket(family, socket.SOCK_STREAM)
            try:
                sock.settimeout(self.timeout)
                sock.connect(sockaddr)
            except OSError as failed:
                sock.close()
                error = failed
                continue
            self.sock = sock
            if self.tls:
                # The certificate is checked against the hostname, as if we had looked it up here.
                self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]  # typeshed omits it
            return
        raise error

    def cut(self) -> None:
        """Stop whatever the connection is blocked on; the deadline's timer calls it."""
        sock = self.sock
        if sock is not None:
            # socket.socket's own shutdown: an SSLSocket's would tear down its TLS state under the
            # reading thread. The socket may be closed already.
            with contextlib.suppress(OSError):
                socket.socket.shutdown(sock, socket.SHUT_RDWR)


def _no_answer(error: Exception, target: _Target) -> OutboundError:
    """Why no answer came, in words: a manager reads it on the bot's page, not an errno."""
    host, port = target.host, str(target.port)
    if isinstance(error, ConnectionRefusedError):
        return OutboundError(
            gettext_noop("%(host)s refused the connection: nothing answers on port %(port)s."),
            host=host,
            port=port,
        )
    if isinstance(error, (ConnectionResetError, ConnectionAbortedError, http.client.RemoteDisconnected)):
        return OutboundError(gettext_noop("%(host)s closed the connection without answering."), host=host)
    if isinstance(error, ssl.SSLCertVerificationError):
        return OutboundError(gettext_noop("The certificate of %(host)s is not valid for it."), host=host)
    if isinstance(error, ssl.SSLError):
        return OutboundError(gettext_noop("The secure connection with %(host)s failed."), host=host)
    if isinstance(error, OSError) and error.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
        return OutboundError(gettext_noop("%(host)s cannot be reached from here."), host=host)
    return OutboundError(gettext_noop("No HTTP answer: %(error)s."), error=str(error) or type(error).__name__)


def post(url: str, body: bytes, headers: dict[str, str], *, timeout: float) -> int:
    """POST `body` to `url` and return the status, within `timeout` seconds in all.

    Raise OutboundError when the URL is refused or no answer comes. The answer's body is not read."""
    deadline = time.monotonic() + timeout
    target = _target(url)
    addresses = _resolve(target, timeout=timeout)
    remaining = deadline - time.monotonic()
    connection = _PinnedConnection(target, addresses, timeout=max(remaining, 0.001))
    # The socket's timeout bounds each wait; the timer bounds them all, against a server that
    # sends a byte now and then.
    timer = threading.Timer(max(remaining, 0), connection.cut)
    timer.start()
    late = OutboundError(gettext_noop("No answer within %(seconds)s s."), seconds=f"{timeout:g}")
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        status = connection.getresponse().status
    except (OSError, http.client.HTTPException) as error:
        if time.monotonic() >= deadline or isinstance(error, TimeoutError):
            raise late from error
        raise _no_answer(error, target) from error
    else:
        # Cut off in the middle of the headers, http.client takes the end of the stream for their
        # end: only the clock tells such a head from a whole one.
        if time.monotonic() >= deadline:
            raise late
        return status
    finally:
        timer.cancel()
        connection.close()
