"""One normal form per identifier (distribution/identifiers.py), used by the intake, the lead
search, the merge form, admin and the data migration that normalised the rows stored before."""

import importlib
import os
import sys
import unicodedata

import pytest
from django.apps import apps
from hypothesis import given, settings
from hypothesis import strategies as st

from distribution import identifiers, routing, selectors
from distribution.identifiers import IDENTIFIERS
from distribution.models import Lead

from .conftest import confirmed_merge

IDN = "user@xn--e1afmkfd.xn--p1ai"

migration = importlib.import_module("distribution.migrations.0006_normalise_identifiers")


# E-mail ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    ["user@пример.рф", "user@xn--e1afmkfd.xn--p1ai", " USER@XN--E1AFMKFD.XN--P1AI ", "User@ПРИМЕР.РФ"],
)
def test_it_stores_an_international_domain_in_its_idna_form(typed):
    assert identifiers.normalize_email(typed) == IDN


def test_it_keeps_the_local_part_lower_cased():
    assert identifiers.normalize_email("Mixed.Case+Tag@Example.COM") == "mixed.case+tag@example.com"


def test_it_folds_full_width_forms_with_nfkc():
    assert identifiers.normalize_email("ａｎｎａ＠ｅｘａｍｐｌｅ．ｃｏｍ") == "anna@example.com"  # noqa: RUF001


@pytest.mark.parametrize(
    "typed",
    [
        "a@exa\u200bmple.com",  # zero-width space, which IDNA would drop silently
        "a\u200b@example.com",
        "a@exa\u00admple.com",  # soft hyphen
        "a@exa\u200dmple.com",  # zero-width joiner
        "\ufeffa@example.com",  # byte order mark
        "a@example.com\u200e",  # left-to-right mark
        # Default-ignorable but not format characters, which IDNA drops or folds away as well.
        "a@exa\ufe0fmple.com",  # variation selector 16 (emoji presentation)
        "a@exa\u034fmple.com",  # combining grapheme joiner
        "a@exa\u180bmple.com",  # Mongolian free variation selector
        "a@exa\u115fmple.com",  # Hangul choseong filler
        "a@exa\u3164mple.com",  # Hangul filler
        "a@exa\uffa0mple.com",  # half-width Hangul filler
        "a@exa\U000e0100mple.com",  # variation selector 17
        "a\ufe0f@example.com",
    ],
)
def test_it_refuses_format_characters_in_an_email(typed):
    with pytest.raises(identifiers.InvalidEmail, match="invisible formatting"):
        identifiers.normalize_email(typed)


@pytest.mark.parametrize("typed", ["a@straße.de", "a@xn--strae-oqa.de", "a@σας.gr"])
def test_it_refuses_domains_that_idna_versions_read_differently(typed):
    with pytest.raises(identifiers.InvalidEmail):
        identifiers.normalize_email(typed)


def test_it_refuses_an_xn_label_that_another_spelling_encodes_to():
    # "xn--h0afmkfd" is upper-case "ПРИМЕР", which IDNA writes as "xn--e1afmkfd".
    with pytest.raises(identifiers.InvalidEmail):
        identifiers.normalize_email("user@xn--h0afmkfd.xn--p1ai")


@pytest.mark.parametrize(
    "typed",
    ["", "anna", "anna@", "@example.com", "a@@example.com", "a b@example.com", "a@b..com", "İ@example.com"],
)
def test_it_refuses_what_is_not_an_address(typed):
    with pytest.raises(identifiers.InvalidEmail):
        identifiers.normalize_email(typed)


def test_it_checks_the_length_of_the_idna_form():
    # 60 Cyrillic letters fit in 254 characters as typed, not once IDNA-encoded.
    typed = "u" * 64 + "@" + ".".join(["пример" * 9] * 3) + ".рф"
    assert len(typed) < 254

    with pytest.raises(identifiers.InvalidEmail, match="At most 254"):
        identifiers.normalize_email(typed)


# Phone -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed", ["+7 999 ABC 45 67", "+7 999 123 45 6O", "tel:+79991234567", "+7 999 ЖЖЖ 45 67"]
)
def test_it_refuses_a_phone_with_letters(typed):
    with pytest.raises(identifiers.InvalidPhone, match="letters"):
        identifiers.normalize_phone(typed)


@pytest.mark.parametrize(
    "typed",
    [
        "+7 999 123-45-67 ext. 123",
        "+7 999 123-45-67 x123",
        "+7 999 123-45-67 доб. 123",
        "+7 999 123-45-67;ext=1",
    ],
)
def test_it_refuses_an_extension_instead_of_dropping_it(typed):
    with pytest.raises(identifiers.InvalidPhone, match="Extensions are not accepted"):
        identifiers.normalize_phone(typed)


