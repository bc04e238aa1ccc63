"""Store every lead identifier in its one normal form (distribution/identifiers.py), as the intake,
the dashboard and admin now write them. A value that is not valid, or whose normal form two rows
would share, is left as it is and reported (logged with the lead ids, not the values) instead of
failing the migration: a manager merges the leads or corrects the value in admin."""

import logging

from django.db import IntegrityError, migrations, transaction

from distribution.identifiers import NORMALIZERS, InvalidIdentifier

logger = logging.getLogger(__name__)


def normalise_leads(Lead) -> list[str]:
    """Normalise the identifiers of every row of `Lead`; return the problems, one line each."""
    problems = []
    for field, normalize in NORMALIZERS.items():
        stored = dict(Lead.objects.exclude(**{field: None}).order_by("pk").values_list("pk", field))
        holders: dict[str | None, list[int]] = {}
        for pk, value in stored.items():
            try:
                # A blank is an absent identifier, which the table holds as NULL.
                normal = normalize(value) if value.strip() else None
            except InvalidIdentifier as error:
                problems.append(f"lead {pk}: its {field} is not valid ({error}); left as it is.")
                continue
            holders.setdefault(normal, []).append(pk)
        for normal, pks in holders.items():
            if normal is not None and len(pks) > 1:
                leads = ", ".join(str(pk) for pk in pks)
                problems.append(
                    f"leads {leads}: their {field}s share one normal form; left as they are "
                    "(merge the leads, or correct the values)."
                )
                continue
            for pk in pks:
                if stored[pk] == normal:
                    continue
                try:
                    with transaction.atomic():
                        Lead.objects.filter(pk=pk).update(**{field: normal})
                except IntegrityError:
                    problems.append(
                        f"lead {pk}: its normalised {field} is held by another lead; left as it is."
                    )
    return problems


def normalise_identifiers(apps, schema_editor):
    for problem in normalise_leads(apps.get_model("distribution", "Lead")):
        logger.warning("0006_normalise_identifiers: %s", problem)


class Migration(migrations.Migration):
    dependencies = [
        ("distribution", "0005_identifier_sources"),
    ]

    operations = [
        migrations.RunPython(normalise_identifiers, migrations.RunPython.noop),
    ]
