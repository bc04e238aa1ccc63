from django.db import migrations, models


def fold(name: str) -> str:
    # A frozen copy of models.operator_name_key: a migration must not change when the model does.
    return " ".join(name.split()).casefold()


def fill_keys(apps, schema_editor):
    """Each operator's key; operators whose names were the same but for case or spacing (stored
    before the forms refused them) get a number after the name: "Olga", "olga (2)"."""
    operator_model = apps.get_model("distribution", "Operator")
    taken = set()
    for operator in operator_model.objects.order_by("pk"):
        name, number = operator.name, 1
        while fold(name) in taken:
            number += 1
            # Within the name's 200 characters.
            name = f"{operator.name[:190]} ({number})"
        taken.add(fold(name))
        operator.name, operator.name_key = name, fold(name)
        operator.save(update_fields=["name", "name_key"])


class Migration(migrations.Migration):
    dependencies = [("distribution", "0011_translations")]

    operations = [
        migrations.AddField(
            model_name="operator",
            name="name_key",
            field=models.CharField(editable=False, max_length=600, null=True),
        ),
        migrations.RunPython(fill_keys, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="operator",
            name="name_key",
            field=models.CharField(editable=False, max_length=600, unique=True),
        ),
    ]
