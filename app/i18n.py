"""Languages: Ukrainian by default, plus English, Polish and Russian.

The language comes from, in order: an explicit choice (cookie, or a logged-in user's profile),
the browser's Accept-Language, then DEFAULT_LANGUAGE. Catalogues are compiled from the
``.po`` files on start when the ``.mo`` files are missing or older, so a fresh clone works
whichever command starts it.
"""
import os
import re

import flask_babel
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import current_app, g, request
from flask_login import current_user

from app import settings
from app.auth import sessions
from app.extensions import babel

LANG_COOKIE = "lang"
LANGUAGE_NAMES = {"uk": "Українська", "en": "English", "pl": "Polski", "ru": "Русский"}


def init_app(app):
    catalogues = os.path.join(app.root_path, "translations")
    compile_catalogs(catalogues)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", catalogues)
    app.config["BABEL_DEFAULT_LOCALE"] = app.config["DEFAULT_LANGUAGE"]
    app.config["BABEL_DEFAULT_TIMEZONE"] = app.config["TIMEZONE"]
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)

    # Flask-Babel's own callables, with this request's catalogue looked up once (``translations``)
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
        newstyle=True)
    app.jinja_env.globals.update(
        format_date=flask_babel.format_date, format_datetime=flask_babel.format_datetime,
        format_time=flask_babel.format_time, format_money=format_money,
        format_decimal=flask_babel.format_decimal, format_percent=flask_babel.format_percent)

    @app.before_request
    def _decide_language_per_request():
        # a test client runs many requests in one app context (one ``g``): never reuse a choice
        g.pop("_locale", None)
        g.pop("_flask_babel", None)
        g.pop("_translations", None)

    @app.context_processor
    def _i18n_context():
        return {"languages": LANGUAGE_NAMES, "current_language": select_locale()}


def translations():
    """The catalogue of the language in force (Flask-Babel's ``get_translations()``, and so
    ``force_locale`` too), looked up once per request and language.

    Flask-Babel's own look-up walks the request context three times and spells the locale's name
    on every call (~7 µs); a tracking block translates about seventy strings.
    """
    locale = flask_babel.get_locale()
    known = g.get("_translations") if locale is not None else None
    if known is None or known[0] is not locale:
        known = (locale, flask_babel.get_translations())
        if locale is not None:
            g._translations = known
    return known[1]


def gettext(string, **variables):
    """``flask_babel.gettext`` through ``translations()``."""
    text = translations().ugettext(string)
    return text % variables if variables else text


def ngettext(singular, plural, num, **variables):
    """``flask_babel.ngettext`` through ``translations()``."""
    variables.setdefault("num", num)
    return translations().ungettext(singular, plural, num) % variables


# CLDR's currency spacing: a currency written in letters ("UAH", "PLN") is kept apart from the digits
_LETTER_TOUCHES_DIGIT = re.compile(r"(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])")


def format_money(amount, currency):
    """An amount of money as the reader's language writes it: "1 450,00 ₴", "UAH 1,450.00".

    The one way money is shown, on staff and customer pages alike (templates: ``format_money``).
    """
    text = flask_babel.format_currency(amount, currency)
    return _LETTER_TOUCHES_DIGIT.sub("\u00a0", text)


def remember_language(response, code):
    """Keep ``code`` as this browser's language (the cookie outranks the profile and the browser)."""
    response.set_cookie(LANG_COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True,
                        secure=request.is_secure)
    return response


def supported(code):
    return code if code in current_app.config["LANGUAGES"] else None


def select_locale():
    if not request:
        return default_language()
    if not g.get("_locale"):
        g._locale = choose_language(_user_language)
    return g._locale


def _user_language():
    # Only a log-in kept in this browser's session has a profile: an anonymous request (a signed
    # link, the widget) does not load Flask-Login's anonymous user just to learn that. A
    # remember-me cookie is turned into such a log-in before the view (``auth.sessions``).
    if not sessions.has_login():
        return None
    return getattr(current_user, "language", None) if _has_user() else None


def choose_language(user_language):
    """The language of this request; ``user_language()`` gives the logged-in user's profile choice
    (asked only when neither the URL nor the cookie decides)."""
    languages = current_app.config["LANGUAGES"]
    query = request.environ.get("QUERY_STRING", "")
    # the query string is parsed only when it may name a language (a poll's has none)
    from_url = request.args.get("lang") if "lang" in query or "%" in query else None
    for candidate in (from_url, request.cookies.get(LANG_COOKIE)):
        if candidate in languages:
            return candidate
    choice = user_language()
    if choice in languages:
        return choice
    choice = (request.accept_languages.best_match(languages) if request.environ.get("HTTP_ACCEPT_LANGUAGE") else None) \
        or default_language()
    if choice not in languages:
        choice = "uk" if "uk" in languages else languages[0]
    return choice


def default_language():
    """The shop's default language: the admin's setting, else DEFAULT_LANGUAGE."""
    return supported(settings.get("DEFAULT_LANGUAGE", display=True) or "") or current_app.config["DEFAULT_LANGUAGE"]


def preferred_language(*choices):
    """The first of ``choices`` the shop offers (a person's own, then hints), else the shop's default
    language: the one rule for whom a message, a reply or a snippet is written for outside a request."""
    return next((choice for choice in choices if supported(choice)), None) or default_language()


def _has_user():
    try:
        return current_user.is_authenticated
    except Exception:  # outside a login-enabled request
        return False


def select_timezone():
    return current_app.config["TIMEZONE"]


def compile_catalogs(directory):
    """Compile every ``<lang>/LC_MESSAGES/messages.po`` whose ``.mo`` is missing or stale."""
    if not os.path.isdir(directory):
        return
    for lang in os.listdir(directory):
        po_path = os.path.join(directory, lang, "LC_MESSAGES", "messages.po")
        mo_path = po_path[:-3] + ".mo"
        if not os.path.exists(po_path):
            continue
        if os.path.exists(mo_path) and os.path.getmtime(mo_path) >= os.path.getmtime(po_path):
            continue
        with open(po_path, "rb") as fh:
            catalog = read_po(fh, locale=lang)
        tmp = f"{mo_path}.{os.getpid()}.tmp"
        with open(tmp, "wb") as fh:
            write_mo(fh, catalog, use_fuzzy=False)
        os.replace(tmp, mo_path)
