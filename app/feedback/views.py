"""The question's page: opened from the message's signed link, no account needed."""
from flask import Blueprint, flash, redirect, render_template, url_for

from app.extensions import db
from app.feedback import services
from app.feedback.forms import FeedbackForm

bp = Blueprint("feedback", __name__, url_prefix="/feedback")


@bp.route("/<token>", methods=["GET", "POST"])
def answer(token):
    feedback = services.read_token(token)
    if feedback is None:
        return render_template("feedback/invalid.html"), 404
    if feedback.answered_at is not None:
        return render_template("feedback/thanks.html", feedback=feedback)
    form = FeedbackForm()
    if form.validate_on_submit():
        try:
            services.answer(feedback, form.rating.data, form.comment.data)
        except services.FeedbackError as error:
            flash(str(error), "error")
            return redirect(url_for("feedback.answer", token=token))
        db.session.commit()
        return redirect(url_for("feedback.answer", token=token), 303)
    return render_template("feedback/page.html", form=form, order=feedback.order), 422 if form.errors else 200
