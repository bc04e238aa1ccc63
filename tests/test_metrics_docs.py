"""The operations guide's Metrics section: its YAML loads, and it names the metrics /metrics has."""

import re
from pathlib import Path

import yaml
from prometheus_client.parser import text_string_to_metric_families

from distribution import metrics

SECTION = (Path(__file__).parent.parent / "docs" / "operations.md").read_text().split("## Metrics\n")[1]
BLOCKS = [yaml.safe_load(block) for block in re.findall(r"```yaml\n(.*?)```", SECTION, re.DOTALL)]


def exported(db) -> set[str]:
    return {family.name for family in text_string_to_metric_families(metrics.exposition().decode())}


def test_it_documents_every_metric_it_exports(db):
    table = set(re.findall(r"^\| `(minicrm_\w+)", SECTION, re.MULTILINE))

    assert {name.removesuffix("_total") for name in table} == exported(db)


def test_the_scrape_config_sends_the_token_to_metrics():
    (scrape,) = BLOCKS[0]["scrape_configs"]

    assert scrape["metrics_path"] == "/metrics"
    assert scrape["authorization"]["type"] == "Bearer"
    assert scrape["authorization"]["credentials_file"]


def test_the_alert_rules_name_exported_metrics(db):
    (group,) = BLOCKS[1]["groups"]
    names = {rule["alert"] for rule in group["rules"]}
    used = {name for rule in group["rules"] for name in re.findall(r"minicrm_\w+", rule["expr"])}

    assert names == {"MinicrmQueueWaitingTooLong", "MinicrmWorkerSilent"}
    assert used <= exported(db)
    assert all(rule["for"] and rule["annotations"]["summary"] for rule in group["rules"])
