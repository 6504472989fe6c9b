/* Posylka tracking pages: keep the polled progress block calm and tell screen readers what changed.
 * - An unchanged answer (same ETag, e.g. the browser's cached copy after a 304) is not swapped in.
 * - After a swap that changed the status, the new summary is read out by a live region.
 * - While polls fail (no network, the server restarting), a notice above the block says the page
 *   may be out of date; the next answer takes it away.
 * - Inside the widget iframe, the page tells its parent how tall it is. */
(function () {
  "use strict";
  var BLOCK_ID = "tracking-progress";

  function block() { return document.getElementById(BLOCK_ID); }

  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (!target || target.id !== BLOCK_ID) { return; }
    var xhr = event.detail.xhr;
    if (xhr.status === 200 && xhr.getResponseHeader("ETag") &&
        xhr.getResponseHeader("ETag") === target.getAttribute("data-etag")) {
      event.detail.shouldSwap = false;
    }
    if (target.contains(document.activeElement) && document.activeElement.tagName === "TEXTAREA" &&
        document.activeElement.value && xhr.status === 200) {
      event.detail.shouldSwap = false;  // do not throw away a return reason being typed
    }
  });

  var NOTICE_ID = "tracking-offline";

  function pollFailed(event) {
    var el = block();
    if (!el || event.detail.elt !== el || document.getElementById(NOTICE_ID)) { return; }
    var notice = document.createElement("p");
    notice.id = NOTICE_ID;
    notice.className = "flash flash-warning tracking-offline";
    notice.setAttribute("role", "status");
    notice.textContent = el.getAttribute("data-offline") || "";
    el.parentNode.insertBefore(notice, el);
    reportHeight();
  }

  document.addEventListener("htmx:sendError", pollFailed);
  document.addEventListener("htmx:responseError", pollFailed);
  document.addEventListener("htmx:afterRequest", function (event) {
    var notice = document.getElementById(NOTICE_ID);
    if (notice && event.detail.successful && event.detail.elt === block()) {
      notice.remove();
      reportHeight();
    }
  });

  var lastStatus = null;
  function remember() {
    var el = block();
    if (el) { lastStatus = el.getAttribute("data-status"); }
  }

  document.addEventListener("htmx:afterSettle", function () {
    var el = block();
    if (!el) { return; }
    var status = el.getAttribute("data-status");
    var announcer = document.getElementById("tracking-announcer");
    if (announcer && status && lastStatus && status !== lastStatus) {
      announcer.textContent = el.getAttribute("data-summary") || "";
    }
    lastStatus = status;
    reportHeight();
  });

  function reportHeight() {
    if (window.parent === window || !document.body.classList.contains("widget-body")) { return; }
    var height = Math.ceil(document.body.getBoundingClientRect().height);
    window.parent.postMessage({ type: "posylka:height", height: height, href: location.href }, "*");
  }

  document.addEventListener("DOMContentLoaded", function () {
    remember();
    reportHeight();
    document.addEventListener("toggle", reportHeight, true);
    window.addEventListener("resize", reportHeight);
  });
})();

/* Copy buttons for tracking numbers (one listener on the document, so they work after a swap too).
 * Where the clipboard is not available (a page served over plain http), the number is selected
 * instead, ready for the phone's own "copy". */
(function () {
  "use strict";
  function select(node) {
    var range = document.createRange();
    range.selectNodeContents(node);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest(".copy-button") : null;
    if (!button) { return; }
    var source = document.getElementById(button.getAttribute("data-copy-target"));
    if (!source) { return; }
    function done() {
      button.classList.add("copied");
      var announcer = document.getElementById("tracking-announcer");
      if (announcer) { announcer.textContent = button.getAttribute("data-copied") || ""; }
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(source.textContent.trim()).then(done, function () { select(source); });
    } else {
      select(source);
    }
  });
})();
