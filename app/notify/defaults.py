"""The message templates that ship with the app, per status × channel × language.

Admins override any of them on the template page (``NotificationTemplate`` rows); a missing
override falls back to these. Templates are Jinja2 (sandboxed) with the fields listed in
``templates.FIELDS``.
"""
from flask_babel import lazy_gettext as _l

from app.orders import statuses

KINDS = ("new", "awaiting_shipment", "shipped", "in_transit", "delivered", "returned", "cancelled", "pickup",
         "reminder", "delay", "problem", "feedback", "return")
#: The parcel arrived at the pickup point, and the reminder N days later.
PICKUP_KINDS = ("pickup", "reminder")
#: Kinds that are not a status (their template is chosen by the kind): the pickup messages and
#: the apologies staff send from the Attention page (a delay, a refused or returning parcel), the
#: one question after delivery (``app.feedback``) and news about a return or exchange (``app.returns``).
NOTICE_KINDS = PICKUP_KINDS + ("delay", "problem", "feedback", "return")
#: Channels whose text comes from a template (webhooks send JSON).
TEMPLATE_CHANNELS = ("email", "sms", "push", "inapp", "telegram", "viber")
LANGUAGES = ("uk", "en", "pl", "ru")

_TRACKING = "{% if tracking_number %}"
HEADLINES = {
    "en": {
        "new": "We have received your order {{ order_number }}. We will let you know when it ships.",
        "awaiting_shipment": "Your order {{ order_number }} is being packed and will soon be handed to the carrier.",
        "shipped": "Your order {{ order_number }} has been handed to {{ carrier or 'the carrier' }}" + _TRACKING
                   + ", tracking number {{ tracking_number }}{% else %}, without a tracking number{% endif %}.",
        "in_transit": "Your order {{ order_number }} is on its way{% if expected_date %}, expected {{ expected_date }}"
                      "{% endif %}{% if pickup_point %}. Pickup point: {{ pickup_point }}{% endif %}.",
        "delivered": "Your order {{ order_number }} has been delivered. Thank you for your purchase!",
        "returned": "Your order {{ order_number }} is being returned to the shop.",
        "cancelled": "Your order {{ order_number }} has been cancelled.",
        "pickup": "Your order {{ order_number }} has arrived at the pickup point{% if pickup_point %}: "
                  "{{ pickup_point }}{% endif %}. You can collect it now.",
        "reminder": "Your order {{ order_number }} is waiting for you at the pickup point{% if pickup_point %}: "
                    "{{ pickup_point }}{% endif %}. Please collect it before it is sent back.",
        "delay": "Your order {{ order_number }} is taking longer than it should. We are sorry: we have asked the "
                 "carrier and are on it, and we will let you know as soon as it moves.",
        "problem": "There is a problem with the delivery of your order {{ order_number }}. We are on it and will "
                   "contact you shortly to sort it out.",
        "feedback": "How did the delivery of your order {{ order_number }} go? One question, one click: rate it "
                    "from 1 to 5{% if feedback_link %}: {{ feedback_link }}{% endif %}",
        "return": "There is news about the return or exchange in your order {{ order_number }}: the details are on "
                  "the order page.",
    },
    "uk": {
        "new": "Ми отримали ваше замовлення {{ order_number }}. Повідомимо, щойно його відправимо.",
        "awaiting_shipment": "Ваше замовлення {{ order_number }} пакуємо, незабаром передамо його перевізнику.",
        "shipped": "Ваше замовлення {{ order_number }} передано перевізнику{% if carrier %} {{ carrier }}{% endif %}"
                   + _TRACKING + ", номер відстеження {{ tracking_number }}{% else %}, без номера відстеження{% endif %}.",
        "in_transit": "Ваше замовлення {{ order_number }} прямує до вас{% if expected_date %}, очікувана дата — "
                      "{{ expected_date }}{% endif %}{% if pickup_point %}. Пункт видачі: {{ pickup_point }}{% endif %}.",
        "delivered": "Ваше замовлення {{ order_number }} доставлено. Дякуємо за покупку!",
        "returned": "Ваше замовлення {{ order_number }} повертається до магазину.",
        "cancelled": "Ваше замовлення {{ order_number }} скасовано.",
        "pickup": "Ваше замовлення {{ order_number }} прибуло до пункту видачі{% if pickup_point %}: "
                  "{{ pickup_point }}{% endif %}. Його вже можна забрати.",
        "reminder": "Ваше замовлення {{ order_number }} чекає на вас у пункті видачі{% if pickup_point %}: "
                    "{{ pickup_point }}{% endif %}. Заберіть його, доки посилку не повернули відправнику.",
        "delay": "Доставка вашого замовлення {{ order_number }} триває довше, ніж мала б. Перепрошуємо: ми вже "
                 "звернулися до перевізника і стежимо за посилкою, повідомимо, щойно вона рушить далі.",
        "problem": "З доставкою вашого замовлення {{ order_number }} виникла проблема. Ми вже нею займаємося і "
                   "незабаром зв'яжемося з вами.",
        "feedback": "Як пройшла доставка вашого замовлення {{ order_number }}? Одне питання, один клік: оцініть "
                    "її від 1 до 5{% if feedback_link %}: {{ feedback_link }}{% endif %}",
        "return": "Є новини щодо повернення або обміну у вашому замовленні {{ order_number }}: подробиці — на "
                  "сторінці замовлення.",
    },
    "pl": {
        "new": "Otrzymaliśmy Twoje zamówienie {{ order_number }}. Damy znać, gdy zostanie wysłane.",
        "awaiting_shipment": "Twoje zamówienie {{ order_number }} jest pakowane i wkrótce trafi do przewoźnika.",
        "shipped": "Twoje zamówienie {{ order_number }} zostało przekazane przewoźnikowi"
                   "{% if carrier %} {{ carrier }}{% endif %}" + _TRACKING
                   + ", numer przesyłki {{ tracking_number }}{% else %}, bez numeru przesyłki{% endif %}.",
        "in_transit": "Twoje zamówienie {{ order_number }} jest w drodze{% if expected_date %}, przewidywana dostawa: "
                      "{{ expected_date }}{% endif %}{% if pickup_point %}. Punkt odbioru: {{ pickup_point }}{% endif %}.",
        "delivered": "Twoje zamówienie {{ order_number }} zostało dostarczone. Dziękujemy za zakupy!",
        "returned": "Twoje zamówienie {{ order_number }} wraca do sklepu.",
        "cancelled": "Twoje zamówienie {{ order_number }} zostało anulowane.",
        "pickup": "Twoje zamówienie {{ order_number }} dotarło do punktu odbioru{% if pickup_point %}: "
                  "{{ pickup_point }}{% endif %}. Możesz je już odebrać.",
        "reminder": "Twoje zamówienie {{ order_number }} czeka na Ciebie w punkcie odbioru{% if pickup_point %}: "
                    "{{ pickup_point }}{% endif %}. Odbierz je, zanim wróci do nadawcy.",
        "delay": "Dostawa Twojego zamówienia {{ order_number }} trwa dłużej, niż powinna. Przepraszamy: "
                 "skontaktowaliśmy się z przewoźnikiem i pilnujemy przesyłki, damy znać, gdy tylko ruszy dalej.",
        "problem": "Wystąpił problem z dostawą Twojego zamówienia {{ order_number }}. Zajmujemy się tym i wkrótce "
                   "się z Tobą skontaktujemy.",
        "feedback": "Jak przebiegła dostawa Twojego zamówienia {{ order_number }}? Jedno pytanie, jedno kliknięcie: "
                    "oceń ją od 1 do 5{% if feedback_link %}: {{ feedback_link }}{% endif %}",
        "return": "Mamy wieści w sprawie zwrotu lub wymiany w Twoim zamówieniu {{ order_number }}: szczegóły są na "
                  "stronie zamówienia.",
    },
    "ru": {
        "new": "Мы получили ваш заказ {{ order_number }}. Сообщим, как только отправим его.",
        "awaiting_shipment": "Ваш заказ {{ order_number }} упаковываем и скоро передадим перевозчику.",
        "shipped": "Ваш заказ {{ order_number }} передан перевозчику{% if carrier %} {{ carrier }}{% endif %}"
                   + _TRACKING + ", номер отслеживания {{ tracking_number }}{% else %}, без номера отслеживания{% endif %}.",
        "in_transit": "Ваш заказ {{ order_number }} в пути{% if expected_date %}, ожидаемая дата — {{ expected_date }}"
                      "{% endif %}{% if pickup_point %}. Пункт выдачи: {{ pickup_point }}{% endif %}.",
        "delivered": "Ваш заказ {{ order_number }} доставлен. Спасибо за покупку!",
        "returned": "Ваш заказ {{ order_number }} возвращается в магазин.",
        "cancelled": "Ваш заказ {{ order_number }} отменён.",
        "pickup": "Ваш заказ {{ order_number }} прибыл в пункт выдачи{% if pickup_point %}: "
                  "{{ pickup_point }}{% endif %}. Его уже можно забрать.",
        "reminder": "Ваш заказ {{ order_number }} ждёт вас в пункте выдачи{% if pickup_point %}: {{ pickup_point }}"
                    "{% endif %}. Заберите его, пока посылку не вернули отправителю.",
        "delay": "Доставка вашего заказа {{ order_number }} занимает больше времени, чем должна. Просим прощения: "
                 "мы уже связались с перевозчиком и следим за посылкой, сообщим, как только она двинется дальше.",
        "problem": "С доставкой вашего заказа {{ order_number }} возникла проблема. Мы уже занимаемся ею и скоро "
                   "свяжемся с вами.",
        "feedback": "Как прошла доставка вашего заказа {{ order_number }}? Один вопрос, один клик: оцените "
                    "её от 1 до 5{% if feedback_link %}: {{ feedback_link }}{% endif %}",
        "return": "Есть новости о возврате или обмене в вашем заказе {{ order_number }}: подробности — на "
                  "странице заказа.",
    },
}

