from django.db import migrations

# The stored refusals of a webhook's URL, as the msgids were: the first named the address that the
# URL's host resolved to, which told whoever reads the bot's page the internal network's plan.
RESOLVED = "%(host)s resolves to %(address)s, which is not a public address."
LITERAL = "%(address)s is not a public address."
NOT_PUBLIC = "%(host)s is not a public address."


def hide_addresses(apps, schema_editor):
    """Store the refusals already recorded as the new message, which names only the URL's host."""
    WebhookDelivery = apps.get_model("distribution", "WebhookDelivery")
    refused = list(WebhookDelivery.objects.filter(last_error__in=[RESOLVED, LITERAL]))
    for delivery in refused:
        params = delivery.last_error_params
        delivery.last_error_params = {"host": params.get("host", params.get("address", ""))}
        delivery.last_error = NOT_PUBLIC
    WebhookDelivery.objects.bulk_update(refused, ["last_error", "last_error_params"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("distribution", "0014_error_params"),
    ]

    operations = [
        migrations.RunPython(hide_addresses, migrations.RunPython.noop),
    ]
