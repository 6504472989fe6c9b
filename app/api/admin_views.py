"""Admin page for API clients (create, revoke) and the platforms' webhook secrets."""
from flask import Blueprint, abort, current_app, flash, make_response, redirect, render_template, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectMultipleField, StringField
from wtforms.validators import URL, DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app import queued, settings
from app.api.models import SCOPES, ApiClient
from app.api.platforms import PLATFORMS
from app.auth import admin_required
from app.extensions import db
from app.integrations import pull
from app.scheduler import run_soon

bp = Blueprint("api_admin", __name__, url_prefix="/admin/api-clients")


class ClientForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    scopes = SelectMultipleField(_l("Scopes"), choices=[(s, s) for s in SCOPES], default=["read:shipments"],
                                 validators=[DataRequired()], widget=ListWidget(prefix_label=False),
                                 option_widget=CheckboxInput())
    allowed_ips = StringField(_l("Allowed addresses (optional)"), validators=[Optional(), Length(max=500)],
                              description=_l("IP addresses or networks, separated by spaces; empty means any."))
    sandbox = BooleanField(_l("Sandbox: sees and changes only sandbox orders"))


class PlatformForm(FlaskForm):
    woocommerce = PasswordField(_l("WooCommerce webhook secret"), validators=[Optional(), Length(max=200)])
    shopify = PasswordField(_l("Shopify webhook secret (the app's client secret)"),
                            validators=[Optional(), Length(max=200)])
    clear = SelectMultipleField(_l("Remove"), choices=[("woocommerce", "WooCommerce"), ("shopify", "Shopify")],
                                widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())


class StoreForm(settings.ShownSettings, FlaskForm):
    """Stores whose orders the app pulls itself (Magento 2, PrestaShop)."""

    MAGENTO_URL = StringField(_l("Magento store address"), validators=[Optional(), URL(require_tld=False),
                                                                      Length(max=200)])
    MAGENTO_TOKEN = PasswordField(_l("Magento integration access token (leave empty to keep)"),
                                  validators=[Optional(), Length(max=200)])
    PRESTASHOP_URL = StringField(_l("PrestaShop store address"), validators=[Optional(), URL(require_tld=False),
                                                                            Length(max=200)])
    PRESTASHOP_KEY = PasswordField(_l("PrestaShop webservice key (leave empty to keep)"),
                                   validators=[Optional(), Length(max=200)])
    SECRET_FIELDS = ("MAGENTO_TOKEN", "PRESTASHOP_KEY")


class StatusSyncForm(settings.ShownSettings, FlaskForm):
    """Where our statuses are sent back, and which platform status each of ours becomes."""

    SHOPIFY_SHOP_URL = StringField(_l("Shopify store address (https://…myshopify.com)"),
                                   validators=[Optional(), URL(require_tld=False), Length(max=200)])
    SHOPIFY_ACCESS_TOKEN = PasswordField(_l("Shopify Admin API access token (leave empty to keep)"),
                                         validators=[Optional(), Length(max=200)])
    WOOCOMMERCE_URL = StringField(_l("WooCommerce site address"), validators=[Optional(), URL(require_tld=False),
                                                                             Length(max=200)])
    WOOCOMMERCE_KEY = PasswordField(_l("WooCommerce REST consumer key (leave empty to keep)"),
                                    validators=[Optional(), Length(max=200)])
    WOOCOMMERCE_SECRET = PasswordField(_l("WooCommerce REST consumer secret (leave empty to keep)"),
                                       validators=[Optional(), Length(max=200)])
    SHOPIFY_STATUS_MAP = StringField(_l("Shopify: our status = fulfillment event"), validators=[Length(max=500)])
    WOOCOMMERCE_STATUS_MAP = StringField(_l("WooCommerce: our status = order status"), validators=[Length(max=500)])
    MAGENTO_STATUS_MAP = StringField(_l("Magento: our status = order status (“ship” creates the shipment)"),
                                     validators=[Length(max=500)])
    PRESTASHOP_STATUS_MAP = StringField(_l("PrestaShop: our status = order state id"), validators=[Length(max=500)])
    SECRET_FIELDS = ("SHOPIFY_ACCESS_TOKEN", "WOOCOMMERCE_KEY", "WOOCOMMERCE_SECRET")
    MAPS = {"SHOPIFY_STATUS_MAP": "shopify", "WOOCOMMERCE_STATUS_MAP": "woocommerce",
            "MAGENTO_STATUS_MAP": "magento", "PRESTASHOP_STATUS_MAP": "prestashop"}