@pytest.mark.parametrize(
    "typed",
    [
        "8 916 555-44-33",
        "+7 (916) 555-44-33",
        "\u200e+7 916 555-44-33\u200f",  # bidi marks that phone apps wrap numbers in
        "＋７ ９１６ ５５５ ４４ ３３",  # noqa: RUF001
    ],
)
def test_it_stores_a_phone_in_e164(typed):
    assert identifiers.normalize_phone(typed) == "+79165554433"


# External id -------------------------------------------------------------------------------------


def test_it_keeps_an_external_id_as_sent_but_trimmed():
    decomposed = "tg-Cafe\u0301"  # not composed to "é": another system's key is compared as it is

    assert identifiers.normalize_external_id(f"  {decomposed}\n") == decomposed


@pytest.mark.parametrize(
    "typed",
    [
        *["tg-5511\u200b", "tg-\u202e1155", "tg-5511\x07", "tg\t5511", "  ", "x" * 101],
        *["tg-5511\ufe0f", "tg-\u034f5511", "tg-\u31645511", "tg-5511\U000e0101"],
    ],
)
def test_it_refuses_an_unusable_external_id(typed):
    with pytest.raises(identifiers.InvalidExternalId):
        identifiers.normalize_external_id(typed)


# Every normal form normalises to itself: the migration and a second pass change nothing.


def test_its_character_checks_find_every_code_point_of_their_definition():
    """The regular expressions and the ASCII shortcut name exactly the code points the module's
    definitions do: category Cc for control, Cf or Default_Ignorable_Code_Point for invisible."""
    ignorable = {point for first, last in identifiers.DEFAULT_IGNORABLE for point in range(first, last + 1)}
    wrong = []
    for point in range(sys.maxunicode + 1):
        character, category = chr(point), unicodedata.category(chr(point))
        if identifiers._has_control(character) != (category == "Cc"):
            wrong.append(("control", hex(point)))
        if identifiers._has_invisible(character) != (category == "Cf" or point in ignorable):
            wrong.append(("invisible", hex(point)))
    assert wrong == []
    assert identifiers._has_invisible("a\u200bb")
    assert identifiers._has_control("a\x7fb")


@pytest.mark.parametrize(
    ("normalize", "typed"),
    [
        (identifiers.normalize_email, "User@ПРИМЕР.РФ"),
        (identifiers.normalize_email, "ａｎｎａ＠ｅｘａｍｐｌｅ．ｃｏｍ"),  # noqa: RUF001
        (identifiers.normalize_email, "x²@bücher.de"),
        (identifiers.normalize_phone, "8 916 555-44-33"),
        (identifiers.normalize_external_id, " tg-5511 "),
    ],
)
def test_it_is_idempotent(normalize, typed):
    normal = normalize(typed)

    assert normalize(normal) == normal


texts = st.text(st.characters(codec=None), max_size=30)
identifier_like = (
    texts
    | st.emails()
    | st.builds("{}@{}".format, texts, texts)
    | st.builds("{}@{}.{}".format, st.emails().map(lambda a: a.split("@")[0]), texts, texts)
    | st.from_regex(r"\+?[0-9 ()\-]{5,20}( ?(ext\.?|x|доб\.?) ?[0-9]{1,4})?", fullmatch=True)
)


@settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", "200")), deadline=None, derandomize=True)
@given(value=identifier_like)
def test_any_text_normalises_to_a_fixed_point_or_is_refused(value):
    for normalize in identifiers.NORMALIZERS.values():
        try:
            normal = normalize(value)
        except identifiers.InvalidIdentifier:
            continue
        assert normalize(normal) == normal


def test_the_service_uses_the_same_functions():
    identity = routing.LeadIdentity.normalised(
        external_id=" tg-1 ", email="User@пример.рф", phone="8 916 555-44-33", name=" Anna "
    )

    assert identity == routing.LeadIdentity(external_id="tg-1", email=IDN, phone="+79165554433", name="Anna")


# Looking leads up (on each database) -------------------------------------------------------------


def test_it_recognises_a_lead_by_either_form_of_its_address(bot_with_operators, send):
    bot, _ = bot_with_operators(weights=[10], verifies=IDENTIFIERS)
    first = send(bot, lead=routing.LeadIdentity.normalised(email="user@пример.рф"))
    second = send(bot, lead=routing.LeadIdentity.normalised(email="USER@xn--e1afmkfd.xn--p1ai"))

    assert first.lead_id == second.lead_id
    assert Lead.objects.get().email == IDN


