"""The routing service's refusals, shared by the service, the views and the API."""


class SplitRefused(ValueError):
    """A split would leave a lead without identifiers, or names what the lead does not hold."""


class MergeChanged(Exception):
    """A lead to merge changed since the manager was told what the merge drops; nothing merged."""

    def __init__(self, plan):
        super().__init__("the merge would drop other identifiers now")
        self.plan = plan


class ContactChanged(Exception):
    """The contact is no longer as the caller saw it."""


class ContactNotOpen(Exception):
    """The contact waits or is closed: it has no operator to take it, or to pass it on."""

    def __init__(self, contact):
        super().__init__(f"contact {contact.pk} is {contact.status}")
        self.contact = contact


class ActionRefused(ValueError):
    """A manager's action that the contact's state does not allow; the message says why."""


class TokenRotated(Exception):
    """The request's token is no longer its bot's; nothing was written."""


class IdempotencyConflict(Exception):
    """The bot already sent a contact with this external_id, with another lead or message."""

    def __init__(self, contact):
        super().__init__(f"external_id {contact.external_id!r} is already used by contact {contact.pk}")
        self.contact = contact


class IdentifierTaken(ValueError):
    """Another lead holds the identifier a manager gave a lead; nothing was changed."""

    def __init__(self, holder):
        super().__init__(f"lead {holder.pk} holds it")
        self.holder = holder
