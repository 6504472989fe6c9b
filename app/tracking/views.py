"""Public tracking: the look-up at /track, signed links (/t/<token>) and the embeddable widget (/widget/...).

Everything a shop embeds in its own pages lives under ``/widget/`` so that framing rules can name it.
"""
import math
import os
import time
from typing import NamedTuple

from flask import Blueprint, Response, current_app, flash, g, redirect, render_template, request, send_from_directory, url_for
from flask_babel import gettext as _
from markupsafe import Markup
from werkzeug.datastructures import ImmutableMultiDict

from app.carriers import carrier_label
from app.etags import conditional
from app.extensions import csrf, db, limiter
from app.htmx import is_partial_request
from app.i18n import select_locale
from app.notify import kpis
from app.orders import access, links, statuses
from app.tracking import branding, follow, help, presenters, services
from app.tracking.forms import LookupForm

bp = Blueprint("tracking", __name__)

#: Endpoints that carry a signed token in their URL: no referrer leaves them, no robot indexes them.
TOKEN_ENDPOINTS = {"tracking.signed", "tracking.signed_progress", "tracking.signed_problem", "tracking.signed_follow",
                   "tracking.unfollow", "tracking.widget",
                   "tracking.widget_progress", "returns.signed_request", "returns.signed_waybill"}


@bp.before_app_request
def _fresh_branding():
    g.pop("_branding", None)  # read once per request, never carried over


@bp.app_template_global("tracking_help")
def tracking_help():
    """The help block's contact and FAQ in the reader's language."""
    return {"contact": help.contact(), "faq": help.faq(select_locale())}


# what every page's template may call, besides tracking_help above
bp.add_app_template_global(branding.current, "tracking_branding")
bp.add_app_template_global(follow.consent_statement, "follow_consent")
bp.add_app_template_global(follow.offered_channels, "follow_channels")
bp.add_app_template_global(carrier_label, "carrier_label")


def progress_response(state, load, *, kind, poll_url, page):
    """Answer for the polled tracking partial (and its page without JavaScript).

    ``state`` is the order's ``access.OrderState`` (one small read); ``load()`` gives the order
    with what the tracking block shows and ``poll_url()`` the block's own URL: both run only when
    something is rendered (an unchanged poll builds no URL). An htmx poll whose ETag still matches
    gets ``304``; an order no longer followed answers ``286``, so that htmx stops polling after
    swapping in the final state (a terminal order, unless it is the customer's own "received",
    which staff may still undo).
    """
    etag = services.etag_for(state, kind)
    partial = is_partial_request()

    def render():
        order, url = load(), poll_url()
        if partial:
            view = services.full_tracking_view(order)
            return render_template("tracking/_progress.html", order=order, view=view,
                                   kind=kind, poll_url=url, etag=etag), 200 if view.poll else 286
        return render_template(page, **page_context(order, kind, url, etag=etag))

    # a delivered order is polled only while its customer's own confirmation may be undone
    return conditional(etag, render, allow_304=partial and state.status not in statuses.FINAL)


def page_context(order, kind, poll_url, etag=None):
    """What a tracking page needs: the order and its progress block (the partial the poll renders)."""
    etag = etag or services.etag_for(order, kind)
    return {"order": order, "kind": kind, "etag": etag,
            "progress_html": Markup(render_template("tracking/_progress.html", order=order, kind=kind,
                                                    view=services.full_tracking_view(order), poll_url=poll_url,
                                                    etag=etag))}


def _lang_args():
    lang = request.args.get("lang")
    return {"lang": lang} if lang in current_app.config["LANGUAGES"] else {}


@bp.errorhandler(links.InvalidLink)
def _invalid_link(_error):
    """A tampered, expired or revoked link, on any page of this blueprint that reads one."""
    if is_partial_request():
        # stop the poll and say why, in place of the bar
        return render_template("tracking/_invalid_link.html"), 286
    if request.endpoint == "tracking.widget":
        return render_template("tracking/widget_invalid.html"), 404
    return render_template("tracking/invalid_link.html"), 404


def commit_or_flash(action, refused, success):
    """Do a staff or customer action (``action()``): committed with ``success`` flashed, or rolled back
    with the ``refused`` error's own words flashed; returns that error, or None when done. For an
    action with no typed text to keep the caller redirects back either way."""
    try:
        action()
    except refused as error:
        db.session.rollback()
        flash(str(error), "error")
        return error
    db.session.commit()
    flash(success, "success")
    return None


