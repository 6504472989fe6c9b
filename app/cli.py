"""Command-line tools: ``flask --app wsgi NAME``."""
import os

import click
from flask import current_app
from flask_babel import force_locale

from app import demo, settings
from app.auth.services import AuthError, create_user
from app.backup import BackupError, backup
from app.carriers import CARRIER_CODES
from app.carriers.sync import COUNTS, sync_all
from app.extensions import db
from app.i18n import default_language
from app.privacy import retention
from app.runtime import tune_gc


def init_app(app):
    app.cli.add_command(demo_data)
    app.cli.add_command(create_user_command)
    app.cli.add_command(retention_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(sync_carriers_command)
    app.cli.add_command(settings_command)


@click.command("demo-data")
def demo_data():
    """Load the demo shop (idempotent: a second run changes nothing)."""
    with force_locale(default_language()):
        created = demo.load()
    db.session.commit()
    if created:
        click.echo(f"Demo data loaded: {created} orders. Log in as olena@example.com, staff@example.com "
                   f"or admin@example.com with the password {demo.DEMO_PASSWORD}.")
    else:
        click.echo("Demo data is already loaded; nothing changed.")


@click.command("create-user")
@click.option("--role", type=click.Choice(["customer", "staff", "admin"]), required=True)
@click.option("--name", default=None, help="The person's name.")
@click.argument("email")
@click.password_option(help="Asked for when not given.")
def create_user_command(role, name, email, password):
    """Create a customer, staff or admin account (asks for the password)."""
    try:
        with force_locale("en"):
            user = create_user(email, password, role, name=name)
    except AuthError as error:
        db.session.rollback()
        raise click.ClickException(str(error))
    db.session.commit()
    click.echo(f"Created {user.role} {user.email}.")


@click.command("retention")
@click.option("--dry-run", is_flag=True, help="Only show what the next run would touch.")
def retention_command(dry_run):
    """Apply the retention policy now (anonymise old finished orders, purge sessions and old audit rows)."""
    if dry_run:
        for rule, count, _sample in retention.preview():
            click.echo(f"{rule.name}: {count} would be touched")
        return
    for name, count in retention.run().items():
        click.echo(f"{name}: {count}")


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=True, writable=True))
def backup_command(path):
    """Back up the database to PATH (a file, or a folder for a time-stamped file)."""
    try:
        written = backup(path)
    except BackupError as error:
        raise click.ClickException(str(error))
    click.echo(f"Backup written to {written} ({os.path.getsize(written)} bytes).")


@click.command("sync-carriers")
@click.option("--carrier", "carriers", multiple=True, help="Only this carrier (repeatable).")
@click.option("--all", "force", is_flag=True, help="Every active parcel, not only those due.")
def sync_carriers_command(carriers, force):
    """One full carrier sync now (for cron); prints counts per carrier.

    A carrier another process is syncing at the moment is skipped (and said so): one sync per
    carrier at a time, so its quota and its circuit breaker are never raced.
    """
    unknown = [c for c in carriers if c not in CARRIER_CODES]
    if unknown:
        raise click.BadParameter(f"unknown carrier {unknown[0]!r}; one of {', '.join(CARRIER_CODES)}")
    tune_gc()
    summaries = sync_all(current_app._get_current_object(), trigger="cli", carriers=carriers or None, force=force)
    totals = dict.fromkeys(COUNTS, 0)
    for s in summaries:
        if s["outcome"] == "busy":
            click.echo(f"{s['carrier']}: skipped, another sync of this carrier is running (the scheduler, "
                       f"the admin's \"sync now\" or another sync-carriers); nothing was asked")
            continue
        click.echo(f"{s['carrier']}: {s['outcome']}, {_counts_text(s)}")
        for key in totals:
            totals[key] += s[key]
    click.echo(f"total: {_counts_text(totals)}")


def _counts_text(counts):
    return (f"{counts['shipments']} parcels, {counts['new_events']} new events, {counts['status_changes']} status "
            f"changes, {counts['unmapped']} unmapped, {counts['not_found']} not found, {counts['error_count']} errors")


@click.group("settings", invoke_without_command=True)
@click.pass_context
def settings_command(ctx):
    """List the admin settings (with no sub-command), or set and unset one."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(settings_list)


def _echo_settings(rows):
    for key, shown, where, hidden in rows:
        note = " (a stored admin value is hidden by it)" if hidden else ""
        click.echo(f"{key} = {shown}  [{where}{note}]")
    if not rows:
        click.echo("No admin settings are stored.")


@settings_command.command("list")
@click.argument("keys", nargs=-1)
def settings_list(keys):
    """Every stored admin setting (or the KEYS given): value and where it comes from."""
    _echo_settings(settings.describe(list(keys) or None))


@settings_command.command("set")
@click.argument("key")
@click.argument("value")
def settings_set(key, value):
    """Store KEY = VALUE as an admin setting (keys, tokens, passwords and secrets are encrypted)."""
    _change_setting(key, value)


@settings_command.command("unset")
@click.argument("key")
def settings_unset(key):
    """Remove the admin's value of KEY (the environment's or the default applies again)."""
    _change_setting(key, None)


def _change_setting(key, value):
    try:
        settings.set_from_command_line(key, value)
    except settings.SettingError as error:
        db.session.rollback()
        raise click.ClickException(str(error))
    db.session.commit()
    _echo_settings(settings.describe([key]))
