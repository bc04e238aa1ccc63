import random
import secrets
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from distribution import permissions, routing, schedules
from distribution.models import Bot, Contact, ContactEvent, IdentifierSource, Lead, Operator, OperatorEvent
from distribution.tokens import create_bot


@dataclass(frozen=True)
class Words:
    """The demo's names and texts in one language; each list as long as the English one, so that a
    seed makes the same month in every language."""

    channels: tuple[str, ...]  # in the order of CHANNELS
    desks: tuple[str, ...]  # in the order of DESKS
    bot_name: str  # from {channel} and {desk}
    operators: tuple[tuple[str, int], ...]  # name and capacity
    logins: tuple[str, str]  # the usernames of the first two operators
    first: tuple[tuple[str, str, bool], ...]  # a lead's first name, in Latin letters, and whether a woman's
    last: tuple[tuple[str, str], ...]  # a man's and a woman's form
    messages: tuple[str, ...]
    notes: tuple[str, ...]  # an operator's notes on a close


# The keys the demo's rules name channels and desks by; the English words are these.
CHANNELS = ("Telegram", "WhatsApp", "VK", "Viber", "Web chat", "Instagram")
DESKS = ("Sales", "Support", "Billing", "Delivery", "Returns")
WORDS = {
    "en": Words(
        channels=CHANNELS,
        desks=DESKS,
        bot_name="{channel} {desk}",
        operators=(
            ("Alice Morgan", 8),
            ("Boris Petrov", 6),
            ("Chen Wei", 6),
            ("Dana Levi", 5),
            ("Emil Novak", 5),
            ("Fatima Zahra", 8),
            ("Gustavo Lima", 4),
            ("Hana Sato", 6),
            ("Igor Smirnov", 5),
            ("Julia Rossi", 6),
            ("Kofi Mensah", 4),
            ("Lena Fischer", 5),
        ),
        logins=("alice", "boris"),
        first=tuple(
            (name, name.lower(), woman)
            for name, woman in [
                ("Anna", True),
                ("Ivan", False),
                ("Maria", True),
                ("Oleg", False),
                ("Sofia", True),
                ("Pavel", False),
                ("Elena", True),
                ("Dmitri", False),
                ("Olga", True),
                ("Nikita", False),
                ("Eva", True),
                ("Tom", False),
                ("Lucas", False),
                ("Mia", True),
                ("Noah", False),
                ("Zoe", True),
                ("Artem", False),
                ("Vera", True),
                ("Kirill", False),
                ("Daria", True),
            ]
        ),
        last=tuple(
            (name, name)
            for name in [
                "Ivanova",
                "Kuznetsov",
                "Popova",
                "Sokolov",
                "Lebedeva",
                "Novikov",
                "Morozova",
                "Volkov",
                "Smith",
                "Garcia",
                "Müller",
                "Kim",
            ]
        ),
        messages=(
            "Hello, I want to order",
            "Where is my parcel?",
            "Can I pay by card?",
            "I'd like to return an item",
            "Do you deliver on Sundays?",
            "The app shows an error",
            "Is this available in blue?",
            "Please call me back",
            "Thanks, that helped!",
        ),
        notes=(
            "Order placed",
            "Tracking number sent",
            "Refund issued",
            "Answered, nothing more to do",
            "Called back",
            "Price list sent",
        ),
    ),
    "ru": Words(
        channels=("Telegram", "WhatsApp", "ВКонтакте", "Viber", "Чат на сайте", "Instagram"),
        desks=("продажи", "поддержка", "оплата", "доставка", "возвраты"),
        bot_name="{channel} — {desk}",
        operators=(
            ("Алина Морозова", 8),
            ("Борис Петров", 6),
            ("Виктор Ким", 6),
            ("Дарья Левина", 5),
            ("Евгений Новиков", 5),
            ("Фатима Захарова", 8),
            ("Григорий Лебедев", 4),
            ("Галина Сорокина", 6),
            ("Игорь Смирнов", 5),
            ("Юлия Орлова", 6),
            ("Кирилл Мельников", 4),
            ("Людмила Фёдорова", 5),
        ),
        logins=("alina", "boris"),
        first=(
            ("Анна", "anna", True),
            ("Иван", "ivan", False),
            ("Мария", "maria", True),
            ("Олег", "oleg", False),
            ("Софья", "sofia", True),
            ("Павел", "pavel", False),
            ("Елена", "elena", True),
            ("Дмитрий", "dmitry", False),
            ("Ольга", "olga", True),
            ("Никита", "nikita", False),
            ("Ева", "eva", True),
            ("Тимур", "timur", False),
            ("Лука", "luka", False),
            ("Милана", "milana", True),
            ("Назар", "nazar", False),
            ("Зоя", "zoya", True),
            ("Артём", "artem", False),
            ("Валерия", "valeria", True),
            ("Кирилл", "kirill", False),
            ("Дарья", "daria", True),
        ),
        last=(
            ("Иванов", "Иванова"),
            ("Кузнецов", "Кузнецова"),
            ("Попов", "Попова"),
            ("Соколов", "Соколова"),
            ("Лебедев", "Лебедева"),
            ("Новиков", "Новикова"),
            ("Морозов", "Морозова"),
            ("Волков", "Волкова"),
            ("Смирнов", "Смирнова"),
            ("Гарипов", "Гарипова"),
            ("Миллер", "Миллер"),
            ("Ким", "Ким"),
        ),
        messages=(
            "Здравствуйте, хочу сделать заказ",
            "Где моя посылка?",
            "Можно оплатить картой?",
            "Хочу вернуть товар",
            "Вы доставляете по воскресеньям?",
            "Приложение показывает ошибку",
            "Есть ли это в синем цвете?",
            "Перезвоните мне, пожалуйста",
            "Спасибо, это помогло!",
        ),
        notes=(
            "Заказ оформлен",
            "Трек-номер отправлен",
            "Деньги возвращены",
            "Ответ дан, вопрос решён",
            "Клиенту перезвонили",
            "Прайс-лист отправлен",
        ),
    ),
}
PERIOD = timedelta(days=30)
# Rule 9: how long each channel's operators have to take a new contact; VK's follow the default.
ANSWER_WITHIN = {
    "Telegram": timedelta(minutes=5),
    "WhatsApp": timedelta(minutes=5),
    "Web chat": timedelta(minutes=3),
    "Instagram": timedelta(minutes=10),
    "Viber": timedelta(minutes=15),
}
# Rule 10: a lead who writes to these desks again within a month goes back to its operator.
RETURNING_DESKS = {"Sales", "Support", "Billing"}
# From this share of the contacts on, one operator stops taking its contacts: they pass on, and it
# is switched away.
DISTRACTED_FROM = 13 / 15
# Rule 11, as "HH:MM" pairs per weekday, Monday first, in TIME_ZONE.
WEEKDAYS_9_TO_6 = [[("09:00", "18:00")]] * 5 + [[], []]
HOURS = {
    "Billing": WEEKDAYS_9_TO_6,
    "Delivery": [[("08:00", "22:00")]] * 7,
}
# The returns desk of the last channel has a holiday today and tomorrow: closed now, whenever the
# demo runs.
HOLIDAY_BOT = (CHANNELS[-1], "Returns")
# By the operator's place in the list of operators.
SHIFTS = {
    2: [[("08:00", "17:00")]] * 5 + [[], []],
    3: [[("13:00", "22:00")]] * 5 + [[], []],
    # A night shift, 22:00 to 06:00: the part after midnight is the next day's.
    4: [[("00:00", "06:00"), ("22:00", "24:00")]] * 7,
    7: [
        [],
        [],
        [],
        [],
        [],
        [("10:00", "14:00"), ("15:00", "19:00")],
        [("10:00", "14:00"), ("15:00", "19:00")],
    ],
}


