"""A form's help texts and errors carry the ids its fields' aria-describedby names, and errors are
announced (role="alert"); the login form's refusal is linked to both of its fields."""

import re

from django import forms
from django.template.loader import render_to_string


class SlugForm(forms.Form):
    slug = forms.SlugField(help_text="Letters, digits and hyphens.")
    other = forms.IntegerField()

    def clean(self):
        raise forms.ValidationError("These two do not go together.")


def described_ids(html: str) -> set[str]:
    return {name for names in re.findall(r'aria-describedby="([^"]+)"', html) for name in names.split()}


def test_it_prints_every_id_aria_describedby_names():
    html = render_to_string("form_fields.html", {"form": SlugForm({"slug": "not a slug"})})

    assert described_ids(html) == {"id_slug_helptext", "id_slug_error", "id_other_error"}
    for name in described_ids(html):
        assert f'id="{name}"' in html, name
    assert '<span class="error" id="id_other_error" role="alert">' in html
    assert '<p class="error" role="alert">These two do not go together.</p>' in html


def test_it_prints_the_help_text_of_a_valid_field_without_an_error():
    html = render_to_string("form_fields.html", {"form": SlugForm()})

    assert described_ids(html) == {"id_slug_helptext"}
    assert 'id="id_slug_helptext">Letters, digits and hyphens.</small>' in html
    assert "_error" not in html


def test_it_links_and_announces_a_refused_login(client, db):
    html = client.post("/login/", {"username": "nobody", "password": "wrong"}).content.decode()

    assert '<p class="error" id="login-error" role="alert">' in html
    for field in ("username", "password"):
        tag = re.search(rf'<input[^>]*name="{field}"[^>]*>', html).group(0)
        assert 'aria-describedby="login-error"' in tag
        assert 'aria-invalid="true"' in tag


def test_it_leaves_the_login_form_plain_before_a_refusal(client, db):
    html = client.get("/login/").content.decode()

    assert "login-error" not in html
    assert "aria-invalid" not in html
