"""Webhook signatures: `Minicrm-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "t.body">`."""

import hashlib
import hmac
import time
from pathlib import Path

import pytest

from distribution.signatures import new_secret, sign, verify

SECRET = "whsec_test-secret"
BODY = b'{"id": "7d0e", "type": "contact.closed"}'
T = 1_764_000_000


def test_it_signs_as_the_receiver_computes_it():
    expected = hmac.new(b"whsec_test-secret", b"1764000000." + BODY, hashlib.sha256).hexdigest()

    assert sign(SECRET, BODY, timestamp=T) == f"t=1764000000,v1={expected}"


def test_it_verifies_its_own_signature_within_the_tolerance():
    header = sign(SECRET, BODY, timestamp=T)

    assert verify(SECRET, BODY, header, now=T)
    assert verify(SECRET, BODY, header, now=T + 300)
    assert verify(SECRET, BODY, header, now=T - 300)


def test_it_refuses_a_signature_older_or_newer_than_the_tolerance():
    header = sign(SECRET, BODY, timestamp=T)

    assert not verify(SECRET, BODY, header, now=T + 301)
    assert not verify(SECRET, BODY, header, now=T - 301)
    assert verify(SECRET, BODY, header, now=T + 3600, tolerance=3600)


def test_it_uses_the_clock_when_no_time_is_given():
    assert verify(SECRET, BODY, sign(SECRET, BODY, timestamp=int(time.time())))
    assert not verify(SECRET, BODY, sign(SECRET, BODY, timestamp=int(time.time()) - 600))


def test_it_refuses_a_tampered_body():
    header = sign(SECRET, BODY, timestamp=T)

    assert not verify(SECRET, BODY.replace(b"closed", b"opened"), header, now=T)
    assert not verify(SECRET, BODY + b" ", header, now=T)


def test_it_refuses_another_secret():
    assert not verify("whsec_other", BODY, sign(SECRET, BODY, timestamp=T), now=T)


def test_it_refuses_a_moved_timestamp():
    digest = sign(SECRET, BODY, timestamp=T).partition(",v1=")[2]

    assert not verify(SECRET, BODY, f"t={T + 1},v1={digest}", now=T)


def test_it_accepts_any_of_several_signatures():
    good = sign(SECRET, BODY, timestamp=T).partition(",v1=")[2]
    old = sign("whsec_old", BODY, timestamp=T).partition(",v1=")[2]

    assert verify(SECRET, BODY, f"t={T},v1={old},v1={good}", now=T)
    assert verify(SECRET, BODY, f"t={T}, v1={good}, v0=whatever", now=T)
    assert not verify(SECRET, BODY, f"t={T},v1={old},v1={'0' * 64}", now=T)


@pytest.mark.parametrize(
    "header",
    [
        "",
        "garbage",
        "t=,v1=",
        f"t={T}",
        "v1=" + "0" * 64,
        f"t={T},v1",
        f"t={T},t={T},v1=" + "0" * 64,
        "t=+1764000000,v1=" + "0" * 64,
        "t=1764000000.5,v1=" + "0" * 64,
        "t=١٧٦٤٠٠٠٠٠٠,v1=" + "0" * 64,
        "t=" + "9" * 5000 + ",v1=" + "0" * 64,
        f"t={T},v1=ü\udcff",
        f"t={T},v1=" + "0" * 100_000,
        None,
        b"t=1,v1=00",
    ],
)
def test_it_says_false_to_a_malformed_header_and_never_raises(header):
    assert verify(SECRET, BODY, header, now=T) is False


def test_it_makes_new_secrets_that_differ():
    first, second = new_secret(), new_secret()

    assert first.startswith("whsec_")
    assert second.startswith("whsec_")
    assert first != second
    assert len(first) >= len("whsec_") + 43


def documented_verify():
    """The receiver's ten lines, as docs/webhooks.md gives them."""
    page = (Path(__file__).resolve().parent.parent / "docs" / "webhooks.md").read_text()
    code = page.split("```python\n", 1)[1].split("```", 1)[0]
    namespace = {}
    exec(code, namespace)  # noqa: S102 (our own documentation)
    return namespace["verify"]


def test_it_is_verified_by_the_documented_ten_lines():
    receiver_verify = documented_verify()
    header = sign(SECRET, BODY, timestamp=int(time.time()))

    assert receiver_verify(SECRET, BODY, header) is True
    assert receiver_verify(SECRET, BODY + b" ", header) is False
    assert receiver_verify("whsec_other", BODY, header) is False
    assert receiver_verify(SECRET, BODY, sign(SECRET, BODY, timestamp=int(time.time()) - 600)) is False
    # A signed time of hundreds of digits would overflow the float of the tolerance check: a 500.
    huge = sign(SECRET, BODY, timestamp=int("9" * 400))
    for malformed in ["", "garbage", "t=,v1=", "t=١٧٦٤,v1=00", f"t={int(time.time())},v1=ü", huge]:
        assert receiver_verify(SECRET, BODY, malformed) is False
