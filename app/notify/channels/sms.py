"""SMS through an HTTP gateway: TurboSMS (Ukraine) or SMSAPI.pl (Poland).

Messages are kept within two segments, shortened at a word: 306 GSM-7 characters (extension characters count twice)
or 134 UCS-2 characters once any character falls outside GSM-7 (Cyrillic always does).
"""
import re

import phonenumbers
import requests

from app import settings
from app.notify import skips
from app.notify.channels import Channel, DeliveryError, register
from app.notify.problems import problem
from app.outbound import admin_guard
from app.text import comma_list

GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà")
GSM7_EXTENDED = set("^{}\\[~]|€\f")
MAX_SEGMENTS = 2


def length_units(text):
    """(units, encoding): GSM-7 septets or UCS-2 code units."""
    if all(ch in GSM7_BASIC or ch in GSM7_EXTENDED for ch in text):
        return sum(2 if ch in GSM7_EXTENDED else 1 for ch in text), "gsm7"
    return sum(2 if ord(ch) > 0xFFFF else 1 for ch in text), "ucs2"


def segments(text):
    units, encoding = length_units(text)
    single, multi = (160, 153) if encoding == "gsm7" else (70, 67)
    return 1 if units <= single else -(-units // multi)


#: Typographic signs outside GSM-7 and their plain forms: one dash in a Latin text made it UCS-2
#: (70 characters a segment instead of 160)
_PLAIN_SIGNS = str.maketrans({"—": "-", "–": "-", "‑": "-", "‘": "'", "’": "'", "“": '"', "”": '"', "„": '"',
                              "«": '"', "»": '"', "…": "...", "\u00a0": " "})


def plain_when_latin(text):
    """``text`` with plain dashes, quotes and dots when that leaves it all GSM-7, else as it is
    (a Cyrillic text is UCS-2 anyway and keeps its typography)."""
    plain = text.translate(_PLAIN_SIGNS)
    return plain if length_units(plain)[1] == "gsm7" else text


#: the address a message ends with (the tracking page's, the question's): never shortened
_LAST_LINK = re.compile(r"\shttps?://\S+$")


def fit(text, max_segments=MAX_SEGMENTS, shop=""):
    """The SMS of ``text``: in GSM-7 when its letters allow, and within ``max_segments``: first
    without the leading "``shop``: " (the sender's name shows the shop; the news matters more),
    then shortened at a word. The link at its end (tracking, or the question's) is never shortened."""
    text = plain_when_latin(text)
    if segments(text) <= max_segments:
        return text
    if shop and text.startswith(f"{shop}: ") and len(text) > len(shop) + 2:
        rest = text[len(shop) + 2:]
        text = rest[:1].upper() + rest[1:]
        if segments(text) <= max_segments:
            return text
    found = _LAST_LINK.search(text)
    tail = found.group(0) if found else ""
    head = text[: len(text) - len(tail)] if tail else text
    more = "..." if length_units(text)[1] == "gsm7" else "…"
    while head and segments(head.rstrip() + more + tail) > max_segments:
        head = head[:-1]
    if head and len(head) < len(text) and not text[len(head)].isspace() and " " in head.strip():
        head = head.rstrip()
        head = head[:head.rindex(" ")]  # not inside a word
    if not head.strip():
        return fit(text[: len(text) - len(tail)], max_segments)
    return head.rstrip(" ,.:;-—") + more + tail


def normalise_phone(raw, region="UA"):
    """E.164 form of ``raw`` or None when it is not a valid mobile-capable number."""
    try:
        number = phonenumbers.parse(raw, region or "UA")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class Gateway:
    """An SMS gateway's HTTP API; each one sends with ``send(phone, text, timeout)``."""

    name = "SMS gateway"

    def post(self, url, token, timeout, **body):
        """POST to the gateway; (HTTP status, JSON answer). Unreachable, 429, 5xx or not JSON → retry."""
        try:
            with admin_guard().session() as session:
                response = session.post(url, timeout=timeout, headers={"Authorization": f"Bearer {token}"}, **body)
        except requests.RequestException as error:
            raise DeliveryError(problem("gateway_unreachable", gateway=self.name, detail=error.__class__.__name__))
        if response.status_code >= 500 or response.status_code == 429:
            raise DeliveryError(problem("gateway_http", gateway=self.name, status=response.status_code),
                                code=response.status_code)
        try:
            return response.status_code, response.json()
        except ValueError:
            raise DeliveryError(problem("gateway_http", gateway=self.name, status=response.status_code, detail="not JSON"),
                                code=response.status_code)


class TurboSMS(Gateway):
    """``POST {base}/message/send.json`` with a Bearer token (turbosms.ua HTTP API)."""

    name = "TurboSMS"

    OK_CODES = {0, 800, 801, 802, 803}

    def send(self, phone, text, timeout):
        base = settings.get("TURBOSMS_API_URL", "https://api.turbosms.ua").rstrip("/")
        token = settings.get("TURBOSMS_TOKEN", "")
        body = {"recipients": [phone.lstrip("+")], "sms": {"sender": settings.get("TURBOSMS_SENDER", ""),
                                                            "text": text}}
        status, data = self.post(f"{base}/message/send.json", token, timeout, json=body)
        code = data.get("response_code")
        results = data.get("response_result") or []
        if code not in self.OK_CODES:
            raise DeliveryError(problem("gateway_said", gateway=self.name, said=f"{code} {data.get('response_status')}"),
                                code=status, retry=False)
        first = results[0] if results else {}
        if first.get("response_code") not in (None, 0):
            said = f"{first.get('response_code')} {first.get('response_status')}"
            raise DeliveryError(problem("gateway_said", gateway=self.name, said=said), retry=False, code=status)
        return first.get("message_id")


class SmsApiPl(Gateway):
    """``POST {base}/sms.do`` (form fields to, message, from, format=json), Bearer token (smsapi.pl)."""

    name = "SMSAPI"

    def send(self, phone, text, timeout):
        base = settings.get("SMSAPI_API_URL", "https://api.smsapi.pl").rstrip("/")
        token = settings.get("SMSAPI_TOKEN", "")
        form = {"to": phone.lstrip("+"), "message": text, "format": "json", "encoding": "utf-8"}
        sender = settings.get("SMSAPI_SENDER", "")
        if sender:
            form["from"] = sender
        from app.notify import kpis

        if kpis.tracking_on():  # SMSAPI calls this URL back with the delivery report
            form["notify_url"] = kpis.report_url("smsapi")
        status, data = self.post(f"{base}/sms.do", token, timeout, data=form)
        if data.get("error"):
            # 8 (request error), 201/203 (system busy/ limits) are temporary; the rest are not
            temporary = data.get("error") in (8, 201, 203, 999)
            said = f"{data.get('error')}: {data.get('message')}"
            raise DeliveryError(problem("gateway_said", gateway=self.name, said=said), retry=temporary, code=status)
        items = data.get("list") or []
        if not items:
            raise DeliveryError(problem("gateway_said", gateway=self.name, said="no message accepted"), code=status)
        return str(items[0].get("id"))


GATEWAYS = {"turbosms": TurboSMS, "smsapi": SmsApiPl}


@register
class SmsChannel(Channel):
    name = "sms"
    quiet_hours = True

    def configured(self):
        return settings.get("SMS_PROVIDER", "") in GATEWAYS

    def wants(self, kind):
        return kind in comma_list(settings.get("NOTIFY_SMS_STATUSES"))

    def recipients(self, customer, order):
        raw = (customer.phone or "").strip()
        if not raw:
            return []
        phone = normalise_phone(raw, getattr(order, "delivery_country", None) or "UA")
        if phone is None:
            return [(raw, skips.INVALID_PHONE)]
        return [(phone, None)]

    def send(self, notification, message, context):
        gateway = GATEWAYS.get(settings.get("SMS_PROVIDER", ""))
        if gateway is None:
            raise DeliveryError(problem("no_gateway"), retry=False)
        text = fit(message.body, shop=context.get("shop_name", ""))
        message.body = text
        return gateway().send(notification.recipient, text, settings.get_int("SMS_TIMEOUT_SECONDS", 15))
