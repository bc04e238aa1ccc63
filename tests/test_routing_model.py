"""A differential test of the intake's fast path and the capacity events: random sequences of
arrivals (new and returning leads), closes, switches, capacity and weight changes run through the
real services and through the plain statement of rules 1-5 (docs/rules.md) below, compared event by
event: the operator chosen (or the queue), the lead created or found, the contacts each drain
assigns and in which order, every BotOperator's round-robin state and the queue's order."""

from dataclasses import dataclass, field

from django.db import transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from distribution import routing
from distribution.models import BotOperator, Contact, Operator
from distribution.tokens import create_bot

BOTS, OPERATORS, LEADS = 2, 3, 6


# The rules, stated plainly -------------------------------------------------------------------------


@dataclass
class Model:
    active: dict[int, bool]  # operator -> switched on
    capacity: dict[int, int]
    weight: dict[tuple[int, int], int]  # (bot, operator) -> weight; the links
    current: dict[tuple[int, int], int]  # the round robin's state of each link
    leads: set[str] = field(default_factory=set)
    contacts: dict[int, dict] = field(default_factory=dict)  # id -> bot, status, operator (in arrival order)

    def load(self, operator: int) -> int:  # rule 2
        return sum(1 for c in self.contacts.values() if c["status"] == "open" and c["operator"] == operator)

    def eligible(self, bot: int) -> list[int]:  # rule 3
        return sorted(
            operator
            for (b, operator), weight in self.weight.items()
            if b == bot
            and weight > 0
            and self.active[operator]
            and self.load(operator) < self.capacity[operator]
        )

    def choose(self, bot: int) -> int | None:  # rule 4
        eligible = self.eligible(bot)
        if not eligible:
            return None
        for operator in eligible:
            self.current[bot, operator] += self.weight[bot, operator]
        best = max(self.current[bot, operator] for operator in eligible)
        chosen = min(operator for operator in eligible if self.current[bot, operator] == best)
        self.current[bot, chosen] -= sum(self.weight[bot, operator] for operator in eligible)
        return chosen

    def arrive(self, contact_id: int, bot: int, lead: str) -> tuple[int | None, bool]:  # rules 1, 5
        created = lead not in self.leads
        self.leads.add(lead)
        operator = self.choose(bot)
        self.contacts[contact_id] = {
            "bot": bot,
            "status": "open" if operator else "waiting",
            "operator": operator,
        }
        return operator, created

    def drain(self, bots: set[int]) -> list[tuple[int, int]]:  # rule 5: oldest first
        assigned, pending = [], set(bots)
        while True:
            waiting = [
                pk for pk, c in self.contacts.items() if c["status"] == "waiting" and c["bot"] in pending
            ]
            if not waiting:
                return assigned
            oldest = waiting[0]
            operator = self.choose(self.contacts[oldest]["bot"])
            if operator is None:
                pending.discard(self.contacts[oldest]["bot"])
                continue
            self.contacts[oldest].update(status="open", operator=operator)
            assigned.append((oldest, operator))

    def bots_of(self, operator: int) -> set[int]:
        return {bot for bot, o in self.weight if o == operator}

    def close(self, contact_id: int) -> list[tuple[int, int]]:  # rule 2: a slot freed
        contact = self.contacts[contact_id]
        was_open, operator = contact["status"] == "open", contact["operator"]
        contact["status"] = "closed"
        return self.drain(self.bots_of(operator)) if was_open else []

    def switch(self, operator: int, on: bool) -> list[tuple[int, int]]:
        self.active[operator] = on
        return self.drain(self.bots_of(operator)) if on else []

    def set_capacity(self, operator: int, capacity: int) -> list[tuple[int, int]]:
        raised = capacity > self.capacity[operator]
        self.capacity[operator] = capacity
        return self.drain(self.bots_of(operator)) if raised else []

    def set_weight(self, bot: int, operator: int, weight: int) -> list[tuple[int, int]]:
        raised = weight > self.weight.get((bot, operator), 0)
        self.weight[bot, operator] = weight
        self.current.setdefault((bot, operator), 0)
        return self.drain({bot}) if raised else []

    def queue(self) -> list[int]:
        return [pk for pk, c in self.contacts.items() if c["status"] == "waiting"]


# The random sequences ----------------------------------------------------------------------------

