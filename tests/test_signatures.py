"""Webhook signatures: `Minicrm-Signature: t=<unix time>,v2=<hex HMAC-SHA256 of "t.id.body">`."""

import hashlib
import hmac
import time
from pathlib import Path

import pytest

from distribution import signatures
from distribution.signatures import new_secret

SECRET = "whsec_test-secret"
ID = "0b8e4f3a-6c1d-4e52-9a7b-3f2d1c0e9a84"
BODY = b'{"id": "0b8e4f3a-6c1d-4e52-9a7b-3f2d1c0e9a84", "type": "contact.closed"}'
T = 1_764_000_000


def sign(secret: str, body: bytes, *, timestamp: int, event_id: str = ID) -> str:
    return signatures.sign(secret, body, event_id=event_id, timestamp=timestamp)


def verify(secret: str, body: bytes, header, *, event_id: str = ID, **kwargs) -> bool:
    return signatures.verify(secret, body, header, event_id=event_id, **kwargs)


def test_it_signs_as_the_receiver_computes_it():
    signed = f"1764000000.{ID}.".encode() + BODY
    expected = hmac.new(b"whsec_test-secret", signed, hashlib.sha256).hexdigest()

    assert sign(SECRET, BODY, timestamp=T) == f"t=1764000000,v2={expected}"


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
    digest = sign(SECRET, BODY, timestamp=T).partition(",v2=")[2]

    assert not verify(SECRET, BODY, f"t={T + 1},v2={digest}", now=T)


def test_it_refuses_another_event_id():
    """A captured request sent again under a new Minicrm-Event-Id is not a new event."""
    header = sign(SECRET, BODY, timestamp=T)

    assert not verify(SECRET, BODY, header, event_id="5b6f3c2e-8d1a-4c47-9d0b-2f4e8a9c1d33", now=T)
    assert not verify(SECRET, BODY, header, event_id=ID.upper(), now=T)


@pytest.mark.parametrize("event_id", ["", f"{ID}.x", "ü", "a" * 65, None, b"0b8e4f3a"])
def test_it_refuses_a_malformed_event_id(event_id):
    header = sign(SECRET, BODY, timestamp=T, event_id=str(event_id))

    assert verify(SECRET, BODY, header, event_id=event_id, now=T) is False


def test_it_refuses_the_old_signature_that_left_the_id_out():
    v1 = hmac.new(SECRET.encode(), f"{T}.".encode() + BODY, hashlib.sha256).hexdigest()

    assert not verify(SECRET, BODY, f"t={T},v1={v1}", now=T)


def test_it_accepts_any_of_several_signatures():
    good = sign(SECRET, BODY, timestamp=T).partition(",v2=")[2]
    old = sign("whsec_old", BODY, timestamp=T).partition(",v2=")[2]

    assert verify(SECRET, BODY, f"t={T},v2={old},v2={good}", now=T)
    assert verify(SECRET, BODY, f"t={T}, v2={good}, v1=whatever", now=T)
    assert not verify(SECRET, BODY, f"t={T},v2={old},v2={'0' * 64}", now=T)


@pytest.mark.parametrize(
    "header",
    [
        "",
        "garbage",
        "t=,v2=",
        f"t={T}",
        "v2=" + "0" * 64,
        f"t={T},v2",
        f"t={T},t={T},v2=" + "0" * 64,
        "t=+1764000000,v2=" + "0" * 64,
        "t=1764000000.5,v2=" + "0" * 64,
        "t=١٧٦٤٠٠٠٠٠٠,v2=" + "0" * 64,
        "t=" + "9" * 5000 + ",v2=" + "0" * 64,
        f"t={T},v2=ü\udcff",
        f"t={T},v2=" + "0" * 100_000,
        None,
        b"t=1,v2=00",
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
    verify = documented_verify()
    now = int(time.time())
    header = sign(SECRET, BODY, timestamp=now)

    assert verify(SECRET, BODY, header, ID) is True
    assert verify(SECRET, BODY + b" ", header, ID) is False
    assert verify(SECRET, BODY, header, "5b6f3c2e-8d1a-4c47-9d0b-2f4e8a9c1d33") is False
    assert verify("whsec_other", BODY, header, ID) is False
    assert verify(SECRET, BODY, sign(SECRET, BODY, timestamp=now - 600), ID) is False
    # A signed time of hundreds of digits would overflow the float of the tolerance check: a 500.
    huge = sign(SECRET, BODY, timestamp=int("9" * 400))
    for malformed in ["", "garbage", "t=,v2=", "t=١٧٦٤,v2=00", f"t={now},v2=ü", huge]:
        assert verify(SECRET, BODY, malformed, ID) is False