class Posted(NamedTuple):
    """A refused form shown again: what it sent and why it was refused (``posted`` in templates)."""
    form: ImmutableMultiDict
    error: str | None


NOTHING_POSTED = Posted(ImmutableMultiDict(), None)
#: This request's refused form (``Posted``), in the WSGI environ like ``PARCEL_FOUND`` below: ``g``
#: may be shared by the requests of one surrounding app context (a test's, a command's)
REFUSED = "posylka.refused_form"


def commit_or_show_again(action, refused, success, *, back, page):
    """A form a person typed into. Done: committed, ``success`` flashed, redirected to ``back``.
    Refused: rolled back and ``page()`` shown again (422, or the refusal's own ``status``) with the
    refusal's own words flashed (a form whose action names its section, ``…#returns``, has them shown
    there by forms.js) and the form, through ``posted``, open and holding everything typed: nothing is
    lost to a mistake."""
    error = commit_or_flash(action, refused, success)
    if error is None:
        return redirect(back)
    request.environ[REFUSED] = Posted(request.form, str(error))
    return page(), getattr(error, "status", 422)  # 409 for a conflict (``settings.SettingsChanged``)


@bp.app_template_global()
def posted(*actions):
    """What the refused form sent (its fields, the refusal) if it was sent to one of ``actions`` (one
    form's URLs: its action, a button's ``formaction``), else nothing: every other form starts empty."""
    refused = request.environ.get(REFUSED)
    if refused is None or request.path not in {action.split("#")[0] for action in actions}:
        return NOTHING_POSTED
    return refused


# ---- look-up without an account --------------------------------------------------------------

# This request's look-up showed a parcel. Kept in the WSGI environ, which belongs to this request
# alone: ``g`` belongs to the app context, which one surrounding app context (a test's, a CLI's)
# shares across requests, so a found parcel would excuse the next failed look-up from the limit.
PARCEL_FOUND = "posylka.parcel_found"


def _lookup_failed(response):
    """Counted: a look-up that found nothing. An order found redirects to its page (303), a parcel found
    by its number alone is shown at once, and a form refused before anything was looked up (an empty
    field: 422) is no attempt."""
    return response.status_code not in (303, 422) and not request.environ.get(PARCEL_FOUND)


def _just_the_form():
    """GET /track without a number: the form itself is never throttled."""
    return request.method == "GET" and not request.args.get("number")


def _lookup_refused(limit):
    """Too many failed look-ups: the look-up page again (429), what was typed still in its fields, with
    when to try again (the limit's own reset time) and the ways out below (log in, the shop's contact)."""
    form = LookupForm()  # a POST's fields as typed; nothing is validated or looked up
    if request.method == "GET":
        form.number.data = request.args.get("number", "")[:40]
    minutes = max(1, math.ceil((limit.reset_at - time.time()) / 60))
    return Response(render_template("tracking/lookup.html", form=form, not_found=False, retry_minutes=minutes), 429)


@bp.route("/track", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["TRACK_LOOKUP_RATE_LIMIT"], exempt_when=_just_the_form,
               deduct_when=_lookup_failed, on_breach=_lookup_refused)
def lookup():
    """The look-up form. A tracking number alone (posted, or as ``/track?number=…``, where a
    language switch on the parcel's page leads) shows the parcel's status and route."""
    form = LookupForm()
    not_found = False
    if request.method == "GET" and request.args.get("number"):
        form.number.data = request.args["number"][:40]
        return _parcel_or_form(form)
    if form.validate_on_submit():
        if not form.contact.data:
            return _parcel_or_form(form)
        order = access.order_for_lookup(form.number.data, form.contact.data)
        if order is not None:
            url = links.tracking_url(order, external=False)  # a first link gives the order its nonce
            db.session.commit()
            return redirect(url, 303)
        not_found = True
    elif form.is_submitted() and not form.contact.data:
        form.contact.errors = [*form.contact.errors, _("Enter the phone number or e-mail.")]
    return render_template("tracking/lookup.html", form=form, not_found=not_found), 422 if form.errors else 200


def _parcel_or_form(form):
    """A tracking number alone: the parcel's status and route, nothing personal; else the form says why."""
    parcel = access.parcel_for_tracking_number(form.number.data)
    if parcel is not None:
        request.environ[PARCEL_FOUND] = True
        return render_template("tracking/parcel.html", parcel=presenters.parcel_view(parcel))
    form.contact.errors = [_("No parcel has this tracking number yet. Check it, or enter your order number "
                             "with the phone or e-mail given with the order.")
                           if access.looks_like_waybill(form.number.data)
                           else _("Enter the phone number or e-mail.")]
    return render_template("tracking/lookup.html", form=form, not_found=False)


