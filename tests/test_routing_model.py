"""A differential test of the intake's fast path, the capacity events and the deadlines: random
sequences of arrivals (new and returning leads, identifiers vouched for or not), closes, switches,
capacity and weight changes, contacts taken and minutes passing run through the real services and
through the plain statement of docs/rules.md's rules 1-5 and 8-11 below, compared event by event:
the operator chosen (or the queue), the lead created or found, every lead's identifiers and marks,
the contacts each drain assigns and in which order, what each sweep passes on, leaves overdue and
switches away, every BotOperator's round-robin state and the queue's order."""

import datetime
from dataclasses import dataclass, field

from django.db import transaction
from django.test import override_settings
from hypothesis import example, given
from hypothesis import strategies as st

from distribution import routing
from distribution.models import Bot, BotOperator, Contact, Lead, Operator
from distribution.tokens import create_bot

from .conftest import fuzz_settings

BOTS, OPERATORS, LEADS = 2, 3, 6
FIELDS = ("external_id", "email")
AWAY_AFTER = 2  # misses in a row (AWAY_AFTER_MISSED)
MINUTE = datetime.timedelta(minutes=1)
# Ahead of the real time (PostgreSQL stamps an assignment at the later of the two), two hours before
# the bots with hours open and their operators' shifts begin.
START = datetime.datetime(2027, 1, 4, 7, 0, tzinfo=datetime.UTC)
OPEN, CLOSE, SHIFT_END = 9 * 60, 18 * 60, 13 * 60  # minutes of the day, UTC
HOURS = {"time_zone": "UTC", "week": [[["09:00", "18:00"]]] * 7}
SHIFTS = {"time_zone": "UTC", "week": [[["09:00", "13:00"]]] * 7}


# The rules, stated plainly -------------------------------------------------------------------------


