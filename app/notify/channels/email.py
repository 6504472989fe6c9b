"""E-mail over SMTP (HTML and plain text), or into the dev mailbox when no SMTP is configured.

The SMTP connection is reused for every message of one dispatcher run.
"""
import json
import smtplib
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from email_validator import EmailNotValidError, validate_email
from flask import render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from app import settings
from app.extensions import db
from app.notify import preferences
from app.notify.channels import Channel, DeliveryError, register
from app.notify.models import DevMail


@register
class EmailChannel(Channel):
    name = "email"

    def __init__(self):
        self._smtp = None

    def recipients(self, customer, order):
        address = (customer.email or "").strip()
        if not address:
            return []
        try:
            validate_email(address, check_deliverability=False)
        except EmailNotValidError:
            return [(address, _("The e-mail address is not valid."))]
        return [(address, None)]

    def _smtp_host(self):
        return settings.get("SMTP_HOST", "")

    def build(self, notification, message, context):
        sender = settings.get("MAIL_SENDER", "Posylka <noreply@localhost>")
        unsubscribe = url_for("notify.unsubscribe", token=preferences.unsubscribe_token(notification.customer_id),
                              _external=True)
        mail = EmailMessage()
        mail["Subject"] = message.subject or context.get("order_number", "")
        mail["From"] = sender
        mail["To"] = formataddr((context.get("customer_name") or "", notification.recipient))
        mail["Message-ID"] = make_msgid(domain="posylka.local")
        mail["X-Posylka-Event"] = notification.event_id
        mail["X-Posylka-Notification"] = str(notification.id)
        mail["List-Unsubscribe"] = f"<{unsubscribe}>"
        mail["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        text = f"{message.body}\n\n{_('Unsubscribe from these e-mails:')} {unsubscribe}\n"
        mail.set_content(text)
        paragraphs = [p for p in message.body.split("\n\n") if p.strip()]
        html = render_template("notify/email.html", subject=message.subject, paragraphs=paragraphs,
                               tracking_link=context.get("tracking_link"), unsubscribe_url=unsubscribe,
                               shop_name=context.get("shop_name"))
        mail.add_alternative(html, subtype="html")
        return mail, text, html

    def _connect(self):
        host = self._smtp_host()
        port = int(settings.get("SMTP_PORT", 25) or 25)
        timeout = int(settings.get("SMTP_TIMEOUT_SECONDS", 15) or 15)
        smtp = smtplib.SMTP(host, port, timeout=timeout)
        if str(settings.get("SMTP_STARTTLS", False)).lower() in {"1", "true", "yes", "on"}:
            smtp.starttls()
        user = settings.get("SMTP_USER", "")
        if user:
            smtp.login(user, settings.get("SMTP_PASSWORD", ""))
        return smtp

    def send(self, notification, message, context):
        with force_locale(context.get("language") or "uk"):
            mail, text, html = self.build(notification, message, context)
        if not self._smtp_host():
            db.session.add(DevMail(recipient=notification.recipient, subject=str(mail["Subject"]), text_body=text,
                                   html_body=html, headers=json.dumps({k: str(v) for k, v in mail.items()},
                                                                      ensure_ascii=False)))
            return "dev-mailbox"
        for attempt in (1, 2):
            try:
                if self._smtp is None:
                    self._smtp = self._connect()
                self._smtp.send_message(mail)
                return str(mail["Message-ID"])
            except smtplib.SMTPRecipientsRefused as error:
                self.close()
                raise DeliveryError(f"recipient refused: {error.recipients}", retry=False)
            except smtplib.SMTPResponseException as error:
                self.close()
                permanent = 500 <= error.smtp_code < 600
                raise DeliveryError(f"SMTP {error.smtp_code}: {error.smtp_error!r}", retry=not permanent,
                                    code=error.smtp_code)
            except (smtplib.SMTPServerDisconnected, ConnectionError) as error:
                self.close()  # a reused connection the server dropped: reconnect once
                if attempt == 2:
                    raise DeliveryError(f"SMTP connection lost: {error}")
            except (OSError, smtplib.SMTPException) as error:
                self.close()
                raise DeliveryError(f"SMTP error: {error.__class__.__name__}: {error}")
        raise DeliveryError("SMTP send failed")

    def close(self):
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except Exception:
                pass
            self._smtp = None
