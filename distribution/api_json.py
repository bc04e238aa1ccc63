"""What the bots' API answers about a contact: the body of the intake's, the reads' and the closes'
answers, and the contact in every webhook event (distribution/webhooks.py)."""

from datetime import datetime
from typing import NamedTuple

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from . import schedules
from .identifiers import LeadIdentity
from .models import Contact, ContactEvent


def with_close_reason(contacts: QuerySet[Contact]) -> QuerySet[Contact]:
    """`contacts`, each with `close_reason`: what its latest close's event says closed it."""
    closes = ContactEvent.objects.filter(contact=OuterRef("pk"), kind=ContactEvent.Kind.CLOSED)
    return contacts.annotate(close_reason=Subquery(closes.order_by("-at", "-pk").values("reason")[:1]))


def _lead_json(lead_id: int, *, identity: LeadIdentity | None, created: bool) -> dict:
    """The lead as this request named it. Never what is stored: the identifiers come from
    anonymous chat users, and one e-mail or phone must not hand its owner's name, phone or ids to
    whoever types it into another bot."""
    if identity is None:
        return {"id": lead_id, "created": created}
    sent = {"name": identity.name} if identity.name else {}
    return {"id": lead_id, "created": created, **sent, **identity.identifiers()}


class ContactRow(NamedTuple):
    """The columns of a contact that the API answers, as plain values: the intake builds one from
    its statements' rows, without a model instance."""

    id: int
    status: str
    external_id: str | None
    message: str
    lead_id: int
    bot_id: int
    bot_name: str
    hours: object  # the bot's, as stored (schedules.opening reads them)
    operator_id: int | None
    operator_name: str | None
    created_at: datetime
    assigned_at: datetime | None = None
    accepted_at: datetime | None = None
    closed_at: datetime | None = None
    resolution: str = ""
    close_reason: str | None = None  # what with_close_reason() read

    @classmethod
    def of(cls, contact: Contact) -> "ContactRow":
        operator = contact.operator
        return cls(
            contact.pk,
            contact.status,
            contact.external_id,
            contact.message,
            contact.lead_id,
            contact.bot.pk,
            contact.bot.name,
            contact.bot.hours,
            operator.pk if operator else None,
            operator.name if operator else None,
            contact.created_at,
            contact.assigned_at,
            contact.accepted_at,
            contact.closed_at,
            contact.resolution,
            getattr(contact, "close_reason", None),
        )


def _closed_by(row: ContactRow) -> dict | None:
    if row.status != Contact.Status.CLOSED or row.close_reason is None:
        return None
    by_operator = row.close_reason == ContactEvent.Reason.OPERATOR and row.operator_id is not None
    return {
        "reason": row.close_reason,
        "operator": {"id": row.operator_id, "name": row.operator_name} if by_operator else None,
    }


def contact_json(contact: Contact, *, identity: LeadIdentity | None, lead_created: bool = False) -> dict:
    """The contact; its lead named by `identity`, what the request sent (None: by nothing, as in
    answers to reads and closes, and in webhook events). A closed one says who closed it when
    read with_close_reason()."""
    return row_json(ContactRow.of(contact), identity=identity, lead_created=lead_created)


def row_json(row: ContactRow, *, identity: LeadIdentity | None, lead_created: bool = False) -> dict:
    """contact_json of a contact's plain values."""
    is_open, opens_at = schedules.opening(row.hours, timezone.now())
    return {
        "id": row.id,
        "status": row.status,
        "external_id": row.external_id,
        "message": row.message,
        "lead": _lead_json(row.lead_id, identity=identity, created=lead_created),
        "bot": {"id": row.bot_id, "name": row.bot_name},
        "operator": {"id": row.operator_id, "name": row.operator_name}
        if row.operator_id is not None
        else None,
        "created_at": row.created_at.isoformat(),
        "assigned_at": row.assigned_at.isoformat() if row.assigned_at else None,
        "accepted_at": row.accepted_at.isoformat() if row.accepted_at else None,
        "closed_at": row.closed_at.isoformat() if row.closed_at else None,
        "open": is_open,
        "opens_at": opens_at.isoformat() if opens_at else None,
        "resolution": row.resolution if row.status == Contact.Status.CLOSED else None,
        "closed_by": _closed_by(row),
    }
