"""The bots' JSON API: POST /api/contacts (the intake), reading and closing a bot's own contacts,
and GET /healthz for load balancers."""

import json
from datetime import timedelta
from functools import wraps

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from minicrm.errors import json_error

from .. import ratelimit, schedules
from ..api_json import contact_json, row_json, with_close_reason
from ..models import Bot, Contact, ContactEvent
from ..payload import (
    ContactPayload,
    PayloadError,
    parse_accept_payload,
    parse_close_payload,
    parse_contact_payload,
    parse_external_id,
)
from ..routing import (
    ContactChanged,
    ContactNotOpen,
    IdempotencyConflict,
    LeadIdentity,
    Registration,
    TokenRotated,
    accept_contact,
    close_contact,
    register_contact,
)
from ..tokens import find_bot, forget_token, remembered_bot, token_hash

# Django's never_cache headers, set whole: patching them in cost 40 µs an answer, 2 % of an intake.
_NEVER_CACHE = "max-age=0, no-cache, no-store, must-revalidate, private"


def never_cache(view):
    """Django's never_cache, for views whose answers carry no Cache-Control of their own."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> JsonResponse:
        response = view(request, *args, **kwargs)
        response.headers["Cache-Control"] = _NEVER_CACHE
        response.headers["Expires"] = http_date()
        return response

    return wrapper


def _bearer_token(request: HttpRequest) -> str:
    scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def _status(registration: Registration) -> int:
    if registration.replayed:
        return 200
    return 201 if registration.answer.status == Contact.Status.OPEN else 202


def _unknown_token() -> JsonResponse:
    return json_error(401, _("Unknown token."), headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})


def _authenticated_bot(request: HttpRequest, *, lookup=None) -> Bot | JsonResponse:
    """The bot whose token the request carries (found by `lookup`), within its rate limit; else the
    error to answer. Reads and closes share the intake's budget: one limit per bot guards the
    database."""
    token = _bearer_token(request)
    if not token:
        return json_error(
            401,
            _("Send the bot's token as 'Authorization: Bearer <token>'."),
            headers={"WWW-Authenticate": "Bearer"},
        )
    # A database error escapes: DatabaseUnavailableMiddleware or handler500 answer the 503 when the
    # database is unavailable, the 500 when it is anything else (minicrm.database).
    bot = (lookup or find_bot)(token)
    if bot is None:
        return _unknown_token()
    try:
        bot, wait = _counted(bot, token)
    except TokenRotated:
        return _unknown_token()
    if wait is not None:
        return json_error(
            429, _("Too many requests from this bot; slow down."), headers={"Retry-After": str(wait)}
        )
    return bot


def _counted(bot: Bot, token: str) -> tuple[Bot, int | None]:
    """The bot and ratelimit.retry_after for it, the token checked on the bot's row before the
    request is counted. A remembered bot that the token no longer belongs to (rotated, deleted) is
    forgotten and the token looked up once more; raises TokenRotated when it is nobody's."""
    digest = token_hash(token)
    try:
        return bot, ratelimit.retry_after(bot, token_hash=digest)
    except TokenRotated:
        forget_token(token)
        found = find_bot(token)
        if found is None:
            raise
    return found, ratelimit.retry_after(found, token_hash=digest)


_NO_BODY = object()


