/* Posylka order-tracking widget loader. Paste into a shop's order page:
 *   <script src="https://TRACKING-HOST/widget/embed.js" data-posylka-widget="WIDGET-URL" data-lang="uk" async></script>
 * It inserts an iframe showing the order's live progress and keeps the iframe as tall as its content. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) { return; }
  var src = script.getAttribute("data-posylka-widget");
  if (!src) { return; }
  var url;
  try { url = new URL(src, script.src); } catch (e) { return; }
  var lang = script.getAttribute("data-lang");
  if (lang) { url.searchParams.set("lang", lang); }

  var frame = document.createElement("iframe");
  frame.src = url.toString();
  frame.title = script.getAttribute("data-title") || "Order tracking";
  frame.loading = "lazy";
  frame.referrerPolicy = "no-referrer";
  frame.setAttribute("scrolling", "no");
  frame.style.width = "100%";
  frame.style.minHeight = "320px";
  frame.style.border = "0";
  script.parentNode.insertBefore(frame, script.nextSibling);

  window.addEventListener("message", function (event) {
    if (event.origin !== url.origin || event.source !== frame.contentWindow) { return; }
    var data = event.data || {};
    if (data.type === "posylka:height" && typeof data.height === "number" && data.height > 0 && data.height < 10000) {
      frame.style.height = data.height + "px";
    }
  });
})();