@dataclass
class Model:
    active: dict[int, bool]  # operator -> switched on
    capacity: dict[int, int]
    weight: dict[tuple[int, int], int]  # (bot, operator) -> weight; the links
    current: dict[tuple[int, int], int]  # the round robin's state of each link
    verifies: dict[int, frozenset[str]]  # bot -> the identifiers it vouches for
    within: dict[int, int | None]  # bot -> minutes to take a new contact (rule 9)
    returns: dict[int, int | None]  # bot -> minutes a lead goes back to its operator (rule 10)
    # In order of creation: identifiers, whether each was vouched for, and the possible duplicate's index.
    leads: list[dict] = field(default_factory=list)
    # id -> bot, lead, status, operator, assigned (minute), taken, answer_by, overdue, missed (by whom);
    # in arrival order.
    contacts: dict[int, dict] = field(default_factory=dict)
    history: dict[int, list[str]] = field(default_factory=dict)  # operator -> "missed" / "taken", in order
    hours: dict[int, bool] = field(default_factory=dict)  # bot -> open 9 to 18 only (rule 11)
    shifts: dict[int, int | None] = field(default_factory=dict)  # operator with a 9-to-13 shift -> next edge
    now: int = 0  # minutes since START

    @staticmethod
    def minute_of_day(at: int) -> int:
        return (START.hour * 60 + at) % (24 * 60)

    def is_open(self, bot: int, at: int | None = None) -> bool:  # rule 11
        at = self.now if at is None else at
        return not self.hours.get(bot) or OPEN <= self.minute_of_day(at) < CLOSE

    def in_shift(self, at: int) -> bool:
        return OPEN <= self.minute_of_day(at) < SHIFT_END

    def deadline(self, bot: int, within: int) -> int:  # rule 9 in open minutes
        at, left = self.now, within
        while left:
            left -= self.is_open(bot, at)
            at += 1
        return at

    def first_match(self, wanted: dict[str, str], verified: frozenset[str] | None = None) -> int | None:
        for name, value in wanted.items():
            for index, lead in enumerate(self.leads):
                if lead["ids"].get(name) == value and (
                    verified is None or (name in verified and lead["verified"][name])
                ):
                    return index
        return None

    def resolve(self, wanted: dict[str, str], verified: frozenset[str]) -> tuple[int, bool]:  # rule 1
        found = self.first_match(wanted, verified)
        taken = {(n, v) for i, lead in enumerate(self.leads) if i != found for n, v in lead["ids"].items()}
        free = {name: value for name, value in wanted.items() if (name, value) not in taken}
        if found is None:
            self.leads.append(
                {
                    "ids": free,
                    "verified": {name: name in verified for name in free},
                    "duplicate_of": self.first_match(wanted),
                }
            )
            return len(self.leads) - 1, True
        lead = self.leads[found]
        for name, value in free.items():
            if name not in lead["ids"]:
                lead["ids"][name], lead["verified"][name] = value, name in verified
            elif lead["ids"][name] == value and name in verified:
                lead["verified"][name] = True
        return found, False

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

    def choose(self, bot: int, excluded=(), returning_to: int | None = None) -> int | None:  # rules 4, 10
        eligible = [operator for operator in self.eligible(bot) if operator not in excluded]
        if not eligible:
            return None
        if returning_to in eligible:
            return returning_to
        for operator in eligible:
            self.current[bot, operator] += self.weight[bot, operator]
        best = max(self.current[bot, operator] for operator in eligible)
        chosen = min(operator for operator in eligible if self.current[bot, operator] == best)
        self.current[bot, chosen] -= sum(self.weight[bot, operator] for operator in eligible)
        return chosen

    def returning(self, bot: int, lead: int) -> int | None:  # rule 10
        window = self.returns[bot]
        if window is None:
            return None
        assigned = [
            (c["assigned"], pk, c["operator"])
            for pk, c in self.contacts.items()
            if c["lead"] == lead and c["operator"] is not None and c["assigned"] >= self.now - window
        ]
        return max(assigned)[2] if assigned else None

    def assign(self, contact_id: int, operator: int) -> None:
        bot = self.contacts[contact_id]["bot"]
        within = self.within[bot]
        self.contacts[contact_id].update(
            status="open",
            operator=operator,
            assigned=self.now,
            taken=False,
            answer_by=None if within is None else self.deadline(bot, within),
            overdue=False,
        )

    def arrive(
        self, contact_id: int, bot: int, wanted: dict[str, str], verified: frozenset[str] | None
    ) -> tuple[int | None, int, bool]:  # rules 1, 5, 10
        lead, created = self.resolve(wanted, self.verifies[bot] if verified is None else verified)
        operator = None
        if self.is_open(bot):
            operator = self.choose(bot, returning_to=None if created else self.returning(bot, lead))
        self.contacts[contact_id] = {"bot": bot, "lead": lead, "status": "waiting", "operator": None}
        self.contacts[contact_id].update(
            assigned=None, taken=False, answer_by=None, overdue=False, missed=set()
        )
        if operator is not None:
            self.assign(contact_id, operator)
        return operator, lead, created

    def take(self, contact_id: int) -> None:  # rule 8
        contact = self.contacts[contact_id]
        if not contact["taken"]:
            contact["taken"] = True
            self.history.setdefault(contact["operator"], []).append("taken")

    def pass_on_due(self) -> tuple[list, list, list, list]:  # rule 9
        passed, overdue, away, assigned = [], [], [], []
        missed_by = set()
        due = sorted(
            (c["answer_by"], pk)
            for pk, c in self.contacts.items()
            if c["status"] == "open"
            and not c["taken"]
            and c["answer_by"] is not None
            and c["answer_by"] <= self.now
        )
        for _, pk in due:
            contact = self.contacts[pk]
            old, missing = contact["operator"], not contact["overdue"]
            operator = self.choose(contact["bot"], excluded={old, *contact["missed"]})
            if operator is None and not missing:
                continue
            if missing:
                contact["missed"].add(old)
                self.history.setdefault(old, []).append("missed")
                missed_by.add(old)
            if operator is None:
                contact["overdue"] = True
                overdue.append(pk)
                continue
            self.assign(pk, operator)
            passed.append((pk, operator))
            assigned += self.drain(self.bots_of(old))
        for operator in sorted(missed_by):
            if self.active[operator] and self.history[operator][-AWAY_AFTER:] == ["missed"] * AWAY_AFTER:
                away.append(operator)
        for operator in away:
            self.active[operator] = False
            passed += self.pass_on_new(operator)
        return passed, overdue, away, assigned

    def pass_on_new(self, operator: int) -> list[tuple[int, int]]:
        moved = []
        for pk, contact in self.contacts.items():
            if contact["operator"] == operator and contact["status"] == "open" and not contact["taken"]:
                other = self.choose(contact["bot"], excluded={operator, *contact["missed"]})
                if other is not None:
                    self.assign(pk, other)
                    moved.append((pk, other))
        return moved

    def apply_shifts(self) -> tuple[list[int], list[tuple[int, int]]]:  # rule 11 for operators
        switched, moved = [], []
        for operator, edge in sorted(self.shifts.items()):
            if edge is not None and edge > self.now:
                continue
            on = self.in_shift(self.now)
            self.shifts[operator] = next(
                at for at in range(self.now + 1, self.now + 1500) if self.in_shift(at) != on
            )
            if self.active[operator] == on:
                continue
            self.active[operator] = on
            switched.append(operator)
            moved += self.drain(self.bots_of(operator)) if on else self.pass_on_new(operator)
        return switched, moved

    def waiting_bots(self) -> set[int]:
        return {c["bot"] for c in self.contacts.values() if c["status"] == "waiting"}

    def drain(self, bots: set[int]) -> list[tuple[int, int]]:  # rule 5: oldest first
        assigned, pending = [], {bot for bot in bots if self.is_open(bot)}
        while True:
            waiting = [
                pk for pk, c in self.contacts.items() if c["status"] == "waiting" and c["bot"] in pending
            ]
            if not waiting:
                return assigned
            oldest = waiting[0]
            bot = self.contacts[oldest]["bot"]
            operator = self.choose(bot, returning_to=self.returning(bot, self.contacts[oldest]["lead"]))
            if operator is None:
                pending.discard(bot)
                continue
            self.assign(oldest, operator)
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

