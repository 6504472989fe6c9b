"""The audit log: who did what, when, before → after. Rows are written, never changed."""
import json

from flask import has_request_context, request
from flask_login import current_user

from app.clock import utcnow
from app.extensions import db


class AuditLog(db.Model):
    __tablename__ = "audit_log"
    __table_args__ = (db.Index("ix_audit_log_object", "object_type", "object_id"),)
    id = db.Column(db.Integer, primary_key=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow, index=True)
    actor_user_id = db.Column(db.Integer, db.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    actor_label = db.Column(db.String(120), info={"personal": True})
    action = db.Column(db.String(64), nullable=False, index=True)
    object_type = db.Column(db.String(32))
    object_id = db.Column(db.String(64))
    before = db.Column(db.Text, info={"personal": True})
    after = db.Column(db.Text, info={"personal": True})
    ip = db.Column(db.String(64), info={"personal": True})

    @property
    def before_data(self):
        return json.loads(self.before) if self.before else None

    @property
    def after_data(self):
        return json.loads(self.after) if self.after else None


def record(action, object_type=None, object_id=None, *, before=None, after=None, actor=None, actor_label=None):
    """Add an audit row to the current transaction (the caller commits)."""
    if actor is None and has_request_context():
        try:
            actor = current_user if current_user.is_authenticated else None
        except Exception:
            actor = None
    row = AuditLog(
        action=action, object_type=object_type, object_id=None if object_id is None else str(object_id),
        actor_user_id=getattr(actor, "id", None),
        actor_label=actor_label or getattr(actor, "email", None),
        before=None if before is None else json.dumps(before, ensure_ascii=False, default=str),
        after=None if after is None else json.dumps(after, ensure_ascii=False, default=str),
        ip=request.remote_addr if has_request_context() else None,
    )
    db.session.add(row)
    return row