def _status_form():
    from app.integrations.push import DEFAULT_MAPS

    form = StatusSyncForm()
    settings.fill_form(form, secret=StatusSyncForm.SECRET_FIELDS)
    for name, platform in StatusSyncForm.MAPS.items():
        form[name].data = form[name].data or DEFAULT_MAPS[platform]
    return form


def _page(form=None, platform_form=None, new_client=None, secret=None, status=200, store_form=None,
          status_form=None):
    from app.api.services import clients

    if status == 422:  # four forms on one long page: the top, where it opens, says one was refused
        flash(_("Check the highlighted fields."), "error")
    secrets_set = {name: bool(settings.get(conf["secret"])) for name, conf in PLATFORMS.items()}
    response = make_response(render_template(
        "api/clients.html", clients=clients(), form=form or ClientForm(), platform_form=platform_form or PlatformForm(),
        new_client=new_client, secret=secret, secrets_set=secrets_set, store_form=store_form or _store_form(),
        stores=pull.status(), pull_panels={name: _pull_panel(name) for name in pull.CONNECTORS},
        status_form=status_form or _status_form(),
        webhook_urls={name: url_for(f"api.{name}_webhook", _external=True) for name in PLATFORMS}), status)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/", methods=["GET"])
@admin_required
def index():
    return _page()


@bp.route("/", methods=["POST"])
@admin_required
def create():
    from app.api.services import ClientInputError, create_client

    form = ClientForm()
    if not form.validate_on_submit():
        return _page(form=form, status=422)
    try:
        client, secret = create_client(form.name.data, " ".join(form.scopes.data), allowed_ips=form.allowed_ips.data,
                                       sandbox=form.sandbox.data, actor=current_user)
    except ClientInputError as error:
        db.session.rollback()
        getattr(form, error.field if error.field != "scope" else "scopes").errors.append(str(error))
        return _page(form=form, status=422)
    db.session.commit()
    # The secret is rendered once, in this response only (not flashed: the session cookie is readable).
    return _page(form=ClientForm(formdata=None), new_client=client, secret=secret, status=201)


@bp.route("/<int:client_id>/revoke", methods=["POST"])
@admin_required
def revoke(client_id):
    from app.api.services import revoke_client

    client = db.get_or_404(ApiClient, client_id)
    revoke_client(client, actor=current_user)
    db.session.commit()
    flash(_("Client “%(name)s” is revoked; its tokens no longer work.", name=client.name), "success")
    return redirect(url_for("api_admin.index"))


@bp.route("/platforms", methods=["POST"])
@admin_required
def platforms():
    form = PlatformForm()
    if not form.validate_on_submit():
        return _page(platform_form=form, status=422)
    values = {conf["secret"]: None if name in (form.clear.data or []) else getattr(form, name).data or ""
              for name, conf in PLATFORMS.items()}
    changed = settings.save(values, action="api.platform_secrets", secret=set(values))
    db.session.commit()
    flash(_("Webhook secrets saved.") if changed else _("Nothing to save: no field was changed."), "success")
    return redirect(url_for("api_admin.index"))


def _store_form():
    form = StoreForm()
    settings.fill_form(form, secret=StoreForm.SECRET_FIELDS)
    return form