operations = st.one_of(
    st.tuples(st.just("arrive"), st.integers(0, BOTS - 1), st.integers(0, LEADS - 1)),
    st.tuples(st.just("arrive"), st.integers(0, BOTS - 1), st.integers(0, LEADS - 1)),
    st.tuples(st.just("close"), st.integers(0, 1000)),
    st.tuples(st.just("switch"), st.integers(0, OPERATORS - 1), st.booleans()),
    st.tuples(st.just("capacity"), st.integers(0, OPERATORS - 1), st.integers(1, 3)),
    st.tuples(st.just("weight"), st.integers(0, BOTS - 1), st.integers(0, OPERATORS - 1), st.integers(1, 40)),
)
setups = st.fixed_dictionaries(
    {
        "capacities": st.lists(st.integers(1, 3), min_size=OPERATORS, max_size=OPERATORS),
        "links": st.lists(
            st.tuples(st.integers(0, BOTS - 1), st.integers(0, OPERATORS - 1), st.integers(1, 40)),
            min_size=2,
            max_size=BOTS * OPERATORS,
            unique_by=lambda link: link[:2],
        ),
    }
)


def _drained(contacts: list[Contact]) -> list[tuple[int, int]]:
    return [(contact.pk, contact.operator_id) for contact in contacts]


def _run(setup: dict, steps: list[tuple]) -> None:
    bots = [create_bot(name=f"Bot {number}")[0] for number in range(BOTS)]
    operators = [
        Operator.objects.create(name=f"Operator {number}", max_open_contacts=capacity)
        for number, capacity in enumerate(setup["capacities"])
    ]
    for bot, operator, weight in setup["links"]:
        BotOperator.objects.create(bot=bots[bot], operator=operators[operator], weight=weight)
    model = Model(
        active={operator.pk: True for operator in operators},
        capacity={operator.pk: operator.max_open_contacts for operator in operators},
        weight={(bots[b].pk, operators[o].pk): weight for b, o, weight in setup["links"]},
        current={(bots[b].pk, operators[o].pk): 0 for b, o, _ in setup["links"]},
    )
    for number, step in enumerate(steps):
        kind, *args = step
        if kind == "arrive":
            bot, lead = bots[args[0]], f"lead-{args[1]}"
            registration = routing.register_contact(bot=bot, identity=routing.LeadIdentity(external_id=lead))
            contact = registration.contact
            expected = model.arrive(contact.pk, bot.pk, lead)
            actual = (contact.operator_id, registration.lead_created)
        else:
            if kind == "close":
                unclosed = [pk for pk, c in model.contacts.items() if c["status"] != "closed"]
                if not unclosed:
                    continue
                pk = unclosed[args[0] % len(unclosed)]
                actual = _drained(routing.close_contact(contact=Contact.objects.get(pk=pk)))
                expected = model.close(pk)
            elif kind == "switch":
                operator, on = operators[args[0]], args[1]
                actual = _drained(routing.set_operator_active(operator=operator, is_active=on))
                expected = model.switch(operator.pk, on)
            elif kind == "capacity":
                operator, capacity = operators[args[0]], args[1]
                actual = _drained(
                    routing.set_operator_capacity(operator=operator, max_open_contacts=capacity)
                )
                expected = model.set_capacity(operator.pk, capacity)
            else:
                bot, operator, weight = bots[args[0]], operators[args[1]], args[2]
                actual = _drained(routing.set_weight(bot=bot, operator=operator, weight=weight))
                expected = model.set_weight(bot.pk, operator.pk, weight)
        assert actual == expected, f"step {number}: {step}"
        state = {(link.bot_id, link.operator_id): link.current_weight for link in BotOperator.objects.all()}
        assert state == model.current, f"round-robin state after step {number}: {step}"
        queue = list(
            Contact.objects.filter(status=Contact.Status.WAITING)
            .order_by("created_at", "pk")
            .values_list("pk", flat=True)
        )
        assert queue == model.queue(), f"queue after step {number}: {step}"


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(setup=setups, steps=st.lists(operations, min_size=5, max_size=40))
# Two bots share a full operator and both queue: the slot freed goes to the older contact.
@example(
    setup={"capacities": [1, 1, 1], "links": [(0, 0, 10), (1, 0, 10)]},
    steps=[("arrive", 0, 0), ("arrive", 0, 1), ("arrive", 1, 2), ("close", 0)],
)
def test_it_follows_the_rules_step_by_step(db, setup, steps):
    # Each example starts from an empty database: its writes are rolled back at its end.
    with transaction.atomic():
        _run(setup, steps)
        transaction.set_rollback(True)
