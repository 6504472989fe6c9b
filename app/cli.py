"""Command-line tools: ``flask --app wsgi NAME``."""
import click
from flask_babel import force_locale

from app.extensions import db
from app.i18n import default_language


def init_app(app):
    app.cli.add_command(demo_data)
    app.cli.add_command(create_user_command)


@click.command("demo-data")
def demo_data():
    """Load the demo shop (idempotent: a second run changes nothing)."""
    from app import demo

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
    from app.auth.services import AuthError, create_user

    try:
        with force_locale("en"):
            user = create_user(email, password, role, name=name)
    except AuthError as error:
        db.session.rollback()
        raise click.ClickException(str(error))
    db.session.commit()
    click.echo(f"Created {user.role} {user.email}.")
