/* Posylka: every htmx form shows a refused answer where the person is looking.
 *
 * htmx swaps only 2xx answers by default, so a 409 or 422 whose body explains the refusal was
 * dropped and the page showed nothing. This file is the one place that handles it, for every form:
 * - a 4xx answer that is the form's own fragment re-rendered with its errors (it carries an error
 *   area, [data-form-errors]) is swapped in like a 2xx;
 * - any other refused answer (the generic error fragment: an expired form, no access, too many
 *   attempts, a server error) puts its message into the requesting form's error area;
 * - a request that never reached the server puts the area's own translated "no connection" text there;
 * - a plain form whose redirect opens a section of the page (#follow) finds its flashed answer there,
 *   and a refused form the section keeps folded (<details>) is open again.
 * Requests that do not come from a form with an error area (polls, filters) keep htmx's defaults. */
(function () {
  "use strict";
  var AREA = "[data-form-errors]";

  // the element that sent the request (htmx:beforeSwap is fired on the target, not on the form)
  function sender(event) {
    var config = event.detail.requestConfig;
    return (config && config.elt) || event.detail.elt;
  }

  function errorArea(elt) {
    var form = elt && (elt.tagName === "FORM" ? elt : elt.closest("form"));
    return form ? form.querySelector(AREA) : null;
  }

  function show(area, text) {
    area.textContent = "";
    var p = document.createElement("p");
    p.className = "flash flash-error";
    p.textContent = text;
    area.appendChild(p);
    area.hidden = false;
    area.scrollIntoView({block: "nearest"});
  }

  function messageOf(html, fallback) {
    var doc = new DOMParser().parseFromString(html || "", "text/html");
    var box = doc.querySelector(".error-box") || doc.body;
    var parts = [];
    box.querySelectorAll("h1, h2, p").forEach(function (node) {
      var text = node.textContent.trim();
      if (text) { parts.push(text); }
    });
    return parts.join(" ") || (box.textContent || "").trim() || fallback;
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var area = errorArea(sender(event));
    if (area) { area.textContent = ""; }
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    var area = errorArea(sender(event));
    if (!area || xhr.status < 400) { return; }
    var body = xhr.responseText || "";
    if (xhr.status < 500 && body.indexOf("data-form-errors") !== -1) {
      event.detail.shouldSwap = true;   // the form re-rendered with its errors
      event.detail.isError = false;
      return;
    }
    event.detail.shouldSwap = false;
    show(area, messageOf(body, area.getAttribute("data-failed")));
  });

  document.addEventListener("htmx:sendError", function (event) {
    var area = errorArea(sender(event));
    if (area) { show(area, area.getAttribute("data-offline")); }
  });

  // A form that redirects back to a section of its page (/t/…#follow) has its answer flashed at the
  // top of the page, out of sight where the browser scrolls to: show it at the top of that section.
  var flashes = document.querySelector(".flashes");
  var section = flashes && location.hash && document.getElementById(location.hash.slice(1));
  if (section) {
    section.prepend(flashes);
    // a refused form that the section keeps folded (a return request, a problem report) opens again
    if (flashes.querySelector(".flash-error")) {
      section.querySelectorAll("details").forEach(function (folded) {
        if (folded.querySelector("form")) { folded.open = true; }
      });
    }
  }
})();
