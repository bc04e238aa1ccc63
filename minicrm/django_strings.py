"""Strings that Django 6.1 and django-tasks-db show a manager (the dashboard's selects, the admin)
and that their own Russian catalogues lack. Marked here so that makemessages keeps them in the
project's catalogue, which Django reads before its own: the admin and the forms read in Russian.
django-tasks-db's name in the admin is no translatable string at all: TasksConfig names it."""

from django.utils.translation import gettext_lazy, gettext_noop
from django_tasks_db.apps import TasksAppConfig

STRINGS = [
    # Django: the blank choice of every select (forms, admin actions).
    gettext_noop("- Select an option -"),
    # Django admin: the label of a list's date filter (date_hierarchy).
    gettext_noop("Filter by %(field_name)s"),
    # django-tasks-db: its model in the admin.
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
]


class TasksConfig(TasksAppConfig):
    """django-tasks-db (INSTALLED_APPS) under a name the admin's index can translate."""

    verbose_name = gettext_lazy("Background tasks")
