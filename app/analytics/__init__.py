"""Shipment analytics for staff: figures aggregated in SQL, charts drawn as server-side SVG."""
import click
from flask.cli import with_appcontext


def init_app(app):
    """Keep each order's stages (``stages.OrderStage``) in step with its history."""
    from app.analytics.stages import on_status_changed
    from app.carriers.eta import on_status_changed as remember_promises
    from app.orders.lifecycle import status_changed

    status_changed.connect(on_status_changed, weak=False)  # a module function, kept for the process's life
    status_changed.connect(remember_promises, weak=False)  # the delivery date the customer is shown
    app.cli.add_command(analytics_rebuild)


@click.command("analytics-rebuild")
@with_appcontext
def analytics_rebuild():
    """Rebuild every order's stages from its history (after history was loaded past the app)."""
    from app.analytics.stages import rebuild
    from app.database import writing
    from app.extensions import db

    with writing():
        rebuild()
        db.session.commit()
    click.echo("order stages rebuilt")
