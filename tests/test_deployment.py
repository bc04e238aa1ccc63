"""compose.yaml and deploy/nginx.conf are the deployment: no Docker engine runs here, so they are
parsed and held to what the code and the slow-client drill (bench/slowclients.py) use."""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import slowclients  # noqa: E402

COMPOSE = yaml.safe_load((ROOT / "compose.yaml").read_text())
NGINX_CONFIG = (ROOT / "deploy" / "nginx.conf").read_text()


def nginx_directives(name: str) -> list[str]:
    return re.findall(rf"^[ \t]*{name}[ \t]+([^;{{}}\n]+);", NGINX_CONFIG, re.MULTILINE)


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


def test_it_refuses_bodies_over_the_intake_limit_in_the_proxy():
    (limit,) = nginx_directives("client_max_body_size")

    assert limit == f"{settings.INTAKE_MAX_BODY_BYTES // 1024}k"
    assert f"larger than {settings.INTAKE_MAX_BODY_BYTES} bytes" in NGINX_CONFIG


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
