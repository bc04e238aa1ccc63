"""Rule 1 learns which identifiers a bot vouches for (issue 18). Existing bots keep today's
behaviour (they vouch for all three); new bots vouch for the external id only. Identifiers stored
so far count as verified."""

import django.db.models.deletion
from django.db import migrations, models


def vouch_as_before(apps, schema_editor):
    """Let the bots that exist vouch for every identifier, as rule 1 trusted them until now."""
    apps.get_model("distribution", "Bot").objects.update(verifies_email=True, verifies_phone=True)


class Migration(migrations.Migration):

    dependencies = [
        ('distribution', '0015_hide_resolved_addresses'),
    ]

    operations = [
        migrations.AddField(
            model_name='bot',
            name='verifies_email',
            field=models.BooleanField(default=False, verbose_name='verifies the e-mail'),
        ),
        migrations.AddField(
            model_name='bot',
            name='verifies_external_id',
            field=models.BooleanField(default=True, verbose_name='verifies the external id'),
        ),
        migrations.AddField(
            model_name='bot',
            name='verifies_phone',
            field=models.BooleanField(default=False, verbose_name='verifies the phone'),
        ),
        migrations.RunPython(vouch_as_before, migrations.RunPython.noop),
        migrations.AddField(
            model_name='lead',
            name='duplicate_of',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='possible_duplicates', to='distribution.lead', verbose_name='possible duplicate of'),
        ),
        migrations.AddField(
            model_name='lead',
            name='email_verified',
            field=models.BooleanField(default=True, verbose_name='e-mail verified'),
        ),
        migrations.AddField(
            model_name='lead',
            name='external_id_verified',
            field=models.BooleanField(default=True, verbose_name='external id verified'),
        ),
        migrations.AddField(
            model_name='lead',
            name='phone_verified',
            field=models.BooleanField(default=True, verbose_name='phone verified'),
        ),
    ]