# ---- signed links ----------------------------------------------------------------------------

@bp.route("/t/<token>")
def signed(token):
    return signed_page(token, counted=True)


def signed_page(token, *, counted=False):
    """The signed link's page; ``counted``: as a view (not when shown again with a refused form on it)."""
    return _token_page(token, kind="signed", page="tracking/signed.html", endpoint="tracking.signed_progress",
                       counted=counted)


@bp.route("/t/<token>/problem", methods=["POST"])
@limiter.limit("20 per hour")
def signed_problem(token):
    """"Report a problem" from a signed link (no account): a note staff see on the order."""
    order = access.order_for_token(token)
    return commit_or_show_again(
        lambda: help.report_problem(order, request.form.get("message"), source="link"), help.ReportRefused,
        _("Thank you. The shop has your message and will get back to you."),
        back=url_for("tracking.signed", token=token, **_lang_args()) + "#help", page=lambda: signed_page(token))


@bp.route("/t/<token>/follow", methods=["POST"])
@limiter.limit("20 per hour")
def signed_follow(token):
    """E-mail or SMS updates for this one order, without an account (consent recorded)."""
    order = access.order_for_token(token)
    return commit_or_show_again(
        lambda: follow.follow(order, request.form.get("channel", ""), request.form.get("address"),
                              consent=request.form.get("consent") == "yes", language=select_locale()),
        follow.FollowRefused,
        _("Done: you will get the news about this order. Every message has a link to stop them."),
        back=url_for("tracking.signed", token=token) + "#follow", page=lambda: signed_page(token))


@bp.route("/follow/stop/<token>", methods=["GET", "POST"])
@csrf.exempt  # the secret in the link is the credential; mail clients POST here for one-click unsubscribe
def unfollow(token):
    row = follow.follower_for_token(token)
    if row is None:
        return render_template("tracking/unfollow.html", invalid=True), 404
    if request.method == "POST":
        follow.unfollow(row)
        db.session.commit()
        return render_template("tracking/unfollow.html", done=True, row=row)
    return render_template("tracking/unfollow.html", row=row, token=token)


@bp.route("/t/<token>/progress")
def signed_progress(token):
    return _token_progress(token, kind="signed", page="tracking/signed.html", endpoint="tracking.signed_progress")


def _token_page(token, *, kind, page, endpoint, counted=True):
    """A signed link's page (or the widget), its progress block polling ``endpoint``; ``counted``: as a view."""
    order = access.order_for_token(token, with_tracking=True)
    html = render_template(page, **page_context(order, kind, url_for(endpoint, token=token, **_lang_args())))
    if counted:
        kpis.record_view(order.id)
    return html


def _token_progress(token, *, kind, page, endpoint):
    return progress_response(access.order_state_for_token(token), lambda: access.order_for_token(token, with_tracking=True),
                             kind=kind, page=page, poll_url=lambda: url_for(endpoint, token=token, **_lang_args()))


# ---- the widget --------------------------------------------------------------------------------

@bp.route("/widget/<token>")
def widget(token):
    return _token_page(token, kind="widget", page="tracking/widget.html", endpoint="tracking.widget_progress")


@bp.route("/widget/<token>/progress")
def widget_progress(token):
    return _token_progress(token, kind="widget", page="tracking/widget.html", endpoint="tracking.widget_progress")


@bp.route("/widget/embed.js")
def embed_script():
    response = send_from_directory(os.path.join(current_app.root_path, "static", "js"), "widget-embed.js",
                                   mimetype="text/javascript", max_age=3600)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.route("/widget/branding.css")
def branding_css():
    brand = branding.current()
    response = Response(branding.stylesheet(), mimetype="text/css")
    response.set_etag(brand.version)
    response.headers["Cache-Control"] = "public, max-age=300"
    return response.make_conditional(request)


@bp.route("/widget/logo")
def logo():
    found = branding.logo()
    if found is None:
        return Response(status=404)
    data, mimetype = found
    response = Response(data, mimetype=mimetype)
    response.set_etag(branding.current().version)
    response.headers["Cache-Control"] = "public, max-age=300"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response.make_conditional(request)


@bp.after_request
def protect_token_urls(response):
    """No referrer leaves a page whose URL carries a signed token, and no robot indexes it (also the
    returns blueprint's token pages: ``returns.views``)."""
    if request.endpoint in TOKEN_ENDPOINTS:
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response
