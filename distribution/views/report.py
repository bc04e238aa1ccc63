from typing import Any

from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_safe

from .. import exports, response_times, selectors
from ..forms import ReportForm
from ..http import HtmxHttpRequest
from ..models import Bot
from ..permissions import permission_required
from ..templatetags.at_most import at_most
from ..templatetags.percent import percent
from .common import push_same_range, render_page


@permission_required("distribution.view_report")
@require_safe
def report(request: HtmxHttpRequest) -> HttpResponse:
    bots = list(Bot.objects.all())
    form = ReportForm(request.GET, bots=bots)
    query = form.query()
    context: dict[str, object] = {"form": form, "query": query}
    if form.is_valid():
        context.update(_figures(form, bots))
    status = 200 if form.is_valid() else 422
    response = render_page(request, "report/page.html", context, partials=("report",), status=status)
    return push_same_range(request, response, query)


def _figures(form: ReportForm, bots: list[Bot]) -> dict[str, Any]:
    data, period = form.cleaned_data, form.period_used()
    start, end = period.bounds
    chosen = [data["bot"]] if data["bot"] else bots
    shares = selectors.distribution_report(start=start, end=end, bots=chosen)
    return {
        "period": period,
        "report": shares,
        "response": selectors.response_report(
            start=start,
            end=end,
            bots=chosen,
            operators=[total.operator for total in shares.operators],
            bot=data["bot"],
        ),
        "one_bot": data["bot"],
        "closes": selectors.closes_by_reason(start=start, end=end, bot=data["bot"]),
    }


@permission_required("distribution.view_report")
@require_safe
def report_export(request: HtmxHttpRequest) -> HttpResponseBase:
    """The report of the chosen period and bot as a CSV file: its tables one below the other."""
    bots = list(Bot.objects.all())
    form = ReportForm(request.GET, bots=bots)
    if not form.is_valid():
        return report(request)
    figures = _figures(form, bots)
    shares: selectors.Report = figures["report"]
    response: selectors.ResponseReport = figures["response"]
    one_bot = form.cleaned_data["bot"]
    first, last = shares.start.date(), shares.last_day.date()
    rows: list[list[object]] = [
        [_("Distribution report"), first, last, one_bot.name if one_bot else _("All bots")],
        [],
        [_("Bot"), _("Operator"), _("Weight"), _("Weight share, %"), _("Actual share, %"), _("Contacts")],
    ]
    for bot_report in shares.bots:
        for share in bot_report.shares:
            rows.append(
                [
                    bot_report.bot.name,
                    share.operator.name,
                    share.weight,
                    percent(share.weight_percent),
                    percent(share.actual_percent),
                    share.contacts,
                ]
            )
    rows += [[], [_("Operator"), *_response_headers()]]
    rows += [[row.subject.name, *_response_cells(row.figures)] for row in response.operators]
    rows.append([pgettext("response times", "Total"), *_response_cells(response.total)])
    rows += [[], [_("Closed"), _("Contacts")]]
    rows += [[str(reason), count] for reason, count in figures["closes"]]
    what = f"report-{slugify(one_bot.slug)}" if one_bot else "report"
    return exports.csv_response(rows, filename=f"{what}-{first.isoformat()}-{last.isoformat()}.csv")


def _response_headers() -> list[str]:
    def named(name: str, *percentiles: str) -> list[str]:
        return [f"{pgettext('response times', name)}, {p}" for p in percentiles]

    return [
        pgettext("response times", "Assigned"),
        pgettext("response times", "Taken"),
        pgettext("response times", "Missed"),
        pgettext("response times", "Passed on"),
        pgettext("response times", "Returned"),
        pgettext("response times", "Closed untaken"),
        *named("Time to take", "p50", "p90"),
        f"{pgettext('response times', 'Taken in time')}, %",
        *named("Queue wait", "p50", "p90"),
        pgettext("response times", "Time to close, p50"),
    ]


def _response_cells(figures: response_times.Figures) -> list[object]:
    return [
        figures.assigned,
        figures.taken,
        figures.missed,
        figures.passed_on,
        figures.returned,
        figures.closed_untaken,
        at_most(figures.take_p50),
        at_most(figures.take_p90),
        percent(figures.in_time_percent) if figures.in_time_percent is not None else "",
        at_most(figures.wait_p50),
        at_most(figures.wait_p90),
        at_most(figures.close_p50),
    ]
