"""The routing service: the rules of docs/rules.md, by subject, behind one public surface.

Views, commands and the admin parse their input and call these functions; none of them decides
who gets a contact or what counts as load. Each write that carries a rule runs in its own
transaction, in the lock order of docs/locking.md.
"""

from ..exceptions import (
    ActionRefused,
    ContactChanged,
    ContactNotOpen,
    IdempotencyConflict,
    IdentifierTaken,
    MergeChanged,
    SplitRefused,
    TokenRotated,
)
from ..identifiers import IDENTIFIERS, LeadIdentity
from .answering import PassOns, accept_contact, pass_on_due
from .archive import archive_bot, archive_operator, rename_bot, unarchive_bot, unarchive_operator
from .figures import rebuild_daily_counts
from .intake import Registration, register_contact
from .leads import (
    MergePlan,
    add_lead_identifier,
    dismiss_duplicate,
    find_lead,
    merge_leads,
    merge_plan,
    record_edited_identifiers,
    remove_lead_identifier,
    rename_lead,
    set_bot_vouches,
    split_lead,
)
from .lifecycle import (
    Sweep,
    auto_close_due,
    close_contact,
    hand_over_contacts,
    remove_operator,
    reopen_contact,
    set_bot_answer_within,
    set_bot_auto_close,
    set_bot_hours,
    set_bot_return_within,
    set_operator_active,
    set_operator_capacity,
    set_weight,
    sweep_idle_contacts,
    transfer_contact,
)
from .queue import drain_queue
from .shifts import apply_shift_edges, set_operator_shifts

__all__ = [
    "IDENTIFIERS",
    "ActionRefused",
    "ContactChanged",
    "ContactNotOpen",
    "IdempotencyConflict",
    "IdentifierTaken",
    "LeadIdentity",
    "MergeChanged",
    "MergePlan",
    "PassOns",
    "Registration",
    "SplitRefused",
    "Sweep",
    "TokenRotated",
    "accept_contact",
    "add_lead_identifier",
    "apply_shift_edges",
    "archive_bot",
    "archive_operator",
    "auto_close_due",
    "close_contact",
    "dismiss_duplicate",
    "drain_queue",
    "find_lead",
    "hand_over_contacts",
    "merge_leads",
    "merge_plan",
    "pass_on_due",
    "rebuild_daily_counts",
    "record_edited_identifiers",
    "register_contact",
    "remove_lead_identifier",
    "remove_operator",
    "rename_bot",
    "rename_lead",
    "reopen_contact",
    "set_bot_answer_within",
    "set_bot_auto_close",
    "set_bot_hours",
    "set_bot_return_within",
    "set_bot_vouches",
    "set_operator_active",
    "set_operator_capacity",
    "set_operator_shifts",
    "set_weight",
    "split_lead",
    "sweep_idle_contacts",
    "transfer_contact",
    "unarchive_bot",
    "unarchive_operator",
]