def _json_body(request: HttpRequest, *, optional: bool = False) -> object:
    """The request's JSON body (_NO_BODY for an empty one when `optional`); raises _BodyError."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise _BodyError(json_error(400, _("Invalid Content-Length."))) from None
    limit = settings.INTAKE_MAX_BODY_BYTES
    if declared > limit:
        raise _BodyError(json_error(413, _("The body is larger than %(limit)s bytes.") % {"limit": limit}))
    try:
        body = request.read(limit + 1)
    except OSError:  # the client went away in the middle of its body
        raise _BodyError(json_error(400, _("The body could not be read."))) from None
    if len(body) > limit:
        raise _BodyError(json_error(413, _("The body is larger than %(limit)s bytes.") % {"limit": limit}))
    if optional and not body.strip():
        return _NO_BODY
    if request.content_type != "application/json":
        raise _BodyError(json_error(415, _("Send the body as application/json.")))
    try:
        return json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise _BodyError(
            json_error(400, _("The body is not valid JSON."), fields={"body": _("Not valid JSON.")})
        ) from None


class _BodyError(Exception):
    def __init__(self, response: JsonResponse):
        super().__init__(response.status_code)
        self.response = response


@csrf_exempt
@never_cache
def contacts(request: HttpRequest) -> JsonResponse:
    if request.method == "GET":
        return _contact_by_external_id(request)
    if request.method != "POST":
        return json_error(
            405,
            _("Use POST to send a contact, GET with ?external_id= to read one."),
            headers={"Allow": "GET, POST"},
        )
    # The token is checked where the intake reads the bot's row anyway (tokens.remembered_bot).
    bot = _authenticated_bot(request, lookup=remembered_bot)
    if isinstance(bot, JsonResponse):
        return bot
    # An archived bot's open and waiting contacts still finish; it only takes no new ones.
    if _archived(bot):
        return json_error(
            403, _("This bot is archived: it takes no new contacts. A manager can unarchive it.")
        )
    token = _bearer_token(request)
    if request.content_type != "application/json":
        return _refusal(token, json_error(415, _("Send the body as application/json.")))
    try:
        data = _json_body(request)
    except _BodyError as error:
        return _refusal(token, error.response)
    try:
        payload = parse_contact_payload(data)
    except PayloadError as error:
        return _refusal(token, json_error(400, _("Invalid fields."), fields=error.fields))
    try:
        registration = _register(bot, token, payload)
    except TokenRotated:
        return _unknown_token()
    except IdempotencyConflict as conflict:
        return json_error(
            409,
            _("This external_id was already sent with another lead or message."),
            contact_id=conflict.contact.pk,
        )
    return JsonResponse(
        row_json(registration.answer, identity=payload.identity, lead_created=registration.lead_created),
        status=_status(registration),
    )


def _archived(bot: Bot) -> bool:
    """Whether the bot is archived, as the rate limit read its row; read now when it did not."""
    if "archived_at" in bot.get_deferred_fields():
        # A plain statement: building the ORM's cost the intake half a millisecond (bench/profile_intake.py).
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT 1 FROM {Bot._meta.db_table} WHERE id = %s AND archived_at IS NOT NULL",  # noqa: S608
                [bot.pk],
            )
            return cursor.fetchone() is not None
    return bot.archived_at is not None


def _register(bot: Bot, token: str, payload: ContactPayload) -> Registration:
    """register_contact, checking the token on the bot's row. A remembered token that is no longer
    that bot's is looked up once more before it is refused (raises TokenRotated)."""

    def register(bot: Bot) -> Registration:
        return register_contact(
            bot=bot,
            identity=payload.identity,
            message=payload.message,
            external_id=payload.external_id,
            token_hash=token_hash(token),
            verified=payload.verified,
        )

    try:
        return register(bot)
    except TokenRotated:
        forget_token(token)
        found = find_bot(token)
        if found is None:
            raise
    return register(found)


def _refusal(token: str, response: JsonResponse) -> JsonResponse:
    """`response`, a refusal of what the request sent, unless its token is no longer its bot's:
    a remembered token was not checked yet, and a rotated one gets its 401 whatever it sent."""
    if find_bot(token) is None:
        forget_token(token)
        return _unknown_token()
    return response


def _own_contact(bot: Bot, **lookup) -> Contact | None:
    # Another bot's contact is not found, like an unknown id: a 403 would confirm that it exists.
    return (
        with_close_reason(Contact.objects.select_related("bot", "operator")).filter(bot=bot, **lookup).first()
    )


def _not_found() -> JsonResponse:
    return json_error(404, _("This bot has no such contact."))


def _external_id_lookup(request: HttpRequest) -> dict | JsonResponse:
    try:
        return {"external_id": parse_external_id(request.GET.get("external_id", ""))}
    except PayloadError as error:
        return json_error(400, _("Invalid fields."), fields=error.fields)


def _answer(contact: Contact) -> JsonResponse:
    # The lead as this request named it: by nothing. Its stored identifiers are never answered.
    return JsonResponse(contact_json(contact, identity=LeadIdentity()))


def _read(bot: Bot, lookup: dict) -> JsonResponse:
    contact = _own_contact(bot, **lookup)
    return _not_found() if contact is None else _answer(contact)


def _contact_by_external_id(request: HttpRequest) -> JsonResponse:
    bot = _authenticated_bot(request)
    if isinstance(bot, JsonResponse):
        return bot
    lookup = _external_id_lookup(request)
    if isinstance(lookup, JsonResponse):
        return lookup
    return _read(bot, lookup)


