"""Real local servers for the notification tests: SMTP (aiosmtpd), a silent TCP listener; and the
settings that point the app at them (``use_smtp``) or send without delay (``send_at_once``)."""
import asyncio
import email
import email.policy
import socket
import threading
import time
from datetime import timedelta

from aiosmtpd.controller import Controller

from app.clock import utcnow


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class MailSink:
    """An aiosmtpd handler that keeps every message (parsed), optionally slowly."""

    def __init__(self, delay=0.0):
        self.messages = []
        self.envelopes = []  # the SMTP envelope sender (MAIL FROM) of each message
        self.delay = delay
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append((envelope.rcpt_tos, message))
            self.envelopes.append(envelope.mail_from)
        return "250 OK"


class SmtpServer:
    def __init__(self, delay=0.0):
        self.sink = MailSink(delay)
        self.port = free_port()
        self.controller = Controller(self.sink, hostname="127.0.0.1", port=self.port)

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()

    @property
    def messages(self):
        with self.sink.lock:
            return [m for _, m in self.sink.messages]

    def wait_for(self, count, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.messages) >= count:
                return True
            time.sleep(0.02)
        return False


class SilentServer:
    """Accepts TCP connections and never answers (a hanging webhook receiver). On another loopback
    address (``host="127.0.0.2"``) it stands for an internal service: ``connections`` shows whether
    anything reached it."""

    def __init__(self, host="127.0.0.1"):
        self.sock = socket.socket()
        self.sock.bind((host, 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.connections = []
        self._stop = False
        self.thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self):
        self.sock.settimeout(0.2)
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
                self.connections.append(conn)
            except OSError:
                continue

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self._stop = True
        self.thread.join(timeout=2)
        for conn in self.connections:
            conn.close()
        self.sock.close()


def later(seconds=1):
    """A moment just past now: a dispatch run at it finds what was queued a moment ago as due."""
    return utcnow() + timedelta(seconds=seconds)


def put_settings(**values):
    """Admin settings as a test needs them (``NAME="value"``), committed."""
    from app import settings
    from app.extensions import db

    for name, value in values.items():
        settings.put(name, value)
    db.session.commit()


def send_at_once(**more):
    """Messages go out at the next dispatch (no merge delay, no quiet hours) and link to a public
    address; ``more`` settings besides."""
    put_settings(NOTIFY_MERGE_SECONDS="0", NOTIFY_QUIET_HOURS="-", PUBLIC_URL="https://shop.example", **more)


def use_smtp(port, **more):
    """Mail goes to the SMTP server on 127.0.0.1:``port`` (an ``SmtpServer``'s, or a ``free_port()``
    where nothing listens); ``more`` settings besides."""
    put_settings(SMTP_HOST="127.0.0.1", SMTP_PORT=str(port), **more)


def orders_with_emails(db, make_order, total):
    """``total`` customers with an e-mail address, each with a new order: the ids of the e-mails queued."""
    from app.notify.models import Notification
    from app.orders.models import Customer

    for i in range(total):
        person = Customer(name=f"Клієнт {i}", email=f"client{i}@example.com", language="uk")
        db.session.add(person)
        make_order(customer=person)
    ids = set(db.session.execute(db.select(Notification.id).filter_by(channel="email")).scalars())
    assert len(ids) == total
    return ids
