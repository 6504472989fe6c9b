"""``flask --app wsgi create-api-client NAME --scope "read:shipments write:shipments"``."""
import click
from flask_babel import force_locale

from app.extensions import db


@click.command("create-api-client")
@click.argument("name")
@click.option("--scope", default="read:shipments", show_default=True,
              help='Space-separated scopes: "read:shipments write:shipments".')
@click.option("--allowed-ips", default="", help="Addresses or networks the client may call from (default: any).")
@click.option("--sandbox", is_flag=True, help="The client sees and changes only sandbox orders.")
def create_api_client(name, scope, allowed_ips, sandbox):
    """Create an API client and print its id and secret (shown only this once)."""
    from app.api.services import ClientInputError, create_client

    try:
        with force_locale("en"):
            client, secret = create_client(name, scope, allowed_ips=allowed_ips, sandbox=sandbox)
    except ClientInputError as error:
        db.session.rollback()
        raise click.ClickException(str(error))
    db.session.commit()
    click.echo(f"client_id: {client.client_id}")
    click.echo(f"client_secret: {secret}")
    click.echo(f"scope: {client.scope}" + (" (sandbox)" if client.sandbox else ""))
    click.echo("The secret is shown only now; store it safely.")


def init_app(app):
    app.cli.add_command(create_api_client)
