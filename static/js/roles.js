// The role page's matrix: cell details panel focus, level highlight, skill filter, collapse all,
// and arrow-key moves between cells. Everything here is an enhancement: the page works without it.
(function () {
  "use strict";

  var lastCellId = null;

  function panel() {
    return document.getElementById("cell-panel");
  }

  function focusCell(id) {
    var cell = id && document.getElementById(id);
    if (!cell) return false;
    var domain = cell.closest("details");
    if (domain && !domain.open) domain.open = true;
    cell.focus();
    return true;
  }

  function markSelected(id) {
    document.querySelectorAll("[data-matrix] .cell.is-selected").forEach(function (cell) {
      cell.classList.remove("is-selected");
      cell.removeAttribute("aria-current");
    });
    var cell = id && document.getElementById(id);
    if (cell && cell.classList.contains("cell")) {
      cell.classList.add("is-selected");
      cell.setAttribute("aria-current", "true");
    }
  }

  // Remember which cell asked for the details, so focus can go back to it.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var source = event.detail.elt;
    if (source && source.classList && source.classList.contains("cell")) {
      lastCellId = source.id;
    }
  });

  // Move focus to the panel's heading once the details are in.
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (!target || target.id !== "cell-panel") return;
    var detail = target.querySelector("[data-cell-detail]");
    if (detail) {
      lastCellId = detail.getAttribute("data-cell-id") || lastCellId;
      markSelected(lastCellId);
    }
    target.classList.add("has-detail");
    var heading = target.querySelector("#cell-detail-title") || target;
    heading.focus({ preventScroll: true });
    revealPanel(target);
  });

  // Bring the panel's top into the window. Narrow screens show it above the matrix. Beside the
  // matrix it sticks to the top of the window, except near the matrix's end, which pushes it
  // up out of view: scroll back just enough to show its header.
  function revealPanel(target) {
    if (window.matchMedia("(max-width: 1099px)").matches) {
      target.scrollIntoView({ block: "start" });
      return;
    }
    var top = target.getBoundingClientRect().top;
    if (top < 0) window.scrollBy(0, top - 16);
  }

  function backToMatrix(event) {
    if (!document.querySelector("[data-matrix]")) return; // on the standalone cell page: follow the link
    if (focusCell(lastCellId)) {
      if (event) event.preventDefault();
    }
  }

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-panel-back]")) backToMatrix(event);
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && panel() && panel().contains(document.activeElement)) {
      backToMatrix(event);
    }
  });

  // Arrow keys move between cells of a domain table (Tab still walks every cell).
  document.addEventListener("keydown", function (event) {
    var cell = event.target.closest && event.target.closest("table.matrix a.cell");
    if (!cell) return;
    var td = cell.parentElement;
    var tr = td.parentElement;
    var column = Array.prototype.indexOf.call(tr.children, td);
    var next = null;
    if (event.key === "ArrowRight") next = td.nextElementSibling;
    else if (event.key === "ArrowLeft") next = td.previousElementSibling;
    else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      var row = event.key === "ArrowDown" ? tr.nextElementSibling : tr.previousElementSibling;
      while (row && row.hidden) {
        row = event.key === "ArrowDown" ? row.nextElementSibling : row.previousElementSibling;
      }
      next = row ? row.children[column] : null;
    } else return;
    var link = next && next.querySelector("a.cell");
    if (link) {
      event.preventDefault();
      link.focus();
    }
  });

  function setupTools(matrix) {
    var tools = matrix.querySelector("[data-matrix-tools]");
    if (!tools) return;
    tools.hidden = false;
    var status = tools.querySelector("[data-filter-status]");

    // Highlight a level column: one at a time, pressing it again clears it.
    var buttons = tools.querySelectorAll("[data-highlight-level]");
    buttons.forEach(function (button) {
      button.addEventListener("click", function () {
        var level = button.getAttribute("data-highlight-level");
        var on = button.getAttribute("aria-pressed") !== "true";
        buttons.forEach(function (other) {
          other.setAttribute("aria-pressed", other === button && on ? "true" : "false");
        });
        matrix.querySelectorAll("[data-level]").forEach(function (element) {
          element.classList.toggle(
            "is-highlighted",
            on && element.getAttribute("data-level") === level
          );
        });
        matrix.classList.toggle("has-highlight", on);
      });
    });

    // Filter skills by name; domains with no match are hidden.
    var filter = tools.querySelector("[data-skill-filter]");
    var domains = matrix.querySelectorAll("[data-domain]");
    var timer = null;
    function applyFilter() {
      var query = filter.value.trim().toLowerCase();
      var shown = 0;
      domains.forEach(function (domain) {
        var visible = 0;
        domain.querySelectorAll("tr[data-skill-name]").forEach(function (row) {
          var match = !query || row.getAttribute("data-skill-name").indexOf(query) !== -1;
          row.hidden = !match;
          if (match) visible += 1;
        });
        domain.hidden = visible === 0;
        if (query && visible) domain.open = true;
        shown += visible;
      });
      status.textContent = query ? status.getAttribute(shown ? "data-some" : "data-none").replace("{n}", shown) : "";
    }
    filter.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(applyFilter, 80);
    });

    tools.querySelector("[data-collapse-all]").addEventListener("click", function () {
      domains.forEach(function (domain) { domain.open = false; });
    });
    tools.querySelector("[data-expand-all]").addEventListener("click", function () {
      domains.forEach(function (domain) { domain.open = true; });
    });
  }

  // Paper shows every domain: open the closed ones while printing, then close them again.
  var closedForPrint = [];
  window.addEventListener("beforeprint", function () {
    closedForPrint = Array.prototype.slice.call(
      document.querySelectorAll("details.domain:not([open])")
    );
    closedForPrint.forEach(function (domain) { domain.open = true; });
  });
  window.addEventListener("afterprint", function () {
    closedForPrint.forEach(function (domain) { domain.open = false; });
    closedForPrint = [];
  });

  function init() {
    var matrix = document.querySelector("[data-matrix]");
    if (matrix) setupTools(matrix);
    // A cell's own address (a shared link, Back or Forward): its details are in the panel
    // already; mark the cell and show the two together.
    var detail = document.querySelector("#cell-panel [data-cell-detail]");
    if (detail) {
      lastCellId = detail.getAttribute("data-cell-id");
      markSelected(lastCellId);
      var cell = document.getElementById(lastCellId);
      var wide = !window.matchMedia("(max-width: 1099px)").matches;
      if (cell && wide) cell.scrollIntoView({ block: "center" });
      revealPanel(panel());
      panel().querySelector("#cell-detail-title").focus({ preventScroll: true });
    // Arriving from a cell page's "Back to the matrix" link: focus the cell named in the hash.
    } else if (window.location.hash.indexOf("#cell-") === 0) {
      focusCell(window.location.hash.slice(1));
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
