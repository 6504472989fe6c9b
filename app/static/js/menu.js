/* Posylka: the header menu folds behind a "Menu" link on a phone (CSS, works without JavaScript via
 * #main-nav:target); with JavaScript the link opens and closes it in place and says whether it is open. */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest(".menu-button") : null;
    if (!link) { return; }
    event.preventDefault();
    var header = link.closest(".site-header");
    var open = !header.classList.contains("menu-open");
    header.classList.toggle("menu-open", open);
    link.setAttribute("aria-expanded", open ? "true" : "false");
  });
})();
