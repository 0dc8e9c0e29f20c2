/* The application steps, made a little nicer when scripts run (everything
   works without them; CSP allows only this site's own script files):
   - a form with data-autosave-url is saved as a draft a moment after the
     user stops typing (the "Save draft" button does the same without JS);
   - the offering list shows only the chosen provider's offerings. */
(function () {
  "use strict";
  var DELAY_MS = 1500;

  function autosave(form) {
    var url = form.getAttribute("data-autosave-url");
    var status = form.querySelector("[data-autosave-status]");
    var timer = null;
    var busy = false;
    var again = false;

    function show(text) {
      if (status && text) {
        status.textContent = text;
      }
    }

    function save() {
      if (busy) {
        again = true;
        return;
      }
      busy = true;
      fetch(url, {
        method: "POST",
        body: new FormData(form),
        credentials: "same-origin",
        headers: { "Accept": "application/json", "X-Requested-With": "fetch" }
      })
        .then(function (response) {
          return response.json().catch(function () { return {}; });
        })
        .then(function (data) { show(data.message); })
        .catch(function () { show(status && status.getAttribute("data-offline-message")); })
        .then(function () {
          busy = false;
          if (again) {
            again = false;
            schedule();
          }
        });
    }

    function schedule() {
      window.clearTimeout(timer);
      timer = window.setTimeout(save, DELAY_MS);
    }

    form.addEventListener("input", schedule);
    form.addEventListener("change", schedule);
    form.addEventListener("submit", function () { window.clearTimeout(timer); });
  }

  function offeringsOf(providerSelect, offeringSelect) {
    function filter() {
      var provider = providerSelect.value;
      Array.prototype.forEach.call(offeringSelect.options, function (option) {
        var owner = option.getAttribute("data-provider");
        var hide = Boolean(owner) && owner !== provider;
        option.hidden = hide;
        option.disabled = hide;
        if (hide && option.selected) {
          offeringSelect.value = "";
        }
      });
    }
    providerSelect.addEventListener("change", filter);
    filter();
  }

  document.querySelectorAll("form[data-autosave-url]").forEach(autosave);
  var provider = document.getElementById("id_provider");
  var offering = document.getElementById("id_offering");
  if (provider && offering) {
    offeringsOf(provider, offering);
  }
})();
