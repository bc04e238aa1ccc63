from django.http import HttpResponse
from django.views.decorators.http import require_safe

from .. import selectors
from ..forms import ReportForm
from ..http import HtmxHttpRequest
from ..models import Bot
from ..permissions import permission_required
from .common import push_same_range, render_page


@permission_required("distribution.view_report")
@require_safe
def report(request: HtmxHttpRequest) -> HttpResponse:
    bots = list(Bot.objects.all())
    form = ReportForm(request.GET, bots=bots)
    context: dict[str, object] = {"form": form}
    if form.is_valid():
        data, period = form.cleaned_data, form.period_used()
        context["period"] = period
        start, end = period.bounds
        chosen = [data["bot"]] if data["bot"] else bots
        context["report"] = shares = selectors.distribution_report(start=start, end=end, bots=chosen)
        context["response"] = selectors.response_report(
            start=start,
            end=end,
            bots=chosen,
            operators=[total.operator for total in shares.operators],
            bot=data["bot"],
        )
        context["one_bot"] = data["bot"]
        context["closes"] = selectors.closes_by_reason(start=start, end=end, bot=data["bot"])
    status = 200 if form.is_valid() else 422
    response = render_page(request, "report/page.html", context, partials=("report",), status=status)
    return push_same_range(request, response, form.query())
