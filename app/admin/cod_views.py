"""The staff's cash-on-delivery page: money still on its way, refused parcels, refusal rates."""
from flask import render_template
from flask_babel import gettext as _

from app.admin.views import bp
from app.analytics.kpi_view import region_label
from app.auth import staff_required
from app.i18n import format_money
from app.orders import cod


@bp.route("/cod")
@staff_required
def cod_page():
    waiting = cod.money_on_its_way()
    totals = " + ".join(format_money(amount, currency) for currency, amount in cod.money_on_its_way_totals())
    return render_template(
        "admin/cod.html", waiting=waiting, waiting_total=totals, waiting_count=cod.parcels_on_their_way(),
        refused=cod.refused_parcels(), cod_labels=cod.COD_LABELS,
        rates=[(carrier, _("All regions") if region is None else region_label(region), region is None, *figures)
               for carrier, region, *figures in cod.refusal_rates()])
