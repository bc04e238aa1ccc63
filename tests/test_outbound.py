"""Outbound requests (webhooks) cannot be turned against the service's own network: https and
public addresses only, checked at each request, no redirects, a bound on the time."""

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from distribution import outbound
from distribution.outbound import OutboundError, check_url, post

PRIVATE = [
    "127.0.0.1",
    "10.0.0.1",
    "172.16.5.4",
    "192.168.1.1",
    "169.254.169.254",
    "100.64.0.1",
    "0.0.0.0",  # noqa: S104 (an address refused, not one bound to)
    "224.0.0.1",
    "240.0.0.1",
    "::1",
    "::",
    "fe80::1",
    "fc00::1",
    "::ffff:127.0.0.1",
    "::ffff:169.254.169.254",
    "64:ff9b::a00:1",
    "2002:7f00:1::1",
    "::7f00:1",
    "::ffff:0:7f00:1",
    "::ffff:0:a00:1",
    "fec0::1",
]


def url_of(address: str, path: str = "/hook") -> str:
    host = f"[{address}]" if ":" in address else address
    return f"https://{host}{path}"


def resolving_to(*addresses: str):
    """A getaddrinfo that answers these addresses for any name, and counts its calls."""

    def getaddrinfo(host, port, *args, **kwargs):
        getaddrinfo.calls.append(host)
        family = {True: socket.AF_INET6, False: socket.AF_INET}
        return [(family[":" in a], socket.SOCK_STREAM, 6, "", (a, port)) for a in addresses]

    getaddrinfo.calls = []
    return getaddrinfo


@pytest.fixture
def strict(settings):
    settings.WEBHOOK_ALLOW_PRIVATE = False


@pytest.fixture
def no_connection(monkeypatch):
    """Any attempt to connect fails the test: refusals happen before the network."""

    def connect(self):
        pytest.fail(f"connected to {self.addresses}")

    monkeypatch.setattr(outbound._PinnedConnection, "connect", connect)


class Receiver:
    """A local HTTP server that records the requests it gets and answers `status` with `headers`."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict, bytes]] = []
        self.status, self.headers = 204, {}
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((self.path, dict(self.headers), body))
                self.answer()

            def do_GET(self) -> None:
                receiver.requests.append((self.path, dict(self.headers), b""))
                self.answer()

            def answer(self) -> None:
                self.send_response(receiver.status)
                for name, value in receiver.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_port
        self.url = f"http://127.0.0.1:{self.port}"


@pytest.fixture
def receiver():
    receiver = Receiver()
    thread = threading.Thread(target=receiver.server.serve_forever, daemon=True)
    thread.start()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()
    thread.join()


@pytest.fixture
def silent_server():
    """A port that accepts connections (the kernel does, from the backlog) and never answers."""
    listener = socket.create_server(("127.0.0.1", 0), backlog=4)
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/hook"
    listener.close()


@pytest.fixture
def dripping_server():
    """A server that starts an answer at once and then sends a header line every 50 ms, forever:
    each read gets a byte long before any socket timeout."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def drip() -> None:
        connection, _ = listener.accept()
        with connection:
            connection.recv(65536)
            try:
                connection.sendall(b"HTTP/1.1 200 OK\r\n")
                while not stop.wait(0.05):
                    connection.sendall(b"X-Drip: 1\r\n")
            except OSError:
                return

    thread = threading.Thread(target=drip, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/hook"
    stop.set()
    thread.join(timeout=5)
    listener.close()


def post_json(url: str, *, timeout: float = 5) -> int:
    return post(url, b'{"id": "1"}', {"Content-Type": "application/json"}, timeout=timeout)


@pytest.mark.parametrize("address", PRIVATE)
def test_it_refuses_a_private_address_in_the_url(address, strict, no_connection):
    with pytest.raises(OutboundError, match="not a public address"):
        post_json(url_of(address))
    with pytest.raises(OutboundError, match="not a public address"):
        check_url(url_of(address))


@pytest.mark.parametrize("address", PRIVATE)
def test_it_refuses_a_name_that_resolves_to_a_private_address(address, strict, no_connection, monkeypatch):
    monkeypatch.setattr(socket, "getaddrinfo", resolving_to(address))

    with pytest.raises(OutboundError, match=r"^hooks\.example\.com is not a public address\.$"):
        post_json("https://hooks.example.com/hook")


def test_it_refuses_a_name_with_any_private_address_among_public_ones(strict, no_connection, monkeypatch):
    monkeypatch.setattr(socket, "getaddrinfo", resolving_to("93.184.215.14", "2606:4700::1111", "10.1.2.3"))

    with pytest.raises(OutboundError, match=r"^hooks\.example\.com is not a public address\.$"):
        post_json("https://hooks.example.com/hook")


def test_it_connects_to_the_public_address_it_checked_with_the_hostname_for_tls(strict, monkeypatch):
    monkeypatch.setattr(socket, "getaddrinfo", resolving_to("93.184.215.14"))
    seen = {}

    def connect(self):
        seen.update(addresses=self.addresses, host=self.host, tls=self.tls, context=self._context)
        raise ConnectionRefusedError("not in a test")

    monkeypatch.setattr(outbound._PinnedConnection, "connect", connect)

    with pytest.raises(OutboundError, match=r"hooks\.example\.com refused the connection"):
        post_json("https://hooks.example.com/hook")
    assert seen["addresses"] == [(socket.AF_INET, ("93.184.215.14", 443))]
    assert (seen["host"], seen["tls"]) == ("hooks.example.com", True)
    assert seen["context"].check_hostname is True
    assert seen["context"].verify_mode.name == "CERT_REQUIRED"


def test_it_looks_the_name_up_once_and_connects_where_it_pointed(receiver, monkeypatch):
    """DNS rebinding: the address checked is the address used, whatever a second lookup says."""
    lookups = resolving_to("127.0.0.1")
    monkeypatch.setattr(socket, "getaddrinfo", lookups)

    assert post_json(f"http://hooks.example.com:{receiver.port}/hook") == 204
    assert lookups.calls == ["hooks.example.com"]
    path, headers, body = receiver.requests[0]
    assert (path, headers["Host"], body) == ("/hook", f"hooks.example.com:{receiver.port}", b'{"id": "1"}')


def test_it_checks_the_address_again_at_each_request(strict, no_connection, monkeypatch):
    monkeypatch.setattr(socket, "getaddrinfo", resolving_to("93.184.215.14"))
    check_url("https://hooks.example.com/hook")
    monkeypatch.setattr(socket, "getaddrinfo", resolving_to("169.254.169.254"))

    with pytest.raises(OutboundError, match="not a public address"):
        post_json("https://hooks.example.com/hook")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://hooks.example.com/hook", "https://"),
        ("ftp://hooks.example.com/hook", "https://"),
        ("hooks.example.com/hook", "https://"),
        ("https:///hook", "no host"),
        ("https://user:pass@hooks.example.com/hook", "user name or password"),
        ("https://hooks.example.com:99999/hook", "Not a valid URL"),
        ("https://[::1/hook", "Not a valid URL"),
        ("https://localhost/hook", "this machine"),
        ("https://hooks.example.com/a hook", "spaces or control characters"),
        ("https://hooks.exa\x00mple.com/hook", "spaces or control characters"),
        ("https://hooks.example.com/\nhook", "spaces or control characters"),
        ("https://api.localhost./hook", "this machine"),
    ],
)
def test_it_refuses_urls_of_the_wrong_shape(url, message, strict, no_connection):
    with pytest.raises(OutboundError, match=message):
        check_url(url)


