/* Posylka: the staff orders list's bulk status change (admin/_orders_table.html).
 * "Every order on this page" ticks (or unticks) every order shown; sending asks first, naming how many
 * orders and the new status, because each of their customers is told as for any change.
 * The table is swapped by htmx when a filter changes: both listen on the document. */
(function () {
  "use strict";

  document.addEventListener("change", function (event) {
    var all = event.target.closest && event.target.closest("[data-select-all]");
    if (!all || !all.form) { return; }
    all.form.querySelectorAll("input[name=order_ids]").forEach(function (box) { box.checked = all.checked; });
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.id !== "bulk-form" || !form.dataset.confirm) { return; }
    var count = form.querySelectorAll("input[name=order_ids]:checked").length;
    var status = form.querySelector("#bulk-status");
    var label = status && status.selectedOptions[0] ? status.selectedOptions[0].textContent.trim() : "";
    if (!count || !label) { return; }  // the server says what is missing
    if (!window.confirm(form.dataset.confirm.replace("{count}", count).replace("{status}", label))) {
      event.preventDefault();
    }
  });
})();
