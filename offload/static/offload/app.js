// Offload's small amount of JavaScript. Loaded as a file (our CSP allows no inline script).
(function () {
  "use strict";
  // Any element with data-autosubmit submits its form when it changes (e.g. the membership switcher).
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el instanceof HTMLElement && el.hasAttribute("data-autosubmit") && el.form) {
      el.form.requestSubmit();
    }
  });
})();