def test_it_refuses_http_for_delivery_too(strict, no_connection):
    with pytest.raises(OutboundError, match="https://"):
        post_json("http://93.184.215.14/hook")


def test_it_checks_a_url_without_looking_it_up(strict, monkeypatch):
    def getaddrinfo(*args, **kwargs):
        pytest.fail("check_url looked the name up")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)

    check_url("https://hooks.example.com/minicrm?bot=7")
    check_url("https://93.184.215.14:8443/hook")


def test_it_allows_http_and_private_addresses_when_allowed(receiver):
    check_url(f"{receiver.url}/hook")
    assert post_json(f"{receiver.url}/hook?bot=7") == 204
    assert receiver.requests[0][0] == "/hook?bot=7"


def test_it_returns_a_refusal_as_a_status(receiver):
    receiver.status = 500
    assert post_json(f"{receiver.url}/hook") == 500
    receiver.status = 410
    assert post_json(f"{receiver.url}/hook") == 410


def test_it_does_not_follow_a_redirect(receiver):
    receiver.status = 302
    receiver.headers = {"Location": f"{receiver.url}/internal-admin"}

    assert post_json(f"{receiver.url}/hook") == 302
    assert [path for path, _, _ in receiver.requests] == ["/hook"]


def test_it_gives_up_on_a_server_that_never_answers(silent_server):
    started = time.monotonic()
    with pytest.raises(OutboundError, match=r"No answer within 0.3 s"):
        post_json(silent_server, timeout=0.3)
    assert time.monotonic() - started < 2


def test_it_bounds_the_whole_request_not_each_read(dripping_server):
    started = time.monotonic()
    with pytest.raises(OutboundError, match=r"No answer within 0.5 s"):
        post_json(dripping_server, timeout=0.5)
    assert time.monotonic() - started < 2


def test_it_bounds_a_lookup_that_hangs(monkeypatch):
    release = threading.Event()

    def getaddrinfo(*args, **kwargs):
        release.wait(5)
        raise socket.gaierror("too late")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    started = time.monotonic()
    try:
        # A name of its own: its lookup goes on after the test, and a request for the same name
        # would wait on it.
        with pytest.raises(OutboundError, match="No answer from DNS"):
            post_json("https://hangs.example.com/hook", timeout=0.3)
        assert time.monotonic() - started < 2
    finally:
        release.set()


def test_it_reports_a_name_that_does_not_resolve(monkeypatch):
    def getaddrinfo(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)

    with pytest.raises(OutboundError, match=r"hooks\.example\.com has no address"):
        post_json("https://hooks.example.com/hook")


def test_it_reports_a_refused_connection():
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
    with pytest.raises(OutboundError, match="refused"):
        post_json(f"http://127.0.0.1:{port}/hook")


def test_it_reports_a_tls_failure(receiver):
    with pytest.raises(OutboundError):
        post_json(f"https://127.0.0.1:{receiver.port}/hook")


def test_it_sends_a_path_with_letters_beyond_ascii_percent_encoded(receiver):
    assert post_json(f"{receiver.url}/привет/hook?bot=Оля&x=%20") == 204
    path = receiver.requests[0][0]
    assert path == "/%D0%BF%D1%80%D0%B8%D0%B2%D0%B5%D1%82/hook?bot=%D0%9E%D0%BB%D1%8F&x=%20"


def test_it_reports_a_name_that_cannot_be_encoded():
    with pytest.raises(OutboundError, match="Could not resolve"):
        post_json("https://hooks..example.com/hook")
