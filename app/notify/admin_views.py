"""Staff and admin pages for notifications: the delivery log, per-order state, re-sending,
the template editor, webhook endpoints, the dev mailbox and gateway settings."""
from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import settings
from app.auth import admin_required, staff_required
from app.extensions import db
from app.htmx import render
from app.notify import channels, messengers, outbox, problems, services, skips, variants
from app.notify import templates as tpl
from app.notify.channels.webhook import endpoint_secret
from app.notify.defaults import KINDS, LANGUAGES, TEMPLATE_CHANNELS, kind_label
from app.notify.forms import SettingsForm, TemplateForm, VariantForm, WebhookForm
from app.notify.models import DevMail, WebhookEndpoint
from app.orders.models import Order
from app.queryargs import page_arg, text_arg

bp = Blueprint("notify_admin", __name__, url_prefix="/admin/notifications")


def state_labels():
    return {"queued": _("Queued"), "sending": _("Sending"), "sent": _("Sent"), "failed": _("Failed"),
            "skipped": _("Skipped")}


@bp.app_context_processor
def _labels():
    return {"notify_channel_labels": channels.LABELS, "notify_kind_label": kind_label,
            "notify_skip_reason": skips.label, "notify_problem": problems.describe}


def _row_or_404(notification_id):
    return services.visible_row(current_user, notification_id) or abort(404)


@bp.route("/")
@staff_required
def log():
    channel, state, q = request.args.get("channel", ""), request.args.get("state", ""), text_arg(request.args, "q", 254)
    page = page_arg(request.args)
    rows, has_next = services.log_page(current_user, channel=channel, state=state, q=q, page=page)
    return render("notify/admin/log.html", "notify/admin/_log_table.html", rows=rows, has_next=has_next,
                  page_number=page, filters={"channel": channel, "state": state, "q": q}, states=state_labels())


@bp.route("/<int:notification_id>")
@staff_required
def detail(notification_id):
    row = _row_or_404(notification_id)
    return render_template("notify/admin/detail.html", row=row, states=state_labels(),
                           outdated=outbox.outdated_warning(row))


@bp.route("/<int:notification_id>/resend", methods=["POST"])
@staff_required
def resend(notification_id):
    row = _row_or_404(notification_id)
    try:
        services.resend(row, outdated_ok=request.form.get("outdated_ok") == "1")
    except outbox.OutdatedMessage:  # the message's page says why and asks again
        return redirect(url_for("notify_admin.detail", notification_id=row.id))
    except outbox.CannotResend as error:
        flash(str(error), "error")
        return redirect(request.referrer or url_for("notify_admin.detail", notification_id=row.id))
    db.session.commit()
    flash(_("The message is queued to be sent again."), "success")
    return redirect(url_for("notify_admin.detail", notification_id=row.id))


@bp.route("/orders/<int:order_id>")
@staff_required
def order_state(order_id):
    order = db.get_or_404(Order, order_id)
    return render("notify/admin/order.html", "notify/admin/_order_table.html", order=order,
                  rows=services.order_rows(current_user, order), states=state_labels())


# ---- templates -------------------------------------------------------------------------------

@bp.route("/templates")
@admin_required
def template_list():
    return render_template("notify/admin/templates.html", kinds=KINDS, channels_=TEMPLATE_CHANNELS,
                           channel_labels=[channels.LABELS[c] for c in TEMPLATE_CHANNELS],
                           template_languages=LANGUAGES, overrides=tpl.overridden(), ab_tests=services.ab_tests(),
                           ab_channels=variants.CHANNELS)


def _template_key(kind, channel, language):
    if kind not in KINDS or channel not in TEMPLATE_CHANNELS or language not in LANGUAGES:
        abort(404)


