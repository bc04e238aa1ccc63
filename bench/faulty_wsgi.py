"""minicrm.wsgi with one fault planted, for bench/load.py --kill-after-close: the first close whose
drain has a waiting contact to serve kills its gunicorn worker (SIGKILL) after the close committed
and before the drain. FAULT_MARKER names a file made once, so that only one worker dies."""

import os
import signal

from minicrm.wsgi import application  # noqa: F401  (gunicorn serves it; it sets Django up)


def plant() -> None:
    from distribution.models import Contact
    from distribution.routing import lifecycle

    drain_queue = lifecycle.drain_queue

    def drain_or_die(*, bot_ids):
        bot_ids = list(bot_ids)
        if Contact.objects.filter(bot_id__in=bot_ids, status=Contact.Status.WAITING).exists():
            try:
                os.close(os.open(os.environ["FAULT_MARKER"], os.O_CREAT | os.O_EXCL))
            except FileExistsError:
                pass
            else:
                os.kill(os.getpid(), signal.SIGKILL)
        return drain_queue(bot_ids=bot_ids)

    lifecycle.drain_queue = drain_or_die


plant()
