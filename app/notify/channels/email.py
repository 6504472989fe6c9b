"""E-mail over SMTP (HTML and plain text), or into the dev mailbox when no SMTP is configured.

The SMTP connection is reused for every message of one dispatcher run.
"""
import json
import re
import smtplib
import socket
import uuid
from base64 import encodebytes
from email.header import Header
from email.utils import formataddr, formatdate, parseaddr

from email_validator import SPECIAL_USE_DOMAIN_NAMES, EmailNotValidError, validate_email
from flask import current_app, url_for
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from markupsafe import Markup, escape

from app import settings
from app.extensions import db
from app.notify import preferences, skips
from app.notify.channels import Channel, DeliveryError, register
from app.notify.models import DevMail
from app.notify.problems import problem
from app.outbound import RefusedAddress, admin_guard
from app.text import one_line


def _header(value):
    """A header value as 7-bit text (RFC 2047 encoded words when it is not ASCII), on one line:
    data in a header (a customer's name, a subject from a template) never starts a header of its own."""
    value = one_line(value) or ""
    return value if value.isascii() else Header(value, "utf-8").encode(linesep="\r\n")


def address_header(name, address):
    """An address header value (From, To): the display name encoded on its own (RFC 2047), the
    address left readable, so a Cyrillic name never hides the address from mail servers."""
    return formataddr((one_line(name) or "", one_line(address) or ""), charset="utf-8")


def _base64(text):
    return encodebytes(text.encode("utf-8")).decode("ascii").replace("\n", "\r\n")


def _mime(headers, text, html):
    """multipart/alternative with base64 parts, built directly: the ``email`` package's generator
    costs more than the SMTP round trips, and these messages always have the same shape."""
    boundary = f"=_posylka_{uuid.uuid4().hex}"
    lines = [f"{name}: {_header(value)}" for name, value in headers.items()]
    lines += ["MIME-Version: 1.0", f'Content-Type: multipart/alternative; boundary="{boundary}"', "",
              f"--{boundary}", 'Content-Type: text/plain; charset="utf-8"', "Content-Transfer-Encoding: base64", "",
              _base64(text), f"--{boundary}", 'Content-Type: text/html; charset="utf-8"',
              "Content-Transfer-Encoding: base64", "", _base64(html), f"--{boundary}--", ""]
    return "\r\n".join(lines).encode("ascii")


#: Plain ASCII addresses that email_validator always accepts (checked by tests/test_notify.py):
#: dot-atoms, host labels without "--" at positions 3-4 (IDNA), an alphabetic top-level domain.
_PLAIN_ADDRESS = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:(?!..--)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+(?!..--)[A-Za-z]{2,63}")


def valid_address(address):
    """Syntax check only (no DNS). Plain addresses take a fast path: a carrier sync can queue
    thousands of messages at once, and the full check costs a tenth of a millisecond each."""
    if len(address) <= 254 and _PLAIN_ADDRESS.fullmatch(address):
        local, _, domain = address.rpartition("@")
        top = domain.rsplit(".", 1)[-1].lower()
        if len(local) <= 64 and top not in SPECIAL_USE_DOMAIN_NAMES:
            return True
    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


_URL = re.compile(r"https?://[^\s<>\"]+[^\s<>\".,;:!?)»…]")


def html_paragraph(text, keep_together=None):
    """One paragraph of the text part as HTML for a phone: its addresses are links that wrap (a long
    one made the whole mail wider than the screen), and ``keep_together`` (the order number) never
    breaks at its hyphen."""
    pieces = []
    for n, piece in enumerate(_split_urls(text.replace("\n", " "))):
        if n % 2:
            pieces.append(Markup('<a href="{0}" style="color:inherit;word-break:break-all;">{0}</a>').format(piece))
        elif keep_together:
            pieces.append(Markup('<span style="white-space:nowrap;">{}</span>').format(keep_together).join(
                escape(part) for part in piece.split(keep_together)))
        else:
            pieces.append(escape(piece))
    return Markup("").join(pieces)


def _split_urls(text):
    """[text, url, text, url, ..., text]"""
    parts, at = [], 0
    for match in _URL.finditer(text):
        parts += [text[at:match.start()], match.group(0)]
        at = match.end()
    return parts + [text[at:]]


def message_id(notification, sender_address):
    """The same ``Message-ID`` for every attempt of one notification: a message sent again after a
    crash (see the dispatcher's at-least-once note) is folded into one by mail clients."""
    domain = (sender_address or "").rpartition("@")[2].strip().strip(">") or "posylka.local"
    if not re.fullmatch(r"[A-Za-z0-9.-]{1,200}", domain):
        domain = "posylka.local"
    event = re.sub(r"[^A-Za-z0-9_]", "", notification.event_id or "")[:40]
    return f"<posylka.{notification.id}.{event}@{domain}>"


def _smtp_text(answer):
    """A mail server's answer (bytes) as text."""
    return answer.decode("utf-8", "replace") if isinstance(answer, bytes) else str(answer)


def _smtp_answer(code, answer):
    return f"{code} {_smtp_text(answer)}"


def _smtp_answers(refused):
    """``SMTPRecipientsRefused.recipients`` ({address: (code, answer)}) as one line."""
    return "; ".join(f"{address}: {_smtp_answer(*answer)}" for address, answer in refused.items())