SUBJECTS = {
    "en": "{{ shop_name }}: order {{ order_number }} — {{ status }}",
    "uk": "{{ shop_name }}: замовлення {{ order_number }} — {{ status }}",
    "pl": "{{ shop_name }}: zamówienie {{ order_number }} — {{ status }}",
    "ru": "{{ shop_name }}: заказ {{ order_number }} — {{ status }}",
}
REMINDER_SUBJECTS = {
    "en": "{{ shop_name }}: order {{ order_number }} is waiting at the pickup point",
    "uk": "{{ shop_name }}: замовлення {{ order_number }} чекає у пункті видачі",
    "pl": "{{ shop_name }}: zamówienie {{ order_number }} czeka w punkcie odbioru",
    "ru": "{{ shop_name }}: заказ {{ order_number }} ждёт в пункте выдачи",
}
PICKUP_SUBJECTS = {
    "en": "{{ shop_name }}: order {{ order_number }} has arrived at the pickup point",
    "uk": "{{ shop_name }}: замовлення {{ order_number }} прибуло до пункту видачі",
    "pl": "{{ shop_name }}: zamówienie {{ order_number }} dotarło do punktu odbioru",
    "ru": "{{ shop_name }}: заказ {{ order_number }} прибыл в пункт выдачи",
}
DELAY_SUBJECTS = {
    "en": "{{ shop_name }}: order {{ order_number }} is delayed, we are on it",
    "uk": "{{ shop_name }}: замовлення {{ order_number }} затримується, ми вже з'ясовуємо",
    "pl": "{{ shop_name }}: zamówienie {{ order_number }} jest opóźnione, zajmujemy się tym",
    "ru": "{{ shop_name }}: заказ {{ order_number }} задерживается, мы уже выясняем",
}
PROBLEM_SUBJECTS = {
    "en": "{{ shop_name }}: a problem with the delivery of order {{ order_number }}",
    "uk": "{{ shop_name }}: проблема з доставкою замовлення {{ order_number }}",
    "pl": "{{ shop_name }}: problem z dostawą zamówienia {{ order_number }}",
    "ru": "{{ shop_name }}: проблема с доставкой заказа {{ order_number }}",
}
FEEDBACK_SUBJECTS = {
    "en": "{{ shop_name }}: how was the delivery of order {{ order_number }}?",
    "uk": "{{ shop_name }}: як пройшла доставка замовлення {{ order_number }}?",
    "pl": "{{ shop_name }}: jak przebiegła dostawa zamówienia {{ order_number }}?",
    "ru": "{{ shop_name }}: как прошла доставка заказа {{ order_number }}?",
}
RETURN_SUBJECTS = {
    "en": "{{ shop_name }}: your return or exchange, order {{ order_number }}",
    "uk": "{{ shop_name }}: ваше повернення або обмін, замовлення {{ order_number }}",
    "pl": "{{ shop_name }}: Twój zwrot lub wymiana, zamówienie {{ order_number }}",
    "ru": "{{ shop_name }}: ваш возврат или обмен, заказ {{ order_number }}",
}
GREETINGS = {
    "en": "Hello{% if customer_name %}, {{ customer_name }}{% endif %}!",
    "uk": "Вітаємо{% if customer_name %}, {{ customer_name }}{% endif %}!",
    "pl": "Dzień dobry{% if customer_name %}, {{ customer_name }}{% endif %}!",
    "ru": "Здравствуйте{% if customer_name %}, {{ customer_name }}{% endif %}!",
}
TRACK_LINES = {
    "en": "{% if tracking_link %}Track your order: {{ tracking_link }}{% endif %}",
    "uk": "{% if tracking_link %}Відстежити замовлення: {{ tracking_link }}{% endif %}",
    "pl": "{% if tracking_link %}Śledź zamówienie: {{ tracking_link }}{% endif %}",
    "ru": "{% if tracking_link %}Отследить заказ: {{ tracking_link }}{% endif %}",
}


