from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def install_intake_function(sender, using, **kwargs) -> None:
    """Replace the PostgreSQL intake function with the code's text after every migrate."""
    from django.db import connections

    from .routing import intake_function

    intake_function.install(connections[using])


class DistributionConfig(AppConfig):
    name = "distribution"
    verbose_name = _("Contact distribution")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from . import checks  # noqa: F401  (registers them)
        from .time_zones import remember_at_login

        user_logged_in.connect(remember_at_login, dispatch_uid="distribution.time_zones")

        post_migrate.connect(install_intake_function, sender=self)
