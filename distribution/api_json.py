"""What the bots' API answers about a contact: the body of the intake's, the reads' and the closes'
answers, and the contact in every webhook event (distribution/webhooks.py)."""

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from . import schedules
from .identifiers import LeadIdentity
from .models import Contact, ContactEvent


def with_close_reason(contacts: QuerySet[Contact]) -> QuerySet[Contact]:
    """`contacts`, each with `close_reason`: what its latest close's event says closed it."""
    closes = ContactEvent.objects.filter(contact=OuterRef("pk"), kind=ContactEvent.Kind.CLOSED)
    return contacts.annotate(close_reason=Subquery(closes.order_by("-at", "-pk").values("reason")[:1]))


def _closed_by(contact: Contact) -> dict | None:
    reason = getattr(contact, "close_reason", None)
    if contact.status != Contact.Status.CLOSED or reason is None:
        return None
    operator = contact.operator if reason == ContactEvent.Reason.OPERATOR else None
    return {"reason": reason, "operator": {"id": operator.pk, "name": operator.name} if operator else None}


def _lead_json(lead_id: int, *, identity: LeadIdentity | None, created: bool) -> dict:
    """The lead as this request named it. Never what is stored: the identifiers come from
    anonymous chat users, and one e-mail or phone must not hand its owner's name, phone or ids to
    whoever types it into another bot."""
    if identity is None:
        return {"id": lead_id, "created": created}
    sent = {"name": identity.name} if identity.name else {}
    return {"id": lead_id, "created": created, **sent, **identity.identifiers()}


def contact_json(contact: Contact, *, identity: LeadIdentity | None, lead_created: bool = False) -> dict:
    """The contact; its lead named by `identity`, what the request sent (None: by nothing, as in
    answers to reads and closes, and in webhook events). A closed one says who closed it when
    read with_close_reason()."""
    operator = contact.operator
    is_open, opens_at = schedules.opening(contact.bot.hours, timezone.now())
    closed = contact.status == Contact.Status.CLOSED
    return {
        "id": contact.pk,
        "status": contact.status,
        "external_id": contact.external_id,
        "message": contact.message,
        "lead": _lead_json(contact.lead_id, identity=identity, created=lead_created),
        "bot": {"id": contact.bot.pk, "name": contact.bot.name},
        "operator": {"id": operator.pk, "name": operator.name} if operator else None,
        "created_at": contact.created_at.isoformat(),
        "assigned_at": contact.assigned_at.isoformat() if contact.assigned_at else None,
        "accepted_at": contact.accepted_at.isoformat() if contact.accepted_at else None,
        "closed_at": contact.closed_at.isoformat() if contact.closed_at else None,
        "open": is_open,
        "opens_at": opens_at.isoformat() if opens_at else None,
        "resolution": contact.resolution if closed else None,
        "closed_by": _closed_by(contact),
    }
