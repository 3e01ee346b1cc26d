// A refused vote, comment or proposal (400, 403, 409, 429) answers with its fragment saying
// why, marked by the server; htmx would leave a 4xx answer out, so it is swapped in like a
// success.
(function () {
  "use strict";

  function isRefusal(xhr) {
    return xhr.status >= 400 && xhr.status < 500 && !!xhr.getResponseHeader("X-Refusal-Fragment");
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    if (isRefusal(event.detail.xhr)) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  // With DEBUG on, django-htmx shows a 400 or 403 answer as the whole page (meant for Django's
  // error pages); a refusal fragment is not one, so it does not get that far.
  document.addEventListener("htmx:beforeOnLoad", function (event) {
    if (isRefusal(event.detail.xhr)) {
      event.stopPropagation();
    }
  }, true);
})();

// The proposal editor: show only the inputs the chosen kind of change uses. Without this
// script every input shows and the server ignores the ones a change does not read.
(function () {
  "use strict";

  var FIELDS = {
    set_requirement: ["skill", "level", "code", "mandatory"],
    set_details: ["skill", "level", "text"],
    add_skill: ["name", "domain", "level", "code"],
    remove_skill: ["skill"],
    set_focus: ["level", "text"],
    set_stack: ["level", "items"],
    set_cell: ["skill", "level", "code", "mandatory", "summary", "details"],
    set_row: ["skill", "text"]
  };

  function sync(row) {
    var op = row.querySelector("[name$='-op']");
    if (!op) return;
    var wanted = FIELDS[op.value] || [];
    row.querySelectorAll("[data-field]").forEach(function (box) {
      var name = box.getAttribute("data-field");
      box.hidden = name !== "op" && wanted.indexOf(name) === -1;
    });
  }

  function syncAll(root) {
    root.querySelectorAll("[data-change-row]").forEach(sync);
  }

  document.addEventListener("change", function (event) {
    if (event.target.matches("[name$='-op']")) {
      sync(event.target.closest("[data-change-row]"));
    }
  });
  document.addEventListener("DOMContentLoaded", function () { syncAll(document); });
  document.addEventListener("htmx:afterSwap", function (event) { syncAll(event.target); });
})();
