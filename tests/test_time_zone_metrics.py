"""/metrics counts today's assignments from the site's midnight, even with a login's session."""

from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from distribution.models import LoginSettings

from .test_metrics import TOKEN


def test_it_counts_from_the_sites_midnight_whatever_the_session(client, manager, settings, db):
    settings.METRICS_TOKEN = TOKEN
    LoginSettings.objects.create(user=manager, time_zone="Asia/Vladivostok")
    client.force_login(manager)

    text = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).content.decode()

    created = {
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "minicrm_assignments_created"
    }
    assert created == {timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0).timestamp()}