@register
class EmailChannel(Channel):
    name = "email"

    def __init__(self):
        self._smtp = None

    def recipients(self, customer, order):
        address = (customer.email or "").strip()
        if not address:
            return []
        if not valid_address(address):
            return [(address, skips.INVALID_EMAIL)]
        return [(address, None)]

    def build(self, notification, message, context):
        """(raw message bytes, headers, subject, text, html) of a multipart/alternative e-mail."""
        sender_name, sender_address = parseaddr(self.setting("MAIL_SENDER", "noreply@localhost"))
        sender_name = sender_name or context.get("shop_name") or ""  # a bare address: the shop's name shows
        # a message to the shop's admins (an alert) has no customer to unsubscribe, and a message the
        # person asked for about their own account (a password reset) nothing to unsubscribe from
        unsubscribe = url_for("notify.unsubscribe", token=preferences.unsubscribe_token(notification.customer_id),
                              _external=True) if notification.customer_id is not None and not context.get(
            "account_mail") else None
        if context.get("unsubscribe_url"):  # someone following this one order: their link ends that follow only
            unsubscribe = context["unsubscribe_url"]
        subject = message.subject or context.get("order_number", "")
        headers = {
            "Subject": subject,
            "From": address_header(sender_name, sender_address or "noreply@localhost"),
            "To": address_header(context.get("customer_name"), notification.recipient),
            "Date": formatdate(localtime=False),
            "Message-ID": message_id(notification, sender_address),
            "X-Posylka-Event": notification.event_id,
            "X-Posylka-Notification": str(notification.id),
        }
        from app.tracking.help import contact  # the shop's contact e-mail (settings page)

        if contact().email:  # a customer's "where is my parcel?" reaches the shop, not noreply@
            headers["Reply-To"] = address_header(sender_name, contact().email)
        text = f"{message.body}\n"
        if unsubscribe:
            headers.update({"List-Unsubscribe": f"<{unsubscribe}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"})
            # outside the f-string: the message extractor does not look inside one
            unsubscribe_line = _("Unsubscribe from these e-mails: %(url)s", url=unsubscribe)
            text = f"{message.body}\n\n{unsubscribe_line}\n"
        # the HTML's button (its line in the text is left out); the question after delivery's one link is the question
        link = context.get("action_link") or (None if context.get("feedback_link") else context.get("tracking_link"))
        paragraphs = [html_paragraph(p, context.get("order_number")) for p in message.body.split("\n\n")
                      if p.strip() and not (link and link in p)]
        # the template alone, without the page context processors (it needs none of them)
        from app.tracking import branding  # the shop's colours (admin branding), checked for contrast

        brand = branding.current()
        html = current_app.jinja_env.get_template("notify/email.html").render(
            subject=message.subject, paragraphs=paragraphs, language=context.get("language") or str(get_locale()),
            tracking_link=link, button=context.get("action_label"),
            unsubscribe_url=unsubscribe, shop_name=context.get("shop_name"), brand=brand.color,
            brand_ink=brand.color_ink, open_pixel_url=context.get("open_pixel_url"))
        return _mime(headers, text, html), headers, subject, text, html

    def _connect(self):
        host = self.setting("SMTP_HOST", "")
        port = int(self.setting("SMTP_PORT", 25) or 25)
        timeout = int(self.setting("SMTP_TIMEOUT_SECONDS", 15) or 15)
        smtp = admin_guard().smtp(host, port, timeout)  # the host is checked and pinned
        # SMTP is a chatty request/response protocol: without this, Nagle's algorithm adds latency
        smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if settings.get_bool("SMTP_STARTTLS"):
            smtp.starttls()
        user = self.setting("SMTP_USER", "")
        if user:
            smtp.login(user, self.setting("SMTP_PASSWORD", ""))
        return smtp

    def send(self, notification, message, context):
        with force_locale(context.get("language") or "uk"):
            raw, headers, subject, text, html = self.build(notification, message, context)
        if not self.setting("SMTP_HOST", ""):
            db.session.add(DevMail(recipient=notification.recipient, subject=subject[:255], text_body=text,
                                   html_body=html, headers=json.dumps(headers, ensure_ascii=False)))
            return "dev-mailbox"
        sender = parseaddr(self.setting("MAIL_SENDER", "noreply@localhost"))[1] or "noreply@localhost"
        for attempt in (1, 2):
            try:
                if self._smtp is None:
                    self._smtp = self._connect()
                self._smtp.sendmail(sender, [notification.recipient], raw)
                return headers["Message-ID"]
            except smtplib.SMTPRecipientsRefused as error:
                self.close()
                raise DeliveryError(problem("recipient_refused", detail=_smtp_answers(error.recipients)), retry=False)
            except smtplib.SMTPAuthenticationError as error:
                self.close()
                raise DeliveryError(problem("auth_failed", detail=_smtp_answer(error.smtp_code, error.smtp_error)),
                                    retry=False, code=error.smtp_code)
            except smtplib.SMTPResponseException as error:
                self.close()
                permanent = 500 <= error.smtp_code < 600
                raise DeliveryError(problem("smtp_code", code=error.smtp_code, detail=_smtp_text(error.smtp_error)),
                                    retry=not permanent, code=error.smtp_code)
            except RefusedAddress as error:
                self.close()
                raise DeliveryError(problem("smtp_host_refused", detail=error), retry=False)
            except ConnectionRefusedError as error:
                self.close()
                raise DeliveryError(problem("smtp_refused", detail=error))
            except (smtplib.SMTPServerDisconnected, ConnectionError) as error:
                self.close()  # a reused connection the server dropped: reconnect once
                if attempt == 2:
                    raise DeliveryError(problem("smtp_lost", detail=error))
            except TimeoutError:
                self.close()
                raise DeliveryError(problem("timeout", seconds=int(self.setting("SMTP_TIMEOUT_SECONDS", 15) or 15)))
            except (OSError, smtplib.SMTPException) as error:
                self.close()
                raise DeliveryError(problem("failed", detail=f"{error.__class__.__name__}: {error}"))
        raise DeliveryError(problem("smtp_lost"))

    def close(self):
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except Exception:
                pass
            self._smtp = None
