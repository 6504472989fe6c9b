"""Admin-only pages: users, the audit log and the settings hub."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import settings
from app.admin import audit_words, people
from app.admin.forms import ROLE_LABELS, SettingsForm, UserForm
from app.admin.views import bp
from app.auth import admin_required
from app.auth.models import ROLES, User
from app.auth.services import AuthError
from app.extensions import db
from app.htmx import is_partial_request, render
from app.queryargs import date_arg, page_arg, period_error, text_arg

# ---- users -------------------------------------------------------------------------------------

@bp.route("/users", methods=["GET", "POST"])
@admin_required
def users():
    form = UserForm()
    if form.validate_on_submit():
        try:
            user = people.add_user(form.email.data, form.password.data, form.role.data, name=form.name.data,
                                   actor=current_user)
        except AuthError as error:
            db.session.rollback()
            form.email.errors = [str(error)]
        else:
            db.session.commit()
            flash(_("User %(email)s created.", email=user.email), "success")
            return redirect(url_for("admin.users"))
    role = request.args.get("role", "")
    rows = people.list_users(role or None, text_arg(request.args, "q", 254))
    code = 422 if form.is_submitted() else 200  # a refused form (a created user has been redirected)
    if code == 422:  # the form is under the list of every user: the top, where the page opens, says so
        flash(_("Check the highlighted fields."), "error")
    return render_template("admin/users.html", form=form, users=rows, role=role, roles=ROLES,
                           role_labels=ROLE_LABELS, q=request.args.get("q", "")), code


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@admin_required
def user_active(user_id):
    user = db.get_or_404(User, user_id)
    active = request.form.get("active") == "1"
    try:
        people.set_active(user, active, actor=current_user)
    except AuthError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("admin.users"))
    db.session.commit()
    flash(_("%(email)s can log in again.", email=user.email) if active
          else _("%(email)s is deactivated and logged out everywhere.", email=user.email), "success")
    return redirect(url_for("admin.users"))


@bp.route("/users/<int:user_id>/reset-password", methods=["POST"])
@admin_required
def user_reset_password(user_id):
    user = db.get_or_404(User, user_id)
    password = people.reset_password(user, actor=current_user)
    db.session.commit()
    return render_template("admin/password_reset.html", user=user, password=password)


# ---- audit log ---------------------------------------------------------------------------------

@bp.route("/audit")
@admin_required
def audit():
    args = request.args
    text = {"actor": text_arg(args, "actor", 254), "action": text_arg(args, "action", 64),
            "object_id": text_arg(args, "object_id", 64)}
    page = page_arg(args)
    date_from, date_to = date_arg(args, "date_from"), date_arg(args, "date_to")
    found = audit_words.search(**text, date_from=date_from, date_to=date_to, page=page)
    query = {k: v for k, v in {**text, "date_from": args.get("date_from", ""),
                               "date_to": args.get("date_to", "")}.items() if v}
    error = period_error(date_from, date_to)
    code = 422 if error and not is_partial_request() else 200  # htmx swaps only a 2xx answer
    return render("admin/audit.html", "admin/_audit_table.html", entries=audit_words.describe(found.rows),
                  total=found.total, page_no=page, pages=found.pages, actions=audit_words.action_choices(found.actions),
                  query=query, period_error=error), code


# ---- settings hub ------------------------------------------------------------------------------

@bp.route("/settings", methods=["GET", "POST"])
@admin_required
def settings_page():
    form = SettingsForm()
    code = 200
    if not form.is_submitted():
        settings.fill_form(form)
    elif not form.validate():  # on a phone the field may be far below: say so at the top
        flash(_("Check the highlighted fields."), "error")
        code = 422
    else:
        try:
            changed = settings.save(settings.form_values(form), action="settings.update", object_id="general",
                                    shown=form.settings_shown.data)
        except settings.SettingsChanged as error:  # shown again as typed, with the message at the top
            flash(str(error), "error")
            code = 409
        else:
            db.session.commit()
            flash(_("Settings saved.") if changed else _("Nothing to save: no field was changed."), "success")
            return redirect(url_for("admin.settings_page"))
    return render_template("admin/settings.html", form=form), code