vouched = st.none() | st.frozensets(st.sampled_from(FIELDS))
arrivals = st.tuples(
    st.just("arrive"),
    st.integers(0, BOTS - 1),
    st.integers(0, LEADS - 1),
    st.none() | st.integers(0, LEADS - 1),  # an e-mail too, maybe another lead's
    vouched,
)
ticks = st.tuples(st.just("tick"), st.sampled_from([1, 3, 5, 60, 120]))
operations = st.one_of(
    arrivals,
    arrivals,
    st.tuples(st.just("close"), st.integers(0, 1000)),
    st.tuples(st.just("switch"), st.integers(0, OPERATORS - 1), st.booleans()),
    st.tuples(st.just("capacity"), st.integers(0, OPERATORS - 1), st.integers(1, 3)),
    st.tuples(st.just("weight"), st.integers(0, BOTS - 1), st.integers(0, OPERATORS - 1), st.integers(1, 40)),
    st.tuples(st.just("take"), st.integers(0, 1000)),
    ticks,
    ticks,
    ticks,
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
        "verifies": st.lists(st.frozensets(st.sampled_from(FIELDS)), min_size=BOTS, max_size=BOTS),
        "within": st.lists(st.sampled_from([None, 3, 5]), min_size=BOTS, max_size=BOTS),
        "returns": st.lists(st.sampled_from([None, 4, 60]), min_size=BOTS, max_size=BOTS),
        "hours": st.lists(st.booleans(), min_size=BOTS, max_size=BOTS),
        "shifts": st.lists(st.booleans(), min_size=OPERATORS, max_size=OPERATORS),
    }
)


def _drained(contacts: list[Contact]) -> list[tuple[int, int]]:
    return [(contact.pk, contact.operator_id) for contact in contacts]


