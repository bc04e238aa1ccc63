"""No two operators share a name, whatever its case or spacing: lists and reports tell them
apart by name only. On the dashboard and in the admin alike."""

import importlib

import pytest
from django.apps import apps as django_apps
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from distribution.forms import OperatorForm
from distribution.models import Operator

TAKEN = "Another operator already has this name: add a surname or an initial."


@pytest.fixture
def admin_client(client, db):
    client.force_login(get_user_model().objects.create_superuser("admin", password="admin-password"))
    return client


def admin_form(name: str) -> dict:
    return {
        "name": name,
        "max_open_contacts": 5,
        "is_active": "on",
        "links-TOTAL_FORMS": 0,
        "links-INITIAL_FORMS": 0,
    }


@pytest.mark.parametrize("name", ["Olga", "olga", "OLGA", " Olga ", "Ольга", "ОЛЬГА"])
def test_it_refuses_a_name_already_taken(manager_client, make_operator, name):
    make_operator(name="Olga")
    make_operator(name="Ольга")

    response = manager_client.post("/operators/", {"name": name, "max_open_contacts": 5})

    assert response.status_code == 422
    assert response.context["form"].errors["name"] == [TAKEN]
    assert Operator.objects.count() == 2


def test_it_accepts_a_name_that_differs(manager_client, make_operator):
    make_operator(name="Olga")

    response = manager_client.post("/operators/", {"name": "Olga K.", "max_open_contacts": 5})

    assert response.status_code == 302
    assert Operator.objects.filter(name="Olga K.").exists()


def test_the_admin_refuses_a_name_already_taken(admin_client, make_operator):
    make_operator(name="Olga")

    response = admin_client.post("/admin/distribution/operator/add/", admin_form("oLGA"))

    assert response.status_code == 200
    assert TAKEN in response.content.decode()
    assert Operator.objects.count() == 1


def test_the_admin_refuses_renaming_to_a_taken_name(admin_client, make_operator):
    make_operator(name="Olga")
    ivan = make_operator(name="Ivan")

    response = admin_client.post(f"/admin/distribution/operator/{ivan.pk}/change/", admin_form("olga"))

    assert TAKEN in response.content.decode()
    ivan.refresh_from_db()
    assert ivan.name == "Ivan"


def test_the_admin_keeps_an_operators_own_name(admin_client, make_operator):
    olga = make_operator(name="Olga")

    response = admin_client.post(f"/admin/distribution/operator/{olga.pk}/change/", admin_form("Olga"))

    assert response.status_code == 302


def test_it_keeps_names_unique_in_the_database(make_operator):
    make_operator(name="Ольга Петрова")

    with pytest.raises(IntegrityError), transaction.atomic():
        Operator.objects.create(name="  ольга   ПЕТРОВА ")


def test_it_keeps_the_key_when_a_name_changes(make_operator):
    operator = make_operator(name="Olga")
    operator.name = "ОЛЬГА"
    operator.save(update_fields=["name"])

    assert Operator.objects.get(pk=operator.pk).name_key == "ольга"
    assert Operator.objects.bulk_create([Operator(name="Ivan  P.")])[0].name_key == "ivan p."


def test_it_answers_a_form_error_when_a_duplicate_races_past_the_check(
    manager_client, make_operator, monkeypatch
):
    """Two managers add the same name at once: both forms pass their check, the second save fails."""
    make_operator(name="Ольга")
    monkeypatch.setattr(OperatorForm, "clean_name", lambda form: form.cleaned_data["name"])

    response = manager_client.post("/operators/", {"name": "ольга", "max_open_contacts": 5})

    assert response.status_code == 422
    assert response.context["form"].errors["name"] == [TAKEN]
    assert Operator.objects.count() == 1


def test_the_migration_makes_existing_namesakes_distinct(make_operator):
    """Namesakes stored before the key existed (the suite runs without migrations: its function is
    run on rows whose names were set behind save()'s back)."""
    for number, name in enumerate(["Olga", "olga ", "OLGA", "Ivan"]):
        Operator.objects.filter(pk=make_operator(name=f"placeholder {number}").pk).update(name=name)
    migration = importlib.import_module("distribution.migrations.0012_operator_name_key")

    migration.fill_keys(django_apps, None)

    names = list(Operator.objects.order_by("pk").values_list("name", "name_key"))
    assert names == [("Olga", "olga"), ("olga  (2)", "olga (2)"), ("OLGA (3)", "olga (3)"), ("Ivan", "ivan")]
