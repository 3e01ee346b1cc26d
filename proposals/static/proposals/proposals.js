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

// The proposal editor: show only the inputs the chosen kind of change uses, and offer the
// steps of the chosen skill's scale as soon as it is chosen. Without this script every input
// shows, the server ignores the ones a change does not read and checks the step itself.
(function () {
  "use strict";

  function data(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : {};
  }

  function sync(row) {
    var op = row.querySelector("[name$='-op']");
    if (!op) return;
    var wanted = data("editor-op-fields")[op.value] || [];
    row.querySelectorAll("[data-field]").forEach(function (box) {
      var name = box.getAttribute("data-field");
      box.hidden = name !== "op" && wanted.indexOf(name) === -1;
    });
  }

  // The step select keeps its fixed choices (an empty cell, n/a) and gets the skill's steps.
  function followSkill(row) {
    var skill = row.querySelector("select[name$='-skill']");
    var code = row.querySelector("select[name$='-code']");
    var steps = data("editor-skill-steps")[skill ? skill.value : ""];
    if (!code || !steps) return;
    var chosen = code.value;
    Array.prototype.slice.call(code.children).forEach(function (child) {
      if (child.tagName === "OPTGROUP" || (child.value !== "" && child.value !== "n/a")) {
        code.removeChild(child);
      }
    });
    steps.forEach(function (step) {
      var option = document.createElement("option");
      option.value = step[0];
      option.textContent = step[1];
      option.selected = step[0] === chosen;
      code.appendChild(option);
    });
  }

  function syncAll(root) {
    root.querySelectorAll("[data-change-row]").forEach(sync);
  }

  document.addEventListener("change", function (event) {
    var row = event.target.closest("[data-change-row]");
    if (!row) return;
    if (event.target.matches("[name$='-op']")) sync(row);
    if (event.target.matches("select[name$='-skill']")) followSkill(row);
  });
  document.addEventListener("DOMContentLoaded", function () { syncAll(document); });
  document.addEventListener("htmx:afterSwap", function (event) { syncAll(event.target); });
})();

// The header's language button submits the editor's draft to the editor (base.html's
// keep_form): as a whole page, not as htmx's fragment, so the header changes language too.
// form.submit() fires no submit event, so htmx leaves it alone.
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[name='language'][form='proposal-editor']");
    if (!button) return;
    var form = document.getElementById("proposal-editor");
    if (!form) return;
    event.preventDefault();
    var input = document.createElement("input");
    input.type = "hidden";
    input.name = button.name;
    input.value = button.value;
    form.append(input);
    form.action = button.formAction;
    form.submit();
  });
})();

// After a vote by keyboard the focus stays on the pressed button: htmx refocuses the element
// of the same id in the swapped-in votes. A button that is gone (Retract, once retracted)
// leaves the focus on the votes section, which says what happened, rather than on <body>.
(function () {
  "use strict";

  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (!target || target.id !== "votes") return;
    if (document.activeElement === document.body || !document.activeElement) {
      (document.getElementById("vote-up") || target).focus();
    }
  });
})();