def _run(setup: dict, steps: list[tuple], clock) -> None:
    bots = [create_bot(name=f"Bot {number}")[0] for number in range(BOTS)]
    operators = [
        Operator.objects.create(name=f"Operator {number}", max_open_contacts=capacity)
        for number, capacity in enumerate(setup["capacities"])
    ]
    for bot, operator, weight in setup["links"]:
        BotOperator.objects.create(bot=bots[bot], operator=operators[operator], weight=weight)
    for bot, verifies, within, returns, hours in zip(
        bots, setup["verifies"], setup["within"], setup["returns"], setup["hours"], strict=True
    ):
        Bot.objects.filter(pk=bot.pk).update(
            **{f"verifies_{name}": name in verifies for name in FIELDS},
            answer_within=within and within * MINUTE,
            return_within=returns and returns * MINUTE,
            hours=HOURS if hours else None,
        )
    for operator, shifts in zip(operators, setup["shifts"], strict=True):
        Operator.objects.filter(pk=operator.pk).update(shifts=SHIFTS if shifts else None)
    model = Model(
        active={operator.pk: True for operator in operators},
        capacity={operator.pk: operator.max_open_contacts for operator in operators},
        weight={(bots[b].pk, operators[o].pk): weight for b, o, weight in setup["links"]},
        current={(bots[b].pk, operators[o].pk): 0 for b, o, _ in setup["links"]},
        verifies={bot.pk: verifies for bot, verifies in zip(bots, setup["verifies"], strict=True)},
        within={bot.pk: within for bot, within in zip(bots, setup["within"], strict=True)},
        returns={bot.pk: returns for bot, returns in zip(bots, setup["returns"], strict=True)},
        hours={bot.pk: hours for bot, hours in zip(bots, setup["hours"], strict=True)},
        shifts={operator.pk: None for operator, on in zip(operators, setup["shifts"], strict=True) if on},
    )
    lead_pks: list[int] = []  # the model's lead indexes, as primary keys
    for number, step in enumerate(steps):
        kind, *args = step
        if kind == "arrive":
            bot, wanted, verified = bots[args[0]], {"external_id": f"lead-{args[1]}"}, args[3]
            if args[2] is not None:
                wanted["email"] = f"lead-{args[2]}@example.com"
            registration = routing.register_contact(
                bot=bot, identity=routing.LeadIdentity(**wanted), verified=verified
            )
            contact = registration.contact
            if registration.lead_created:
                lead_pks.append(contact.lead_id)
            expected = model.arrive(contact.pk, bot.pk, wanted, verified)
            actual = (contact.operator_id, lead_pks.index(contact.lead_id), registration.lead_created)
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
            elif kind == "weight":
                bot, operator, weight = bots[args[0]], operators[args[1]], args[2]
                actual = _drained(routing.set_weight(bot=bot, operator=operator, weight=weight))
                expected = model.set_weight(bot.pk, operator.pk, weight)
            elif kind == "take":
                new = [pk for pk, c in model.contacts.items() if c["status"] == "open" and not c["taken"]]
                if not new:
                    continue
                pk = new[args[0] % len(new)]
                routing.accept_contact(contact=Contact.objects.get(pk=pk))
                actual = expected = model.take(pk)
            else:
                clock.advance(args[0] * MINUTE)
                model.now += args[0]
                switched, moved = routing.apply_shift_edges()
                done = routing.pass_on_due()
                swept = routing.sweep_idle_contacts()
                actual = (
                    [operator.pk for operator in switched],
                    _drained(moved),
                    _drained(done.passed_on),
                    [contact.pk for contact in done.overdue],
                    [operator.pk for operator in done.away],
                    _drained(done.assigned),
                    _drained(swept.assigned),
                )
                shifted = model.apply_shifts()
                expected = (*shifted, *model.pass_on_due(), model.drain(model.waiting_bots()))
        assert actual == expected, f"step {number}: {step}"
        leads = {
            lead.pk: {
                "ids": {name: getattr(lead, name) for name in FIELDS if getattr(lead, name)},
                "verified": {
                    name: getattr(lead, f"{name}_verified") for name in FIELDS if getattr(lead, name)
                },
                "duplicate_of": lead.duplicate_of_id and lead_pks.index(lead.duplicate_of_id),
            }
            for lead in Lead.objects.all()
        }
        assert [leads[pk] for pk in lead_pks] == model.leads, f"leads after step {number}: {step}"
        state = {(link.bot_id, link.operator_id): link.current_weight for link in BotOperator.objects.all()}
        assert state == model.current, f"round-robin state after step {number}: {step}"
        queue = list(
            Contact.objects.filter(status=Contact.Status.WAITING)
            .order_by("created_at", "pk")
            .values_list("pk", flat=True)
        )
        assert queue == model.queue(), f"queue after step {number}: {step}"
        contacts = {
            pk: (status, operator, accepted is not None, overdue is not None)
            for pk, status, operator, accepted, overdue in Contact.objects.values_list(
                "pk", "status", "operator", "accepted_at", "overdue_since"
            )
        }
        assert contacts == {
            pk: (c["status"], c["operator"], c["taken"], c["overdue"]) for pk, c in model.contacts.items()
        }, f"contacts after step {number}: {step}"


@fuzz_settings(examples=150)
@given(setup=setups, steps=st.lists(operations, min_size=5, max_size=40))
# Two bots share a full operator and both queue: the slot freed goes to the older contact.
@example(
    setup={
        "capacities": [1, 1, 1],
        "links": [(0, 0, 10), (1, 0, 10)],
        "verifies": [frozenset(FIELDS)] * 2,
        "within": [None, None],
        "returns": [None, None],
        "hours": [False, False],
        "shifts": [False, False, False],
    },
    steps=[
        ("arrive", 0, 0, None, None),
        ("arrive", 0, 1, None, None),
        ("arrive", 1, 2, None, None),
        ("close", 0),
    ],
)
# An e-mail typed into a bot that does not vouch for it: a new lead, marked; then vouched for.
@example(
    setup={
        "capacities": [3, 3, 3],
        "links": [(0, 0, 10), (1, 1, 10)],
        "verifies": [frozenset(FIELDS), frozenset()],
        "within": [None, None],
        "returns": [None, None],
        "hours": [False, False],
        "shifts": [False, False, False],
    },
    steps=[
        ("arrive", 0, 0, 0, None),
        ("arrive", 1, 1, 0, None),
        ("arrive", 1, 2, 3, None),
        ("arrive", 0, 4, 3, None),
        ("arrive", 1, 2, 3, frozenset(FIELDS)),
    ],
)
def test_it_follows_the_rules_step_by_step(db, clock, setup, steps):
    clock.now = START
    # Each example starts from an empty database: its writes are rolled back at its end.
    with override_settings(ANSWER_WITHIN=None, AWAY_AFTER_MISSED=AWAY_AFTER), transaction.atomic():
        _run(setup, steps, clock)
        transaction.set_rollback(True)