class Command(BaseCommand):
    help = (
        "Fill an empty database with a realistic demo: 30 bots, 12 operators, leads who write "
        "through several bots, open, waiting and closed contacts over the last 30 days (taken, "
        "passed on, overdue, returning to their operator), bots with working hours (one closed now), "
        "operators with shifts, a manager login and two operator logins; names and messages in the "
        "language of --language."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="do nothing, successfully, when the database already has data",
        )
        parser.add_argument(
            "--password", default="", help="the password of all three logins (default: one random each)"
        )
        parser.add_argument(
            "--language",
            choices=sorted(WORDS),
            default=None,
            help="the language of the names and messages (default: LANGUAGE_CODE's)",
        )
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument(
            "--contacts",
            type=int,
            default=900,
            help="how many contacts the month has, a lead per 6 (default 900)",
        )

    def handle(self, *args, if_empty, password, language, seed, contacts, **options):
        if Bot.objects.exists() or Operator.objects.exists() or Contact.objects.exists():
            if if_empty:
                self.stdout.write("The database already has data: demo left it as it is.")
                return
            raise CommandError("The database is not empty; demo only fills an empty one.")
        words = WORDS[language or settings.LANGUAGE_CODE]
        with transaction.atomic():
            bot, token = self._fill(random.Random(seed), words, contacts=contacts)
            logins = {"Manager login": self._login("manager", password, group=permissions.MANAGERS)}
            for operator, username in zip(Operator.objects.order_by("pk"), words.logins, strict=False):
                logins[f"Operator login ({operator.name})"] = self._operator_login(
                    operator, username, password
                )
            # The demo's manager is its administrator too: a superuser, who opens all of Django
            # admin and gives logins their roles there (Users, Groups). Its Managers group keeps
            # the dashboard open to it if that is taken away.
            manager = logins["Manager login"][0]
            manager.is_staff = manager.is_superuser = True
            manager.save()
        counts = {s: Contact.objects.filter(status=s).count() for s in Contact.Status.values}
        self.stdout.write(
            f"Demo data: {Bot.objects.count()} bots, {Operator.objects.count()} operators, "
            f"{Lead.objects.count()} leads, {counts['open']} open, {counts['waiting']} waiting, "
            f"{counts['closed']} closed contacts."
        )
        for label, (user, login_password) in logins.items():
            self.stdout.write(f"{label}: username '{user.get_username()}', password '{login_password}'")
        self.stdout.write(f"Token of bot '{bot.name}': {token}")

    def _login(self, username: str, password: str, *, group: str) -> tuple[User, str]:
        """A login in `group` (made by migration 0008_roles) and its password: `password`, or a
        random one."""
        password = password or secrets.token_urlsafe(9)
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            user = get_user_model().objects.create_user(username)
        user.set_password(password)
        user.save()
        user.groups.add(Group.objects.get(name=group))
        return user, password

    def _operator_login(self, operator: Operator, username: str, password: str) -> tuple[User, str]:
        """The login `operator` works its own contacts with: the Operators group lets it into the
        operator's workspace only, where Operator.user tells whose contacts are its own."""
        user, password = self._login(username, password, group=permissions.OPERATORS)
        user.first_name, _, user.last_name = operator.name.partition(" ")
        user.save(update_fields=["first_name", "last_name"])
        operator.user = user
        operator.save(update_fields=["user"])
        return user, password

    def _fill(self, rng: random.Random, words: Words, *, contacts: int) -> tuple[Bot, str]:
        """Fill the month; return its first bot and that bot's token."""
        started = timezone.now()
        operators = [
            Operator.objects.create(name=name, max_open_contacts=capacity)
            for name, capacity in words.operators
        ]
        first_token = ""
        bots: dict[tuple[str, str], Bot] = {}
        away = operators[-1]  # goes on leave near the end: the bots only she serves start to queue
        # Stops taking contacts near the end: they pass on, those of the bot only he serves become
        # overdue, and the service switches him away for his misses (rule 9).
        distracted = operators[-2]
        for channel, channel_name in zip(CHANNELS, words.channels, strict=True):
            for desk, desk_name in zip(DESKS, words.desks, strict=True):
                bot, token = create_bot(name=words.bot_name.format(channel=channel_name, desk=desk_name))
                if channel != "Web chat":  # a messenger vouches for the phone its user shared
                    Bot.objects.filter(pk=bot.pk).update(verifies_phone=True)
                if channel in ANSWER_WITHIN:
                    routing.set_bot_answer_within(bot=bot, within=ANSWER_WITHIN[channel])
                if desk in RETURNING_DESKS:
                    routing.set_bot_return_within(bot=bot, within=PERIOD)
                first_token = first_token or token
                bots[channel, desk] = bot
                if channel == CHANNELS[-1] and desk in DESKS[-2:]:
                    team = [away]
                elif channel == "Web chat" and desk == DESKS[-1]:
                    team = [distracted]
                else:
                    team = rng.sample(operators[:-1], rng.randint(2, 5))
                for operator in team:
                    routing.set_weight(bot=bot, operator=operator, weight=rng.choice([10, 10, 20, 30, 40]))

        leads = []
        for number in range(max(1, contacts // 6)):
            (first, latin, woman), last = rng.choice(words.first), rng.choice(words.last)
            name = f"{first} {last[woman]}"
            identity = routing.LeadIdentity.normalised(
                external_id=f"tg-{5000 + number}" if rng.random() < 0.7 else "",
                email=f"{latin.capitalize()}.{number}@Example.com" if rng.random() < 0.6 else "",
                phone=f"+7 999 {100 + number:03d}-{rng.randint(10, 99)}-{rng.randint(10, 99)}",
                name=name,
            )
            # Each lead has favourite bots and writes mostly through them.
            leads.append((identity, rng.sample(list(bots.values()), rng.randint(1, 4))))

        for number in range(contacts):
            if number == contacts * 17 // 18:
                routing.set_operator_active(operator=away, is_active=False)
            skipping = distracted if number >= contacts * DISTRACTED_FROM else None
            identity, favourite_bots = rng.choice(leads)
            contact = routing.register_contact(
                bot=rng.choice(favourite_bots),
                identity=identity,
                message=rng.choice(words.messages),
                external_id=f"msg-{number}",
            ).contact
            self._take(rng, [contact], skipping)
            if number % 25 == 24:
                self._deadlines_pass(rng, distracted, later=timedelta(hours=1))
            # Operators answer most contacts, and keep up until the last stretch.
            if rng.random() < 0.9:
                open_contacts = Contact.objects.filter(status=Contact.Status.OPEN).order_by("created_at")
                closing = open_contacts[rng.randint(0, min(5, open_contacts.count() - 1))]
                assigned = routing.close_contact(
                    contact=closing,
                    reason=ContactEvent.Reason.OPERATOR,
                    note=words.notes[closing.pk % len(words.notes)],
                )
                self._take(rng, assigned, skipping)

        # End of the day: everyone who is on works at about two thirds of their capacity.
        for operator in operators[:-2]:
            held = list(operator.contacts.filter(status=Contact.Status.OPEN).order_by("created_at"))
            for contact in held[: max(0, len(held) - operator.max_open_contacts * 2 // 3)]:
                routing.close_contact(contact=contact, reason=ContactEvent.Reason.OPERATOR)

        self._spread_over_period(started, timezone.now())
        routing.rebuild_daily_counts()  # the contacts moved to other days
        # The worker's first sweep: what is past its deadline now passes on, today.
        self._deadlines_pass(rng, distracted)
        self._working_hours(bots, operators)
        return bots[CHANNELS[0], DESKS[0]], first_token

    def _working_hours(self, bots: dict[tuple[str, str], Bot], operators: list[Operator]) -> None:
        """Give a few operators shifts, switched as the worker would now, then a few bots working
        hours (rule 11), stored as they are: the month before had none, its deadlines stay."""
        zone = ZoneInfo(settings.TIME_ZONE)

        def schedule(week: list, days_off: frozenset = frozenset()) -> schedules.Schedule:
            minutes = (
                tuple((schedules.parse_time(a), schedules.parse_time(b)) for a, b in day) for day in week
            )
            return schedules.Schedule(zone, tuple(minutes), days_off)

        for place, week in SHIFTS.items():
            routing.set_operator_shifts(operator=operators[place], shifts=schedule(week))
        routing.apply_shift_edges()
        today = timezone.localtime(timezone=zone).date()
        for (channel, desk), bot in bots.items():
            if (channel, desk) == HOLIDAY_BOT:
                hours = schedule(WEEKDAYS_9_TO_6, frozenset({today, today + timedelta(days=1)}))
            elif desk in HOURS:
                hours = schedule(HOURS[desk])
            else:
                continue
            Bot.objects.filter(pk=bot.pk).update(hours=hours.to_json())

    def _take(self, rng: random.Random, contacts: list[Contact], skipping: Operator | None) -> None:
        """Operators take most contacts as they get them (in /me/, or the bot says so); the
        `skipping` one takes none."""
        for contact in contacts:
            if contact.operator_id in (None, getattr(skipping, "pk", None)) or rng.random() >= 0.9:
                continue
            routing.accept_contact(contact=contact, bot=contact.bot if rng.random() < 0.5 else None)

    def _deadlines_pass(self, rng: random.Random, distracted: Operator, later=timedelta(0)) -> None:
        """Pass on the contacts not taken by `later` from now (rule 9), as the worker does. Whoever
        but `distracted` was switched away for its misses, a manager switches back on."""
        passed = routing.pass_on_due(now=timezone.now() + later)
        self._take(rng, passed.passed_on + passed.assigned, distracted)
        for operator in passed.away:
            if operator != distracted:
                routing.set_operator_active(operator=operator, is_active=True)

    def _spread_over_period(self, started, finished) -> None:
        """The contacts were made in a few seconds; stretch that time line over the last 30 days,
        keeping its order, so that ages, periods and reports look like a real month."""
        now = timezone.now()
        scale = PERIOD / max(finished - started, timedelta(microseconds=1))

        def stretch(moment):
            return moment and now - PERIOD + (moment - started) * scale

        contacts = list(Contact.objects.all())
        for contact in contacts:
            assigned = contact.assigned_at
            contact.created_at = stretch(contact.created_at)
            contact.assigned_at = stretch(assigned)
            contact.accepted_at = stretch(contact.accepted_at)
            contact.closed_at = stretch(contact.closed_at)
            # A deadline keeps its bot's time after the assignment, however the day stretched.
            if assigned is not None:
                contact.answer_by = contact.answer_by and contact.assigned_at + (contact.answer_by - assigned)
                contact.overdue_since = contact.overdue_since and (
                    contact.assigned_at + (contact.overdue_since - assigned)
                )
        fields = ["created_at", "assigned_at", "accepted_at", "closed_at", "answer_by", "overdue_since"]
        Contact.objects.bulk_update(contacts, fields, batch_size=500)
        events = list(ContactEvent.objects.all())
        for event in events:
            event.at = stretch(event.at)
        ContactEvent.objects.bulk_update(events, ["at"], batch_size=500)
        switches = list(OperatorEvent.objects.all())
        for switch in switches:
            switch.at = stretch(switch.at)
        OperatorEvent.objects.bulk_update(switches, ["at"], batch_size=500)
        sources = list(IdentifierSource.objects.all())
        for source in sources:
            source.created_at = stretch(source.created_at)
        IdentifierSource.objects.bulk_update(sources, ["created_at"], batch_size=500)
        leads = list(Lead.objects.all())
        for lead in leads:
            lead.created_at = stretch(lead.created_at)
        Lead.objects.bulk_update(leads, ["created_at"], batch_size=500)