@bp.route("/templates/<kind>/<channel>/<language>", methods=["GET", "POST"])
@admin_required
def template_edit(kind, channel, language):
    _template_key(kind, channel, language)
    subject, body, overridden = tpl.source_for(kind, channel, language)
    form = TemplateForm()
    if not form.is_submitted():
        form.subject.data, form.body.data = subject or "", body
    error = None
    if form.validate_on_submit():
        try:
            tpl.save(kind, channel, language, form.subject.data, form.body.data)
        except tpl.TemplateInvalid as exc:
            error = str(exc)
        else:
            db.session.commit()
            flash(_("The template is saved."), "success")
            return redirect(url_for("notify_admin.template_edit", kind=kind, channel=channel, language=language))
    preview = tpl.preview(kind, form.subject.data, form.body.data, channel, language)
    return render_template("notify/admin/template_edit.html", form=form, kind=kind, channel=channel,
                           language=language, overridden=overridden, error=error, preview=preview,
                           fields=tpl.FIELDS), 422 if error or form.errors else 200


@bp.route("/templates/<kind>/<channel>/<language>/preview", methods=["POST"])
@admin_required
def template_preview(kind, channel, language):
    _template_key(kind, channel, language)
    preview = tpl.preview(kind, request.form.get("subject", ""), request.form.get("body", ""), channel, language)
    return render_template("notify/admin/_preview.html", preview=preview)


@bp.route("/templates/<kind>/<channel>/<language>/reset", methods=["POST"])
@admin_required
def template_reset(kind, channel, language):
    _template_key(kind, channel, language)
    if tpl.reset(kind, channel, language):
        db.session.commit()
    flash(_("The shipped template is used again."), "success")
    return redirect(url_for("notify_admin.template_edit", kind=kind, channel=channel, language=language))


# ---- webhooks --------------------------------------------------------------------------------

@bp.route("/webhooks", methods=["GET", "POST"])
@admin_required
def webhooks():
    form = WebhookForm()
    if form.validate_on_submit():
        endpoint = services.add_endpoint(form.url.data, form.description.data, allow_private=form.allow_private.data)
        db.session.commit()
        flash(_("The endpoint is added. Copy its signing secret below."), "success")
        return redirect(url_for("notify_admin.webhook", endpoint_id=endpoint.id))
    if form.errors:
        flash(_("Check the highlighted fields."), "error")
    return render_template("notify/admin/webhooks.html", form=form, endpoints=services.endpoints()), \
        422 if form.errors else 200


@bp.route("/webhooks/<int:endpoint_id>", methods=["GET", "POST"])
@admin_required
def webhook(endpoint_id):
    endpoint = db.get_or_404(WebhookEndpoint, endpoint_id)
    form = WebhookForm(obj=endpoint)
    if form.validate_on_submit():
        services.update_endpoint(endpoint, url=form.url.data, description=form.description.data,
                                 enabled=form.enabled.data, allow_private=form.allow_private.data)
        db.session.commit()
        flash(_("The endpoint is saved."), "success")
        return redirect(url_for("notify_admin.webhook", endpoint_id=endpoint.id))
    if form.errors:
        flash(_("Check the highlighted fields."), "error")
    return render_template("notify/admin/webhook.html", endpoint=endpoint, form=form,
                           deliveries=services.deliveries(endpoint),
                           secret=endpoint_secret(endpoint), states=state_labels()), 422 if form.errors else 200


@bp.route("/webhooks/<int:endpoint_id>/test", methods=["POST"])
@admin_required
def webhook_test(endpoint_id):
    endpoint = db.get_or_404(WebhookEndpoint, endpoint_id)
    outbox.webhook_ping(endpoint)
    db.session.commit()
    flash(_("A test event is queued; it is sent within a minute."), "success")
    return redirect(url_for("notify_admin.webhook", endpoint_id=endpoint.id))


# ---- dev mailbox -----------------------------------------------------------------------------

@bp.route("/mailbox")
@admin_required
def mailbox():
    return render_template("notify/admin/mailbox.html", mails=services.dev_mails(), smtp_host=settings.get("SMTP_HOST", ""))


@bp.route("/mailbox/<int:mail_id>")
@admin_required
def mail(mail_id):
    item = db.get_or_404(DevMail, mail_id)
    return render_template("notify/admin/mail.html", mail=item, headers=services.readable_headers(item))


