"""Strings of Django and of installed apps that their own Russian catalogues lack (Django 6.1's has
no "- Select an option -" or "Filter by %(field_name)s", django_tasks_db has none). Our catalogue
comes first (LOCALE_PATHS), so translating them there is enough; gettext_noop marks them here only
so that makemessages keeps them in django.po. Nothing imports this module."""

from django.utils.translation import gettext_noop

MSGIDS = [
    # django/db/models/fields/__init__.py: BLANK_CHOICE_LABEL, the admin's empty choice.
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
    # axes/models.py, axes/admin.py: in axes' Russian catalogue as English.
    gettext_noop("User Agent"),
    gettext_noop("Locked Out"),
]
