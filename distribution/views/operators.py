from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from .. import routing, selectors
from ..forms import CapacityForm, OperatorForm, OperatorRenameForm, ShiftsForm, save_operator
from ..http import AuthenticatedHttpRequest, HtmxHttpRequest
from ..models import Operator
from ..permissions import permission_required
from . import overview
from .common import (
    OPERATOR_WORK,
    confirm,
    next_url,
    operator_page_context,
    operator_work,
    render_page,
    respond,
    tell_assigned,
    to_page,
    unarchive,
)

ROW = "operators/list.html#operator-row"


@permission_required("distribution.view_operator", post="distribution.add_operator")
def operator_list(request: HtmxHttpRequest) -> HttpResponse:
    form = OperatorForm(request.POST or None)
    operator = save_operator(form) if request.method == "POST" and form.is_valid() else None
    if operator is not None:
        messages.success(request, _("Operator %(operator)s added.") % {"operator": operator.name})
        if not request.htmx:
            return redirect("operators")
        form = OperatorForm()
    archived = request.GET.get("archived") == "1"
    operators = selectors.operators_with_load().filter(archived_at__isnull=not archived)
    context = {"operators": operators, "form": form, "archived": archived}
    status = 422 if form.errors else 200
    return render_page(
        request, "operators/list.html", context, partials=("operators-content",), status=status
    )


def _row(request: HtmxHttpRequest, pk: int, **context) -> HttpResponse:
    """The row of the operators list, the operator page's controls and open contacts, or the
    overview's load: whichever the action came from."""
    status = 422 if context.get("capacity_form") else 200
    if request.htmx and request.htmx.target == OPERATOR_WORK:
        return operator_work(request, pk, status=status, **context)
    if request.htmx and request.htmx.target == overview.LOAD:
        return overview.load_part(request)
    return respond(
        request,
        ROW,
        lambda: {"operator": selectors.operators_with_load().get(pk=pk), **context},
        redirect_to=next_url(request, "operators"),
        status=status,
    )