def default_template(kind, channel, language):
    """(subject, body) of the shipped template; subject is None for SMS."""
    language = language if language in HEADLINES else "uk"
    headline = HEADLINES[language][kind]
    subject = {"reminder": REMINDER_SUBJECTS, "pickup": PICKUP_SUBJECTS, "delay": DELAY_SUBJECTS,
               "problem": PROBLEM_SUBJECTS, "feedback": FEEDBACK_SUBJECTS,
               "return": RETURN_SUBJECTS}.get(kind, SUBJECTS)[language]
    if channel == "email":
        track = "" if kind == "feedback" else f"{TRACK_LINES[language]}\n\n"  # its one link is the question's
        body = f"{GREETINGS[language]}\n\n{headline}\n\n{track}{{{{ shop_name }}}}"
        return subject, body
    if channel == "sms":
        link = "feedback_link" if kind == "feedback" else "tracking_link"
        return None, subject + f"{{% if {link} %}} {{{{ {link} }}}}{{% endif %}}"
    if channel == "push":
        return subject, headline
    if channel in ("telegram", "viber"):  # the tracking link goes on a button under the text
        return None, f"{subject}\n\n{headline}"
    if channel == "inapp":
        if kind in NOTICE_KINDS:  # the subject without the shop's name, as a title: "Замовлення … прибуло …"
            rest = subject.split(": ", 1)[1]
            title = rest[:1].upper() + rest[1:]
        else:
            title = "{{ status }}"
        return title, headline
    raise KeyError(channel)


#: What a kind that is not a status is called on the staff pages
_KIND_LABELS = {"reminder": _l("Pickup reminder"), "pickup": _l("Arrived at the pickup point"),
                "delay": _l("Delay apology"), "problem": _l("Delivery problem"),
                "feedback": _l("Question after delivery"), "return": _l("Return or exchange news"),
                "password_reset": _l("Password reset link")}


def kind_label(kind):
    """What a message is about, in words: a notice kind's label, else the status's."""
    return _KIND_LABELS.get(kind) or statuses.label(kind)
