"""Admin page for API clients (create, revoke) and the platforms' webhook secrets."""
from flask import Blueprint, abort, flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectMultipleField, StringField
from wtforms.validators import URL, DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app import settings
from app.api.models import SCOPES, ApiClient
from app.api.platforms import PLATFORMS
from app.audit import record
from app.auth import admin_required
from app.extensions import db
from app.integrations import pull

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


class StoreForm(FlaskForm):
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


def _page(form=None, platform_form=None, new_client=None, secret=None, status=200, store_form=None):
    clients = db.session.execute(db.select(ApiClient).order_by(ApiClient.revoked_at.is_not(None),
                                                               ApiClient.created_at.desc())).scalars().all()
    secrets_set = {name: bool(settings.get(conf["secret"])) for name, conf in PLATFORMS.items()}
    response = make_response(render_template(
        "api/clients.html", clients=clients, form=form or ClientForm(), platform_form=platform_form or PlatformForm(),
        new_client=new_client, secret=secret, secrets_set=secrets_set, store_form=store_form or _store_form(),
        stores=pull.status(),
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

    client = db.session.get(ApiClient, client_id) or abort(404)
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
    changed = []
    for name, conf in PLATFORMS.items():
        value = (getattr(form, name).data or "").strip()
        if name in (form.clear.data or []):
            settings.put(conf["secret"], None)
            changed.append(name)
        elif value:
            settings.put(conf["secret"], value, secret=True)
            changed.append(name)
    if changed:
        record("api.platform_secrets", "settings", None, actor=current_user, after={"changed": changed})
        db.session.commit()
        flash(_("Webhook secrets saved."), "success")
    return redirect(url_for("api_admin.index"))


def _store_form():
    form = StoreForm()
    for name in ("MAGENTO_URL", "PRESTASHOP_URL"):
        form[name].data = settings.get(name, "") or ""
    return form


@bp.route("/stores", methods=["POST"])
@admin_required
def stores():
    """Save the stores' addresses and keys; the next scheduled pull (or "Pull now") reads them."""
    form = StoreForm()
    if not form.validate_on_submit():
        return _page(store_form=form, status=422)
    changed = []
    for name in ("MAGENTO_URL", "PRESTASHOP_URL", *StoreForm.SECRET_FIELDS):
        value = (form[name].data or "").strip()
        if name in StoreForm.SECRET_FIELDS and not value:
            continue
        if str(settings.get(name, "") or "") != value:
            settings.put(name, value, secret=name in StoreForm.SECRET_FIELDS)
            changed.append(name)
    if changed:
        record("api.stores", "settings", None, actor=current_user, after={"changed": changed})
    db.session.commit()
    flash(_("Store connections saved."), "success")
    return redirect(url_for("api_admin.index"))


@bp.route("/stores/<platform>/pull", methods=["POST"])
@admin_required
def store_pull(platform):
    if platform not in pull.CONNECTORS:
        abort(404)
    result = pull.pull(platform)
    if result is None:
        flash(_("Enter the store's address and key first."), "error")
    else:
        state = db.session.get(pull.PlatformPull, platform)
        if state is not None and state.last_error:
            flash(_("The store could not be read: %(error)s", error=state.last_error), "error")
        else:
            flash(_("Orders taken: %(taken)d, refused: %(refused)d (see the audit log).", taken=result[0],
                    refused=result[1]), "success")
    return redirect(url_for("api_admin.index"))
