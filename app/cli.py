"""Command-line tools: ``flask --app wsgi NAME``."""
import os

import click
from flask import current_app
from flask_babel import force_locale

from app.extensions import db


def init_app(app):
    app.cli.add_command(demo_data)
    app.cli.add_command(create_user_command)
    app.cli.add_command(retention_command)
    app.cli.add_command(backup_command)


@click.command("demo-data")
def demo_data():
    """Load the demo shop (idempotent: a second run changes nothing)."""
    from app import demo

    with force_locale(current_app.config["DEFAULT_LANGUAGE"]):
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
    from app.auth.services import AuthError, create_user

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
    from app.privacy import retention

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
    from app.backup import BackupError, backup

    try:
        written = backup(path)
    except BackupError as error:
        raise click.ClickException(str(error))
    click.echo(f"Backup written to {written} ({os.path.getsize(written)} bytes).")
