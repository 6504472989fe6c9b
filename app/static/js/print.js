// The monthly report's "Print" button (kept out of the HTML for the strict CSP).
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) {
    window.print();
  }
});