@pytest.mark.parametrize("query", ["user@пример.рф", "ПРИМЕР.РФ", "@пример.рф", IDN, "ｕｓｅｒ"])  # noqa: RUF001
def test_the_lead_search_finds_every_form(db, query):
    lead = Lead.objects.create(email=IDN)
    Lead.objects.create(email="other@example.com")

    assert list(selectors.search_leads(query)) == [lead]


def test_the_merge_form_finds_the_other_lead_by_the_unicode_form(manager_client):
    target = Lead.objects.create(external_id="tg-1")
    other = Lead.objects.create(email=IDN)

    response = manager_client.post(f"/leads/{target.pk}/merge", {"other": "User@Пример.рф"})
    assert f'<input type="hidden" name="other" value="#{other.pk}">' in response.content.decode()

    response = manager_client.post(f"/leads/{target.pk}/merge", confirmed_merge(target, other))

    assert response.status_code == 302
    assert not Lead.objects.filter(pk=other.pk).exists()
    target.refresh_from_db()
    assert target.email == IDN


# The data migration (on each database) -----------------------------------------------------------


def test_the_migration_normalises_the_rows_it_can(db):
    lead = Lead.objects.create(external_id=" tg-1 ", email="Mixed.Case@Example.COM", phone="8 916 555-44-33")
    unicode_domain = Lead.objects.create(email="user@пример.рф")
    blank = Lead.objects.create(external_id="tg-2", phone="  ")
    fine = Lead.objects.create(external_id="tg-3", email="anna@example.com", phone="+79991234567")

    assert migration.normalise_leads(Lead) == []

    lead.refresh_from_db()
    assert (lead.external_id, lead.email, lead.phone) == ("tg-1", "mixed.case@example.com", "+79165554433")
    unicode_domain.refresh_from_db()
    assert unicode_domain.email == IDN
    blank.refresh_from_db()
    assert blank.phone is None
    fine.refresh_from_db()
    assert (fine.external_id, fine.email, fine.phone) == ("tg-3", "anna@example.com", "+79991234567")


def test_the_migration_leaves_colliding_rows_and_names_them(db):
    unicode_form = Lead.objects.create(email="user@пример.рф", phone="8 916 555-44-33")
    idna_form = Lead.objects.create(email=IDN)
    typed_phone = Lead.objects.create(phone="+7 916 555 44 33")
    alone = Lead.objects.create(email="Alone@Example.com")

    problems = migration.normalise_leads(Lead)

    assert problems == [
        f"leads {unicode_form.pk}, {idna_form.pk}: their emails share one normal form; left as they "
        "are (merge the leads, or correct the values).",
        f"leads {unicode_form.pk}, {typed_phone.pk}: their phones share one normal form; left as they "
        "are (merge the leads, or correct the values).",
    ]
    unicode_form.refresh_from_db()
    assert (unicode_form.email, unicode_form.phone) == ("user@пример.рф", "8 916 555-44-33")
    typed_phone.refresh_from_db()
    assert typed_phone.phone == "+7 916 555 44 33"
    alone.refresh_from_db()
    assert alone.email == "alone@example.com"


def test_the_migration_leaves_invalid_rows_and_names_them(db):
    letters = Lead.objects.create(phone="+7 999 ABC 45 67", email="Fine@Example.com")
    invisible = Lead.objects.create(email="a@exa\u200bmple.com")

    problems = migration.normalise_leads(Lead)

    assert problems == [
        f"lead {invisible.pk}: its email is not valid (Must not contain invisible formatting "
        "characters (e.g. zero-width spaces).); left as it is.",
        f"lead {letters.pk}: its phone is not valid (Must not contain letters: send the digits, "
        "e.g. +7 999 123-45-67.); left as it is.",
    ]
    letters.refresh_from_db()
    assert (letters.phone, letters.email) == ("+7 999 ABC 45 67", "fine@example.com")
    invisible.refresh_from_db()
    assert invisible.email == "a@exa\u200bmple.com"


def test_the_migration_logs_what_it_left(db, caplog):
    lead = Lead.objects.create(phone="+79991234567 x5")  # within the 16 characters of the column

    migration.normalise_identifiers(apps, None)

    assert f"0006_normalise_identifiers: lead {lead.pk}: its phone is not valid" in caplog.text
    assert caplog.records[0].levelname == "WARNING"