def _save_settings(form, action):
    """Store every field of ``form`` as a setting (a secret left empty keeps its value); audit and commit.
    False (nothing stored, the reason flashed) when another admin changed them since the form was shown."""
    try:
        settings.save(settings.form_values(form), action=action, secret=form.SECRET_FIELDS,
                      shown=form.settings_shown.data)
    except settings.SettingsChanged as error:
        flash(str(error), "error")
        return False
    db.session.commit()
    return True


@bp.route("/stores", methods=["POST"])
@admin_required
def stores():
    """Save the stores' addresses and keys; the next scheduled pull (or "Pull now") reads them."""
    form = StoreForm()
    if not form.validate_on_submit():
        return _page(store_form=form, status=422)
    if not _save_settings(form, "api.stores"):
        return _page(store_form=form, status=409)  # shown again as typed
    flash(_("Store connections saved."), "success")
    return redirect(url_for("api_admin.index"))


@bp.route("/stores/<platform>/pull", methods=["POST"])
@admin_required
def store_pull(platform):
    """Queue a pull of the store for the scheduler; the row shows how it goes (``app.queued``)."""
    if platform not in pull.CONNECTORS:
        abort(404)
    if not pull.CONNECTORS[platform].configured():
        flash(_("Enter the store's address and key first."), "error")
    else:
        queued.queue(f"pull:{platform}", current_user)
        db.session.commit()
        run_soon(current_app._get_current_object(), "pull-requests")
        flash(_("Pull queued: it runs in the background; this page shows its result when it finishes."), "success")
    return redirect(url_for("api_admin.index") + f"#pull-{platform}")


@bp.route("/stores/<platform>/pull")
@admin_required
def store_pull_state(platform):
    """The "pull now" state of one store alone (polled by the page while the pull is queued or running)."""
    if platform not in pull.CONNECTORS:
        abort(404)
    return render_template("_queued_request.html", queued_request=_pull_panel(platform))


#: A store's "pull now" panel while the pull waits or runs (``queued.panel``)
PULL_WAITING = {"queued": _l("Pull queued at %(time)s: it starts in the background within a few seconds."),
                "running": _l("Pull running since %(time)s…"),
                "interrupted": _l("The pull started at %(time)s was interrupted before it finished.")}


def _pull_panel(platform):
    return queued.panel(f"pull:{platform}", element_id=f"pull-{platform}", waiting=PULL_WAITING,
                        url=url_for("api_admin.store_pull_state", platform=platform), finished=_pull_finished)


def _pull_finished(request):
    """What a store's "pull now" panel says of a finished pull: [(text, css class)]."""
    result, time = request.result, format_datetime(request.finished_at, "short")
    if result.get("busy"):
        return [(_("Pull skipped at %(time)s: another pull of this store was already running.", time=time), "muted")]
    if result.get("error"):
        return [(_("Pull failed at %(time)s: the store could not be read: %(error)s", time=time,
                   error=result["error"]), "field-error")]
    return [(_("Pull done at %(time)s: orders taken: %(taken)d, refused: %(refused)d (see the audit log).",
               time=time, taken=result["taken"], refused=result["refused"]), "")]


@bp.route("/status-sync", methods=["POST"])
@admin_required
def status_sync():
    """Save the platforms' write access and the status mappings (each checked before anything is saved)."""
    from app.integrations.push import MappingInvalid, parse_map

    form = StatusSyncForm()
    valid = form.validate_on_submit()
    for name, platform in StatusSyncForm.MAPS.items():
        try:
            parse_map(platform, form[name].data)
        except MappingInvalid as error:
            form[name].errors = [*form[name].errors, str(error)]
            valid = False
    if not valid:
        return _page(status_form=form, status=422)
    if not _save_settings(form, "api.status_sync"):
        return _page(status_form=form, status=409)  # shown again as typed
    flash(_("Status sync settings saved."), "success")
    return redirect(url_for("api_admin.index"))
