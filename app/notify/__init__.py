"""Notifications: an outbox filled by status changes, channels behind one interface, a dispatcher.

``init_app`` connects the outbox to ``lifecycle.status_changed`` and registers the
``dispatch-notifications`` command (the pages are registered with every other page in ``app``).
"""
import click
from flask.cli import with_appcontext


def init_app(app):
    from app.notify import messengers, views
    from app.notify.outbox import on_status_changed
    from app.orders.lifecycle import status_changed

    # weak=False: the receiver is a module function, kept for the life of the process
    status_changed.connect(on_status_changed, weak=False)
    app.cli.add_command(dispatch_notifications)

    @app.context_processor
    def _notify_context():
        return {"notify_unread_count": views.unread_count_for_current_user,
                "messenger_options": messengers.options}


@click.command("dispatch-notifications")
@click.option("--limit", type=int, default=None, help="Send at most this many messages.")
@with_appcontext
def dispatch_notifications(limit):
    """Send the notifications that are due now (and queue pickup reminders)."""
    from app.notify.dispatcher import run_job

    result = run_job(limit=limit)
    click.echo(f"sent {result.sent}, failed {result.failed}, retrying {result.retrying}, "
               f"skipped {result.skipped}, re-queued after a crash {result.requeued}, reminders {result.reminded}")
