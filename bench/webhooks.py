"""How long a healthy webhook's events wait while other bots' receivers misbehave (issue 18, items 2
and 3): the worker's delivery loop on a throw-away SQLite database, receivers on 127.0.0.1.

    .venv/bin/python bench/webhooks.py slow     # one receiver answers 200 after 4.5 s, 40 events behind
    .venv/bin/python bench/webhooks.py dns      # five webhooks whose DNS lookups hang, 10 events each

In both, a healthy bot sends one contact a second for --seconds; its receiver answers at once. The
report is each of its events' wait, from the change to the receiver's answer being recorded:
worst, median, and how many were still undelivered --grace seconds after the last was sent.
WEBHOOK_TIMEOUT 5 s, WEBHOOK_CONCURRENCY 4 and WEBHOOK_POLL_EVERY 1 s, as shipped.
"""

import argparse
import socket
import statistics
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness

# A lookup of a name whose DNS server never answers: glibc gives up after its own timeouts.
DNS_HANG = 20.0


class Receiver(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, delay: float, release: threading.Event):
        super().__init__(("127.0.0.1", 0), Handler)
        self.delay, self.release = delay, release

    def serve(self) -> "Receiver":
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self


class Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        self.server.release.wait(self.server.delay)
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format, *args) -> None:
        pass


def hanging_dns(release: threading.Event):
    real = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        if isinstance(host, str) and host.endswith(".dead.test"):
            release.wait(DNS_HANG)
            raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
        return real(host, *args, **kwargs)

    return getaddrinfo


def run(scenario: str, seconds: int, grace: int) -> int:
    from django.conf import settings

    from distribution import routing, webhooks
    from distribution.management.commands import worker
    from distribution.models import Operator, Webhook, WebhookDelivery
    from distribution.tokens import create_bot

    settings.WEBHOOK_ALLOW_PRIVATE = True
    release = threading.Event()
    operator = Operator.objects.create(name="Everyone's", max_open_contacts=100_000)
    events = list(Webhook.Event.values)

    def bot_with_webhook(name: str, url: str):
        bot, _ = create_bot(name=name)
        routing.set_weight(bot=bot, operator=operator, weight=10)
        webhooks.save_webhook(bot=bot, url=url, events=events)
        return bot

    def contact(bot, n: int) -> None:
        routing.register_contact(bot=bot, identity=routing.LeadIdentity(external_id=f"{bot.pk}-{n}"))

    if scenario == "slow":
        slow = Receiver(4.5, release).serve()
        bot = bot_with_webhook("Slow", f"http://127.0.0.1:{slow.server_address[1]}/hook")
        for n in range(40):
            contact(bot, n)
    else:
        socket.getaddrinfo = hanging_dns(release)
        for k in range(5):
            bot = bot_with_webhook(f"Dead DNS {k}", f"http://hooks-{k}.dead.test/hook")
            for n in range(10):
                contact(bot, n)
    healthy = Receiver(0, release).serve()
    # A name from /etc/hosts, looked up like any other.
    healthy_bot = bot_with_webhook("Healthy", f"http://localhost:{healthy.server_address[1]}/hook")

    stop = threading.Event()
    loop = threading.Thread(target=worker.deliver_webhooks, kwargs={"every": 1, "stop": stop})
    loop.start()
    started = time.monotonic()
    try:
        for n in range(seconds):
            contact(healthy_bot, n)
            time.sleep(max(0.0, started + n + 1 - time.monotonic()))
        ours = WebhookDelivery.objects.filter(webhook__bot=healthy_bot)
        harness.wait_until(
            lambda: not ours.exclude(status=WebhookDelivery.Status.DELIVERED).exists(),
            timeout=grace,
            what="the healthy webhook's events",
        )
    except TimeoutError:
        pass
    finally:
        undelivered = ours.exclude(status=WebhookDelivery.Status.DELIVERED).count()
        waits = [
            (d.delivered_at - d.created_at).total_seconds()
            for d in ours.filter(status=WebhookDelivery.Status.DELIVERED)
        ]
        others = WebhookDelivery.objects.exclude(webhook__bot=healthy_bot)
        others_delivered = others.filter(status=WebhookDelivery.Status.DELIVERED).count()
        others_total = others.count()
        stop.set()
        release.set()
        loop.join(timeout=60)
    print(
        f"{scenario}: healthy webhook, {len(waits) + undelivered} events: "
        f"{undelivered} undelivered {grace} s after the last was sent; waits of the delivered ones: "
        + (f"worst {max(waits):.1f} s, median {statistics.median(waits):.2f} s" if waits else "none")
        + f"; the others: {others_delivered} of {others_total} delivered"
    )
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("scenario", choices=["slow", "dns"])
    parser.add_argument("--seconds", type=int, default=60, help="how long the healthy bot sends (default 60)")
    parser.add_argument("--grace", type=int, default=60, help="how long to wait after that (default 60)")
    args = parser.parse_args()
    with harness.database("sqlite") as db:
        harness.use_database(db)
        return run(args.scenario, args.seconds, args.grace)


if __name__ == "__main__":
    sys.exit(main())
