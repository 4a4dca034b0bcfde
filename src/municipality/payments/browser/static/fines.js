/*
 * «Πληρωμή κλήσης ΚΟΚ», step 2: once the ticket number and the plate are
 * both typed, ask the fines register (through the page's JSON view) for the
 * ticket's kind, date and time and fill them in. Only what the number and
 * the plate already identify comes back; the form works without this.
 */
(function () {
  "use strict";

  function ready(fn) {
    if (document.readyState !== "loading") {
      fn();
    } else {
      document.addEventListener("DOMContentLoaded", fn);
    }
  }

  ready(function () {
    var form = document.getElementById("pay-traffic-fine-step2");
    if (!form || !window.fetch) {
      return;
    }
    var url = form.getAttribute("data-lookup-url");
    var number = form.elements.ticket_number;
    var plate = form.elements.plate;
    var kind = form.elements.ticket_type;
    var day = form.elements.date;
    var hour = form.elements.time;
    var box = document.getElementById("pay-traffic-fine-autofill");
    var found = box && box.querySelector(".pay-traffic-fine-autofill-found");
    var paid = box && box.querySelector(".pay-traffic-fine-autofill-paid");
    var last = "";
    var timer = null;

    function show(answer) {
      if (!box) {
        return;
      }
      if (!answer || !answer.found) {
        box.classList.add("d-none");
        return;
      }
      found.classList.toggle("d-none", !!answer.paid);
      paid.classList.toggle("d-none", !answer.paid);
      box.classList.remove("d-none");
    }

    function fill(answer) {
      if (!answer || !answer.found) {
        show(null);
        return;
      }
      if (answer.ticket_type && kind) {
        for (var i = 0; i < kind.options.length; i++) {
          if (kind.options[i].value === answer.ticket_type) {
            kind.selectedIndex = i;
          }
        }
      }
      if (answer.date && day) {
        day.value = answer.date;
      }
      if (answer.time && hour) {
        hour.value = answer.time;
      }
      show(answer);
    }

    function lookup() {
      var n = number.value.replace(/\s+/g, "");
      var p = plate.value.trim();
      // Only a whole number and a whole plate (2–3 letters, 4 digits):
      // each look-up counts against the visitor's limit.
      if (!/^[0-9]{1,12}$/.test(n) || !/^[^\d\s\-]{2,3}\d{4}$/.test(p.replace(/[\s\-.]/g, ""))) {
        return;
      }
      var key = n + "|" + p;
      if (key === last) {
        return;
      }
      last = key;
      var query =
        "?ticket_number=" + encodeURIComponent(n) + "&plate=" + encodeURIComponent(p);
      fetch(url + query, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      })
        .then(function (response) {
          return response.ok ? response.json() : null;
        })
        .then(fill)
        .catch(function () {
          show(null);
        });
    }

    function later() {
      window.clearTimeout(timer);
      timer = window.setTimeout(lookup, 400);
    }

    number.addEventListener("input", later);
    plate.addEventListener("input", later);
    number.addEventListener("change", lookup);
    plate.addEventListener("change", lookup);
    if (number.value && plate.value) {
      lookup();
    }
  });
})();
