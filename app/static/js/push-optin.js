// Web push opt-in for the customer's order page (no inline scripts: strict CSP).
(function () {
  "use strict";
  var box = document.getElementById("push-optin");
  if (!box || !("serviceWorker" in navigator) || !("PushManager" in window)) { return; }
  var button = document.getElementById("push-optin-button");
  var status = document.getElementById("push-optin-status");
  box.hidden = false;

  function urlBase64ToUint8Array(base64) {
    var padding = "=".repeat((4 - (base64.length % 4)) % 4);
    var raw = atob((base64 + padding).replace(/-/g, "+").replace(/_/g, "/"));
    var out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { out[i] = raw.charCodeAt(i); }
    return out;
  }

  function show(message) { status.textContent = message; }

  if (window.Notification && Notification.permission === "denied") { show(box.dataset.msgDenied); }

  button.addEventListener("click", function () {
    button.disabled = true;
    Notification.requestPermission().then(function (permission) {
      if (permission !== "granted") { throw new Error("denied"); }
      return navigator.serviceWorker.register(box.dataset.swUrl, { scope: "/" });
    }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (registration) {
      return fetch(box.dataset.keyUrl, { credentials: "same-origin" }).then(function (r) { return r.json(); })
        .then(function (data) {
          return registration.pushManager.subscribe({
            userVisibleOnly: true, applicationServerKey: urlBase64ToUint8Array(data.publicKey)
          });
        });
    }).then(function (subscription) {
      return fetch(box.dataset.subscribeUrl, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": box.dataset.csrf },
        body: JSON.stringify(subscription.toJSON())
      });
    }).then(function (response) {
      if (!response.ok) { throw new Error("subscribe failed"); }
      show(box.dataset.msgOn);
      button.hidden = true;
    }).catch(function (error) {
      button.disabled = false;
      show(error && error.message === "denied" ? box.dataset.msgDenied : box.dataset.msgError);
    });
  });
})();