@csrf_exempt
@never_cache
def hours(request: HttpRequest) -> JsonResponse:
    if request.method != "GET":
        return json_error(405, _("Use GET."), headers={"Allow": "GET"})
    bot = _authenticated_bot(request)
    if isinstance(bot, JsonResponse):
        return bot
    now = timezone.now()
    schedule = schedules.stored(bot.hours)
    is_open, opens_at = schedules.opening(bot.hours, now)
    zone = schedule.time_zone if schedule else timezone.get_default_timezone()
    stretches = None
    if schedule is not None:
        stretches = [
            {"opens": opens.astimezone(zone).isoformat(), "closes": closes.astimezone(zone).isoformat()}
            for opens, closes in schedule.stretches(now, now + timedelta(days=7))
        ]
    return JsonResponse(
        {
            "open": is_open,
            "opens_at": opens_at.isoformat() if opens_at else None,
            "time_zone": str(zone),
            "hours": stretches,
        }
    )


@csrf_exempt
@never_cache
def contact(request: HttpRequest, pk: int) -> JsonResponse:
    if request.method != "GET":
        return json_error(405, _("Use GET."), headers={"Allow": "GET"})
    bot = _authenticated_bot(request)
    if isinstance(bot, JsonResponse):
        return bot
    return _read(bot, {"pk": pk})


def _act(request: HttpRequest, lookup: dict | None, parse, act) -> JsonResponse:
    """A bot's POST on one of its contacts: `parse` its optional body, `act` on the contact."""
    if request.method != "POST":
        return json_error(405, _("Use POST."), headers={"Allow": "POST"})
    bot = _authenticated_bot(request)
    if isinstance(bot, JsonResponse):
        return bot
    if lookup is None:
        by_external_id = _external_id_lookup(request)
        if isinstance(by_external_id, JsonResponse):
            return by_external_id
        lookup = by_external_id
    try:
        data = _json_body(request, optional=True)
    except _BodyError as error:
        return error.response
    try:
        parsed = None if data is _NO_BODY else parse(data)
    except PayloadError as error:
        return json_error(400, _("Invalid fields."), fields=error.fields)
    contact = _own_contact(bot, **lookup)
    if contact is None:
        return _not_found()
    return act(bot, contact, parsed)


def _close(bot: Bot, contact: Contact, reason: str | None) -> JsonResponse:
    # Closing a closed contact changes nothing and answers it as it is, with who closed it first.
    note, was_closed = reason or "", contact.status == Contact.Status.CLOSED
    try:
        # Unless it was closed already (that close drains again, in case the first one died
        # before), guarded, so that a close by someone else meanwhile is told apart from this one.
        close_contact(
            contact=contact,
            bot=bot,
            reason=ContactEvent.Reason.BOT,
            note=note,
            only_if_unchanged=not was_closed,
        )
    except ContactChanged:
        return _close(bot, _own_contact(bot, pk=contact.pk) or contact, reason)
    if not was_closed:
        contact.close_reason = ContactEvent.Reason.BOT  # type: ignore[attr-defined]  # as with_close_reason() reads it
    return _answer(contact)


def _accept(bot: Bot, contact: Contact, _parsed: None) -> JsonResponse:
    try:
        accept_contact(contact=contact, bot=bot)
    except ContactNotOpen:
        message = (
            _("This contact waits in the queue: no operator has it to take.")
            if contact.status == Contact.Status.WAITING
            else _("This contact is closed.")
        )
        return json_error(409, message)
    return _answer(contact)


@csrf_exempt
@never_cache
def contact_close(request: HttpRequest, pk: int) -> JsonResponse:
    return _act(request, {"pk": pk}, parse_close_payload, _close)


@csrf_exempt
@never_cache
def contact_close_by_external_id(request: HttpRequest) -> JsonResponse:
    return _act(request, None, parse_close_payload, _close)


@csrf_exempt
@never_cache
def contact_accept(request: HttpRequest, pk: int) -> JsonResponse:
    return _act(request, {"pk": pk}, parse_accept_payload, _accept)


@csrf_exempt
@never_cache
def contact_accept_by_external_id(request: HttpRequest) -> JsonResponse:
    return _act(request, None, parse_accept_payload, _accept)


@csrf_exempt
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    if request.method not in ("GET", "HEAD"):
        # A probe that answered any method would tell a misrouted POST that it succeeded.
        return json_error(405, _("Use GET."), headers={"Allow": "GET, HEAD"})
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return JsonResponse({"status": "database unavailable"}, status=503)
    return JsonResponse({"status": "ok"})
