"""Public tracking: the look-up at /track, signed links (/t/<token>) and the embeddable widget (/widget/...).

Everything a shop embeds in its own pages lives under ``/widget/`` so that framing rules can name it.
"""
import os

from flask import Blueprint, Response, current_app, g, make_response, redirect, render_template, request, send_from_directory, url_for

from app.carriers import carrier_name
from app.database import begin_write, reads_first
from app.extensions import db, limiter
from app.htmx import is_partial_request
from app.tracking import branding, fragments, links, services
from app.tracking.forms import LookupForm

bp = Blueprint("tracking", __name__)

#: Endpoints that carry a signed token in their URL: no referrer leaves them, no robot indexes them.
TOKEN_ENDPOINTS = {"tracking.signed", "tracking.signed_progress", "tracking.widget", "tracking.widget_progress"}


@bp.before_app_request
def _fresh_branding():
    g.pop("_branding", None)  # read once per request, never carried over


@bp.app_template_global("tracking_branding")
def tracking_branding():
    return branding.current()


@bp.app_template_global("carrier_name")
def _carrier_name(code):
    return carrier_name(code)


def progress_response(order, *, kind, poll_url, page):
    """Answer for the polled tracking partial (and its page without JavaScript).

    An htmx poll whose ETag still matches gets ``304`` before anything is rendered; a terminal order
    answers ``286`` so that htmx stops polling after swapping in the final state.
    """
    etag = services.etag_for(order, kind)
    partial = is_partial_request()
    if partial and not order.is_terminal and request.if_none_match.contains_weak(etag):
        return not_modified(etag)
    if partial:
        body = render_template("tracking/_progress.html", order=order, view=services.full_tracking_view(order),
                               kind=kind, poll_url=poll_url, etag=etag)
    else:
        body = render_template(page, **page_context(order, kind, poll_url, etag=etag))
    response = make_response(body, 286 if partial and order.is_terminal else 200)
    response.set_etag(etag, weak=True)
    response.headers["Cache-Control"] = "private, no-cache"
    return response


def not_modified(etag):
    response = Response(status=304)
    response.set_etag(etag, weak=True)
    response.headers["Cache-Control"] = "private, no-cache"
    return response


def page_context(order, kind, poll_url, etag=None):
    """What a tracking page needs: the order and its progress block (cached, see ``fragments``)."""
    etag = etag or services.etag_for(order, kind)
    return {"order": order, "kind": kind, "etag": etag,
            "progress_html": fragments.progress_block(order, kind=kind, poll_url=poll_url, etag=etag,
                                                      render_view=services.full_tracking_view)}


def _lang_args():
    lang = request.args.get("lang")
    return {"lang": lang} if lang in current_app.config["LANGUAGES"] else {}


def _invalid_link():
    if is_partial_request():
        # stop the poll and say why, in place of the bar
        return render_template("tracking/_invalid_link.html"), 286
    return render_template("tracking/invalid_link.html"), 404


# ---- look-up without an account --------------------------------------------------------------

def _lookup_failed(response):
    return response.status_code != 303


@bp.route("/track", methods=["GET", "POST"])
@reads_first
@limiter.limit(lambda: current_app.config["TRACK_LOOKUP_RATE_LIMIT"], methods=["POST"],
               deduct_when=_lookup_failed)
def lookup():
    form = LookupForm()
    not_found = False
    if form.validate_on_submit():
        order = services.find_order_for_lookup(form.number.data, form.contact.data)
        if order is not None:
            if not order.link_nonce:
                begin_write()  # a first link gives the order its nonce (read again under the write lock)
            url = links.tracking_url(order, external=False)
            db.session.commit()
            return redirect(url, 303)
        not_found = True
    return render_template("tracking/lookup.html", form=form, not_found=not_found)


# ---- signed links ----------------------------------------------------------------------------

@bp.route("/t/<token>")
def signed(token):
    try:
        order = links.order_for_token(token)
    except links.InvalidLink:
        return _invalid_link()
    poll_url = url_for("tracking.signed_progress", token=token, **_lang_args())
    return render_template("tracking/signed.html", **page_context(order, "signed", poll_url))


@bp.route("/t/<token>/progress")
def signed_progress(token):
    try:
        order = links.order_for_token(token)
    except links.InvalidLink:
        return _invalid_link()
    return progress_response(order, kind="signed", page="tracking/signed.html",
                             poll_url=url_for("tracking.signed_progress", token=token, **_lang_args()))


# ---- the widget --------------------------------------------------------------------------------

@bp.route("/widget/<token>")
def widget(token):
    try:
        order = links.order_for_token(token)
    except links.InvalidLink:
        if is_partial_request():
            return _invalid_link()
        return render_template("tracking/widget_invalid.html"), 404
    poll_url = url_for("tracking.widget_progress", token=token, **_lang_args())
    return render_template("tracking/widget.html", **page_context(order, "widget", poll_url))


@bp.route("/widget/<token>/progress")
def widget_progress(token):
    try:
        order = links.order_for_token(token)
    except links.InvalidLink:
        return _invalid_link()
    return progress_response(order, kind="widget", page="tracking/widget.html",
                             poll_url=url_for("tracking.widget_progress", token=token, **_lang_args()))


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


@bp.after_app_request
def _protect_token_urls(response):
    if request.endpoint in TOKEN_ENDPOINTS:
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response
