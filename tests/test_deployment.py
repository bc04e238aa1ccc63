"""compose.yaml and deploy/nginx.conf are the deployment: no Docker engine runs here, so they are
parsed and held to what the code and the slow-client drill (bench/slowclients.py) use."""

import http.client
import json
import re
import runpy
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import harness  # noqa: E402
import slowclients  # noqa: E402

from minicrm.errors import is_api_path  # noqa: E402

from .conftest import under_gunicorn  # noqa: E402

COMPOSE = yaml.safe_load((ROOT / "compose.yaml").read_text())
NGINX_CONFIG = (ROOT / "deploy" / "nginx.conf").read_text()


def nginx_directives(name: str, text: str = NGINX_CONFIG) -> list[str]:
    return re.findall(rf"^[ \t]*{name}[ \t]+([^;{{}}\n]+);", text, re.MULTILINE)


def nginx_block(header: str) -> str:
    """The text between the braces of the block that opens with `header {`."""
    start = NGINX_CONFIG.index(header + " {") + len(header) + 2
    depth, end = 1, start
    while depth:
        depth += {"{": 1, "}": -1}.get(NGINX_CONFIG[end], 0)
        end += 1
    return NGINX_CONFIG[start : end - 1]


def nginx_outside_blocks(block: str) -> str:
    """The block's text without the blocks nested in it: the directives that apply to all of them."""
    return re.sub(r"\{[^{}]*\}", "", re.sub(r"\{[^{}]*\}", "", block))


def api_location() -> str:
    """The header of the bots' API location: the one case-insensitive regex location."""
    (header,) = re.findall(r"^[ \t]*(location ~\* \S+) \{", NGINX_CONFIG, re.MULTILINE)
    return header


def test_it_runs_postgresql_the_web_service_the_worker_and_a_proxy_from_official_images():
    services = COMPOSE["services"]

    assert set(services) == {"db", "web", "worker", "proxy"}
    assert services["db"]["image"].startswith("postgres:")
    assert services["proxy"]["image"].startswith("nginx:")
    assert services["web"]["build"] == "."
    assert services["web"]["environment"]["DATABASE_URL"].startswith("postgres://")


def test_it_reaches_the_web_service_only_through_the_proxy():
    services = COMPOSE["services"]

    assert "ports" not in services["web"]
    assert services["proxy"]["ports"]
    assert "./deploy/nginx.conf:/etc/nginx/nginx.conf:ro" in services["proxy"]["volumes"]
    assert nginx_directives("server") == ["web:8000"]


def test_it_runs_the_commands_that_the_drill_runs():
    services = COMPOSE["services"]
    dockerfile_cmd = re.search(r"^CMD (.+)$", (ROOT / "Dockerfile").read_text(), re.MULTILINE)

    assert services["web"]["command"] == slowclients.WEB_COMMAND
    assert services["proxy"]["command"] == slowclients.PROXY_COMMAND
    assert json.loads(dockerfile_cmd.group(1)) == slowclients.WEB_COMMAND


def test_it_trusts_x_forwarded_proto_only_because_the_proxy_overwrites_it():
    environment = COMPOSE["services"]["web"]["environment"]

    assert str(environment["TRUST_X_FORWARDED_PROTO"]).lower() == "true"
    assert nginx_directives("proxy_set_header X-Forwarded-Proto") == ["$scheme"]


def test_it_refuses_bodies_over_the_intake_limit_in_the_api_location():
    (limit,) = nginx_directives("client_max_body_size", nginx_block(api_location()))

    assert limit == f"{settings.INTAKE_MAX_BODY_BYTES // 1024}k"
    assert f"larger than {settings.INTAKE_MAX_BODY_BYTES} bytes" in NGINX_CONFIG


def test_it_lets_the_dashboards_forms_through_up_to_djangos_limit():
    (limit,) = nginx_directives("client_max_body_size", nginx_outside_blocks(nginx_block("http")))

    assert limit == "3m"
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE < 3 * 1024 * 1024
    assert nginx_directives("client_max_body_size", nginx_block("location /")) == []
    assert nginx_directives("client_max_body_size", nginx_outside_blocks(nginx_block("server"))) == []


@pytest.mark.parametrize(
    "path",
    [
        "/api",
        "/api/",
        "/api/contacts",
        "/API/contacts",
        "/Api",
        "//api/contacts",
        "/apix",
        "/x/api",
        "/",
        "/leads/",
    ],
)
def test_it_takes_the_api_location_by_djangos_rule(path):
    pattern = re.compile(api_location().split()[-1], re.IGNORECASE)

    assert bool(pattern.match(path)) == is_api_path(path)


def test_it_bounds_how_long_a_client_may_take():
    for directive in ("client_header_timeout", "client_body_timeout", "send_timeout", "keepalive_timeout"):
        assert nginx_directives(directive), directive
    assert nginx_directives("proxy_request_buffering") == ["on"]
    assert nginx_directives("proxy_buffering") == ["on"]