@permission_required("distribution.change_operator")
@require_POST
def operator_switch(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    operator = get_object_or_404(Operator, pk=pk)
    is_active = request.POST.get("is_active") == "on"
    if is_active and operator.archived_at:
        messages.error(
            request, _("%(operator)s is archived: unarchive it first.") % {"operator": operator.name}
        )
        return _row(request, pk)
    was_active = operator.is_active
    assigned = routing.set_operator_active(operator=operator, is_active=is_active, by=request.user)
    if is_active == was_active:  # a stale page's switch
        if is_active:
            messages.info(request, _("%(operator)s was already switched on.") % {"operator": operator.name})
        else:
            messages.info(request, _("%(operator)s was already switched off.") % {"operator": operator.name})
    elif is_active:
        messages.success(request, _("%(operator)s switched on.") % {"operator": operator.name})
    else:
        messages.success(request, _("%(operator)s switched off.") % {"operator": operator.name})
    tell_assigned(request, assigned)
    return _row(request, pk)


@permission_required("distribution.change_operator")
@require_POST
def operator_capacity(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    operator = get_object_or_404(Operator, pk=pk)
    form = CapacityForm(request.POST)
    if not form.is_valid():
        if not request.htmx:
            messages.error(request, f"{operator.name}: {form.errors['max_open_contacts'][0]}")
        return _row(request, pk, capacity_form=form)
    assigned = routing.set_operator_capacity(
        operator=operator, max_open_contacts=form.cleaned_data["max_open_contacts"]
    )
    capacity = operator.max_open_contacts
    held = ngettext(
        "%(operator)s can now hold %(count)s open contact.",
        "%(operator)s can now hold %(count)s open contacts.",
        capacity,
    )
    messages.success(request, held % {"operator": operator.name, "count": capacity})
    open_now = selectors.load(operator)
    if open_now > capacity:
        # Counted by the open contacts: the limit's own word follows it in the sentence.
        over = ngettext(
            "%(operator)s has %(count)s open contact now, more than %(capacity)s: it stays, and no new "
            "contact goes to %(operator)s until fewer than %(capacity)s are open.",
            "%(operator)s has %(count)s open contacts now, more than %(capacity)s: they stay, and no new "
            "contact goes to %(operator)s until fewer than %(capacity)s are open.",
            open_now,
        )
        messages.warning(request, over % {"operator": operator.name, "count": open_now, "capacity": capacity})
    tell_assigned(request, assigned)
    return _row(request, pk)


@permission_required("distribution.hand_over")
@require_http_methods(["GET", "POST"])
def operator_hand_over(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    operator = get_object_or_404(Operator, pk=pk)
    handed, was_active = selectors.load(operator), operator.is_active
    if request.method == "GET":
        return confirm(
            request,
            title=_("Hand over the contacts of %(operator)s") % {"operator": operator.name},
            question=ngettext(
                "Switch %(operator)s off and hand their %(count)s open contact back to the queue?",
                "Switch %(operator)s off and hand their %(count)s open contacts back to the queue?",
                handed,
            )
            % {"operator": operator.name, "count": handed},
            button=_("Hand over"),
            cancel=reverse("operators"),
        )
    reassigned = routing.hand_over_contacts(operator=operator, by=request.user)
    if handed:
        text = ngettext(
            "%(operator)s switched off; %(count)s open contact handed back to the queue, %(reassigned)s "
            "already re-assigned.",
            "%(operator)s switched off; %(count)s open contacts handed back to the queue, %(reassigned)s "
            "already re-assigned.",
            handed,
        )
        messages.success(
            request, text % {"operator": operator.name, "count": handed, "reassigned": len(reassigned)}
        )
    elif was_active:
        messages.success(
            request, _("%(operator)s switched off; they had no open contacts.") % {"operator": operator.name}
        )
    else:  # a second tab's hand-over, or one done meanwhile
        messages.info(
            request,
            _("%(operator)s was already switched off and has no open contacts: nothing was handed over.")
            % {"operator": operator.name},
        )
    # Other operators took contacts: the whole table changed, not only this row.
    return respond(
        request,
        "operators/list.html#operators-content",
        lambda: {
            "operators": selectors.operators_with_load().filter(archived_at=None),
            "form": OperatorForm(),
        },
        redirect_to="operators",
    )


@permission_required("distribution.view_operator")
@require_safe
def operator_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return render_page(request, "operators/detail.html", operator_page_context(pk))


@permission_required("distribution.change_operator")
@require_POST
def operator_shifts(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    operator = get_object_or_404(Operator, pk=pk)
    if request.POST.get("remove"):
        shifts = None
    else:
        form = ShiftsForm(request.POST, stored=operator.shifts)
        if not form.is_valid():
            # The whole page without JavaScript, so that what was typed stays in the form.
            context = {**operator_page_context(pk), "shifts_form": form}
            return render_page(request, "operators/detail.html", context, partials=("shifts",), status=422)
        shifts = form.cleaned_data["schedule"]
    routing.set_operator_shifts(operator=operator, shifts=shifts)
    if shifts is None:
        text = _("%(operator)s has no shifts now: switch them on and away by hand.")
    else:
        text = _("Shifts of %(operator)s saved: the service applies them shortly.")
    messages.success(request, text % {"operator": operator.name})
    return respond(
        request,
        "operators/detail.html#shifts",
        lambda: {"operator": operator, "shifts_form": ShiftsForm(stored=operator.shifts)},
        redirect_to=operator.get_absolute_url(),
    )


@permission_required("distribution.change_operator")
@require_POST
def operator_rename(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    operator = get_object_or_404(Operator, pk=pk)
    old_name = operator.name
    form = OperatorRenameForm(request.POST, instance=operator)
    if form.is_valid() and save_operator(form) is not None:
        messages.success(request, _("%(old)s is now %(new)s.") % {"old": old_name, "new": operator.name})
        return to_page(request, operator)
    operator.name = old_name
    context = {**operator_page_context(pk), "rename_form": form}
    return render_page(request, "operators/detail.html", context, partials=("operator-edit",), status=422)


@permission_required("distribution.change_operator")
@require_http_methods(["GET", "POST"])
def operator_archive(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    operator = get_object_or_404(Operator, pk=pk)
    if operator.archived_at:  # a second tab's archive
        messages.info(request, _("%(operator)s was already archived.") % {"operator": operator.name})
        return to_page(request, operator)
    handed = selectors.load(operator)
    if request.method == "GET":
        return confirm(
            request,
            title=_("Archive %(operator)s") % {"operator": operator.name},
            question=ngettext(
                "Archive %(operator)s? It is switched off for good, its %(count)s open contact goes back to "
                "the queue, and it leaves the lists; its history stays.",
                "Archive %(operator)s? It is switched off for good, its %(count)s open contacts go back to "
                "the queue, and it leaves the lists; its history stays.",
                handed,
            )
            % {"operator": operator.name, "count": handed},
            button=_("Archive"),
            cancel=operator.get_absolute_url(),
        )
    reassigned = routing.archive_operator(operator=operator, by=request.user)
    text = ngettext(
        "%(operator)s archived; %(count)s open contact handed back to the queue, %(reassigned)s already "
        "re-assigned.",
        "%(operator)s archived; %(count)s open contacts handed back to the queue, %(reassigned)s already "
        "re-assigned.",
        handed,
    )
    messages.success(
        request, text % {"operator": operator.name, "count": handed, "reassigned": len(reassigned)}
    )
    return to_page(request, operator)


@permission_required("distribution.change_operator")
@require_POST
def operator_unarchive(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return unarchive(
        request,
        Operator,
        pk,
        act=lambda operator: routing.unarchive_operator(operator=operator),
        not_archived=_("%(operator)s was not archived."),
        done=_("%(operator)s is back, switched off: switch it on to give it contacts."),
    )
