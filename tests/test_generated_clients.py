"""Clients generated from /api/openapi.json, as a bot's developer makes them (docs/api.md): the
Python client of openapi-python-client drives the live service, each answer parsed into its
generated types, and the TypeScript types of openapi-typescript compile with a bot's code using
them (clients/check.ts). .ci/run installs both generators; a test whose generator is missing
skips and says how to install it. Nothing generated is kept."""

import importlib
import json
import os
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from distribution.openapi import document

CLIENTS = Path(__file__).resolve().parent.parent / "clients"
BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def openapi_json(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("clients") / "openapi.json"
    path.write_text(json.dumps(document()))
    return path


@pytest.fixture(scope="module")
def client_package(openapi_json):
    """The generated Python client, importable as `minicrm_client`."""
    generator = shutil.which("openapi-python-client", path=BIN)
    if generator is None:
        pytest.skip("openapi-python-client is missing: .venv/bin/pip install -r requirements-dev.txt")
    output = openapi_json.parent / "python"
    subprocess.run(
        [
            generator,
            "generate",
            "--path",
            openapi_json,
            "--output-path",
            output,
            "--config",
            CLIENTS / "python.yaml",
        ],
        check=True,
        capture_output=True,
    )
    sys.path.insert(0, str(output))
    yield importlib.import_module("minicrm_client")
    sys.path.remove(str(output))
    for name in [name for name in sys.modules if name.partition(".")[0] == "minicrm_client"]:
        del sys.modules[name]


def test_a_bot_works_through_the_generated_python_client(
    client_package, live_server, transactional_db, bot_and_token, operator
):
    from minicrm_client import AuthenticatedClient
    from minicrm_client.api.contacts import (
        close_contact,
        create_contact,
        get_contact,
        get_contact_by_external_id,
    )
    from minicrm_client.models import (
        CloseIn,
        Conflict,
        Contact,
        ContactIn,
        ContactStatus,
        Error,
        LeadIn,
        LeadInVerifiedType0Item,
    )

    client = AuthenticatedClient(
        base_url=live_server.url, token=bot_and_token[1], httpx_args={"trust_env": False}
    )
    lead = LeadIn(
        external_id="tg-9001",
        email="Anna@Example.com",
        phone="+7 999 123-45-67",
        name="Anna",
        verified=[LeadInVerifiedType0Item.EXTERNAL_ID],
    )
    sent = ContactIn(lead=lead, message="Hello, I want to order", external_id="msg-8812")

    created = create_contact.sync_detailed(client=client, body=sent)
    replayed = create_contact.sync_detailed(client=client, body=sent)
    conflict = create_contact.sync_detailed(
        client=client, body=ContactIn(lead=lead, message="Other", external_id="msg-8812")
    )

    assert created.status_code == 201
    contact = created.parsed
    assert isinstance(contact, Contact)
    assert contact.status == ContactStatus.OPEN
    assert contact.operator.name == "Olga"
    assert (contact.lead.created, contact.lead.name, contact.lead.email, contact.lead.phone) == (
        True,
        "Anna",
        "anna@example.com",
        "+79991234567",
    )
    assert isinstance(contact.created_at, datetime)
    assert replayed.status_code == 200
    assert isinstance(replayed.parsed, Contact)
    assert (replayed.parsed.id, replayed.parsed.lead.created) == (contact.id, False)
    assert conflict.status_code == 409
    assert isinstance(conflict.parsed, Conflict)
    assert conflict.parsed.contact_id == contact.id

    by_id = get_contact.sync_detailed(client=client, id=contact.id)
    by_external_id = get_contact_by_external_id.sync_detailed(client=client, external_id="msg-8812")
    closed = close_contact.sync_detailed(client=client, id=contact.id, body=CloseIn(reason="Ordered"))

    for read in (by_id, by_external_id):
        assert read.status_code == 200
        assert isinstance(read.parsed, Contact)
        assert (read.parsed.id, read.parsed.lead.to_dict()) == (
            contact.id,
            {"id": contact.lead.id, "created": False},
        )
    assert closed.status_code == 200
    assert closed.parsed.status == ContactStatus.CLOSED
    assert isinstance(closed.parsed.closed_at, datetime)

    refused = create_contact.sync_detailed(
        client=client, body=ContactIn(lead=LeadIn(email="not an address", phone="call me"))
    )

    assert refused.status_code == 400
    assert isinstance(refused.parsed, Error)
    assert refused.parsed.fields.to_dict() == {
        "lead.email": "Enter a valid e-mail address.",
        "lead.phone": "Must not contain letters: send the digits, e.g. +7 999 123-45-67.",
    }


def test_the_generated_typescript_types_compile_with_a_bots_code(openapi_json):
    tools = CLIENTS / "node_modules" / ".bin"
    if not (tools / "openapi-typescript").exists() or not (tools / "tsc").exists():
        pytest.skip("openapi-typescript or typescript is missing: npm ci --prefix clients")
    work = openapi_json.parent
    shutil.copy(CLIENTS / "check.ts", work / "check.ts")
    run = {"check": False, "capture_output": True, "text": True, "env": {**os.environ, "NO_COLOR": "1"}}

    generated = subprocess.run([tools / "openapi-typescript", openapi_json, "-o", work / "api.d.ts"], **run)
    assert generated.returncode == 0, generated.stderr
    compiled = subprocess.run([tools / "tsc", "--noEmit", "--strict", work / "check.ts"], **run)

    assert compiled.returncode == 0, compiled.stdout