@pytest.mark.skipif(not shutil.which("nginx", path="/usr/sbin:/usr/bin"), reason="nginx is not installed")
def test_it_ships_a_config_that_nginx_accepts(tmp_path):
    config = tmp_path / "nginx.conf"
    config.write_text(slowclients.nginx_config_for_drill("127.0.0.1:8000", "127.0.0.1:8080", tmp_path))

    result = subprocess.run(
        [slowclients.NGINX_BINARY, "-t", "-p", str(tmp_path), "-c", str(config)],
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stderr


@pytest.fixture
def nginx():
    """The shipped config under Debian's nginx on a free port, in front of a port nobody listens
    on: whatever nginx passes on gets its 502, whatever it refuses itself gets nginx's answer."""
    with slowclients.nginx(f"127.0.0.1:{harness.free_port()}", ready=("/", 502)) as (port, _workdir):
        yield port


def post(port: int, path: str, size: int) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("POST", path, body=b" " * size)
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type")
    finally:
        connection.close()


@pytest.mark.skipif(not shutil.which("nginx", path="/usr/sbin:/usr/bin"), reason="nginx is not installed")
@pytest.mark.parametrize(
    ("path", "size", "answer"),
    [
        ("/api/contacts", 70_000, (413, "application/json")),
        ("/API/contacts", 70_000, (413, "application/json")),
        ("//api/contacts", 70_000, (413, "application/json")),
        ("/api/contacts", 60_000, (502, "text/html")),
        ("/apix", 70_000, (502, "text/html")),
        ("/leads/1/edit", 2_700_000, (502, "text/html")),
        ("/admin/distribution/contact/1/change/", 3_200_000, (413, "text/html")),
    ],
)
def test_it_limits_bodies_by_location_under_nginx(nginx, path, size, answer):
    assert post(nginx, path, size) == answer


def test_it_tells_web_each_clients_address_for_the_login_throttling():
    environment = COMPOSE["services"]["web"]["environment"]

    assert environment["CLIENT_IP_HEADER"] == "X-Real-IP"
    assert nginx_directives("proxy_set_header X-Real-IP") == ["$remote_addr"]


def test_it_runs_the_worker_from_the_same_image_and_environment():
    web, worker = COMPOSE["services"]["web"], COMPOSE["services"]["worker"]

    assert worker["build"] == web["build"]
    assert worker["environment"] == web["environment"]
    assert worker["command"] == ["python", "manage.py", "worker"]
    assert "ports" not in worker
    assert (ROOT / "distribution" / "management" / "commands" / "worker.py").exists()


def test_it_restarts_the_proxy_when_web_is_recreated():
    assert COMPOSE["services"]["proxy"]["depends_on"] == {
        "web": {"condition": "service_started", "restart": True}
    }


def gunicorn_settings(monkeypatch, **environ) -> dict:
    for name in ("GUNICORN_BIND", "FORWARDED_ALLOW_IPS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(ROOT / "gunicorn.conf.py"))


def test_it_leaves_x_forwarded_proto_to_django_not_gunicorn(monkeypatch):
    assert gunicorn_settings(monkeypatch)["forwarded_allow_ips"] == ""
    assert gunicorn_settings(monkeypatch, FORWARDED_ALLOW_IPS="*")["forwarded_allow_ips"] == ""


def test_it_opens_no_control_socket(monkeypatch):
    assert gunicorn_settings(monkeypatch)["control_socket_disable"] is True


def test_it_listens_on_localhost_unless_told_otherwise(monkeypatch):
    assert gunicorn_settings(monkeypatch)["bind"] == "127.0.0.1:8000"
    assert gunicorn_settings(monkeypatch, GUNICORN_BIND="0.0.0.0:9000")["bind"] == "0.0.0.0:9000"


def test_it_listens_on_every_interface_in_the_container_on_the_port_the_proxy_uses():
    dockerfile = (ROOT / "Dockerfile").read_text()
    (bind,) = re.findall(r"GUNICORN_BIND=(\S+)", dockerfile)
    (upstream,) = nginx_directives("server")

    assert bind == "0.0.0.0:8000"
    assert upstream.split(":")[1] == bind.split(":")[1]
    assert COMPOSE["services"]["web"]["expose"] == [bind.split(":")[1]]
    assert "GUNICORN_BIND" not in COMPOSE["services"]["web"]["environment"]


@under_gunicorn
def test_it_ignores_x_forwarded_proto_from_a_local_peer_in_gunicorn():
    """From 127.0.0.1, where gunicorn's own default would trust it: with TRUST_X_FORWARDED_PROTO
    off, Django sees plain HTTP and redirects to HTTPS."""
    with harness.database("sqlite") as db:
        env = {"SECURE_SSL_REDIRECT": "true", "TRUST_X_FORWARDED_PROTO": "false"}
        with harness.Server(db, workers=1, env=env) as server:
            status, headers, _body = server.request("GET", "/login/", headers={"X-Forwarded-Proto": "https"})

    assert status == 301
    assert headers["Location"] == f"https://127.0.0.1:{server.port}/login/"