@bp.route("/mailbox/<int:mail_id>/html")
@admin_required
def mail_html(mail_id):
    item = db.get_or_404(DevMail, mail_id)
    response = make_response(item.html_body or "")
    response.headers["Content-Type"] = "text/html; charset=utf-8"
    # shown as the customer would see it, but sandboxed: no scripts, no forms, no same-origin access
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:"
    return response


# ---- settings --------------------------------------------------------------------------------

@bp.route("/settings", methods=["GET", "POST"])
@admin_required
def settings_page():
    form = SettingsForm()
    if not form.is_submitted():
        settings.fill_form(form, secret=SettingsForm.SECRET_FIELDS)
    code = 200
    if form.validate_on_submit() and form.secrets_follow_hosts(settings.get):
        try:
            services.save_settings(form)
        except settings.SettingsChanged as error:  # shown again as typed
            flash(str(error), "error")
            code = 409
        else:
            db.session.commit()
            flash(_("The notification settings are saved."), "success")
            return redirect(url_for("notify_admin.settings_page"))
    if form.errors:  # a long page: the top, where it opens, says it was refused
        flash(_("Check the highlighted fields."), "error")
        code = 422
    return render_template("notify/admin/settings.html", form=form, bots=services.bots()), code


@bp.route("/messengers/<channel>/connect", methods=["POST"])
@admin_required
def messenger_connect(channel):
    """Check the bot's token and choose how its updates arrive (webhook over HTTPS, else long polling)."""
    if channel not in ("telegram", "viber"):
        abort(404)
    webhook_url = (settings.get("PUBLIC_URL", "") or "").rstrip("/") + url_for(f"messengers.{channel}_webhook")
    try:
        username = services.connect_bot(channel, webhook_url)
    except services.BotNotConnected as refusal:
        db.session.rollback()
        flash(str(refusal), "error")
    else:
        db.session.commit()
        flash(_("The bot %(name)s is connected.", name=username), "success")
    return redirect(url_for("notify_admin.settings_page"))


@bp.route("/messengers/<channel>/alerts", methods=["POST"])
@admin_required
def messenger_alerts(channel):
    """A one-time deep link that makes the admin's own chat receive the shop's alerts."""
    from app.notify import messenger_views

    if channel not in dict(messengers.options()):
        abort(404)
    token = services.alerts_invite(channel)
    db.session.commit()
    return messenger_views.link_page(channel, token)


# ---- A/B tests -------------------------------------------------------------------------------

@bp.route("/templates/<kind>/<channel>/ab", methods=["GET", "POST"])
@admin_required
def template_ab(kind, channel):
    """Give a kind × channel template a second variant (per language) and the share that gets it."""
    _template_key(kind, channel, LANGUAGES[0])
    if channel not in variants.CHANNELS:
        abort(404)
    share = variants.split_for(kind, channel)
    form = VariantForm()
    if not form.is_submitted():
        form.share_b.data = share or 0
        for language in LANGUAGES:
            source = variants.variant_source(kind, channel, language)
            if source:
                form[f"subject_{language}"].data, form[f"body_{language}"].data = source[0] or "", source[1]
    errors = []
    if form.validate_on_submit():
        texts = {lang: (form[f"subject_{lang}"].data or "", form[f"body_{lang}"].data or "") for lang in LANGUAGES}
        try:
            services.save_ab_test(kind, channel, form.share_b.data or 0, texts)
        except services.VariantsInvalid as refusal:
            errors = refusal.errors
        else:
            db.session.commit()
            flash(_("The A/B test is saved.") if form.share_b.data else _("The A/B test is stopped."), "success")
            return redirect(url_for("notify_admin.template_ab", kind=kind, channel=channel))
    return render_template("notify/admin/template_ab.html", form=form, kind=kind, channel=channel,
                           ab_languages=LANGUAGES, errors=errors, running=share is not None,
                           fields=tpl.FIELDS), 422 if errors or form.errors else 200
