"""Strings of Django and installed apps that their Russian catalogues lack, for ours to translate.

Nothing imports this module: gettext_noop only makes makemessages keep them in our django.po, which
LOCALE_PATHS puts first."""

from django.utils.translation import gettext_noop

MSGIDS = [
    # django/db/models/fields/__init__.py: BLANK_CHOICE_LABEL.
    gettext_noop("- Select an option -"),
    # django/contrib/admin/templates/admin/date_hierarchy.html
    gettext_noop("Filter by %(field_name)s"),
    # django_tasks_db/models.py
    gettext_noop("Task Result"),
    gettext_noop("Task Results"),
    gettext_noop("status"),
    gettext_noop("enqueued at"),
    gettext_noop("started at"),
    gettext_noop("finished at"),
    gettext_noop("args kwargs"),
    gettext_noop("priority"),
    gettext_noop("task path"),
    gettext_noop("worker id"),
    gettext_noop("queue name"),
    gettext_noop("backend name"),
    gettext_noop("run after"),
    gettext_noop("return value"),
    gettext_noop("exception class path"),
    gettext_noop("traceback"),
    # axes/models.py, axes/admin.py: left in English by axes' Russian catalogue.
    gettext_noop("User Agent"),
    gettext_noop("Locked Out"),
]
