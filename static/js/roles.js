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
    if (!target) return;
    // A part of the panel that loads later (its open proposals) makes it taller: keep its
    // header in view, without moving the focus.
    var cellPanel = panel();
    if (cellPanel && target !== cellPanel && cellPanel.contains(target)) {
      revealPanel(cellPanel);
      return;
    }
    if (target.id !== "cell-panel") return;
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

  // The matrix is one tab stop, as in the ARIA grid pattern: one cell keeps tabindex 0 (the
  // last one focused), the others -1; arrow keys move between cells across the domain tables,
  // Home and End to a row's first and last cell, Ctrl+Home and Ctrl+End to the matrix's first
  // and last; Enter follows the cell's link as before. Without this script every cell link is a
  // tab stop.
  var CELL = "table.matrix a.cell";

  function shownRows(matrix) {
    return Array.prototype.filter.call(
      matrix.querySelectorAll("table.matrix tbody tr"),
      function (row) { return row.querySelector("a.cell") && row.offsetParent !== null; }
    );
  }

  function makeStop(cell) {
    var matrix = cell.closest("[data-matrix]");
    if (!matrix) return;
    matrix.querySelectorAll(CELL + "[tabindex='0']").forEach(function (other) {
      if (other !== cell) other.setAttribute("tabindex", "-1");
    });
    cell.setAttribute("tabindex", "0");
  }

  // Keep the stop on a cell that can take focus (a filter or a closed domain may hide it).
  function keepStop(matrix) {
    var stop = matrix.querySelector(CELL + "[tabindex='0']");
    if (stop && stop.offsetParent !== null) return;
    var rows = shownRows(matrix);
    var first = matrix.querySelector(CELL + ".is-selected") || (rows[0] && rows[0].querySelector("a.cell"));
    if (first && first.offsetParent === null && rows[0]) first = rows[0].querySelector("a.cell");
    if (first) makeStop(first);
  }

  function setupGrid(matrix) {
    var cells = matrix.querySelectorAll(CELL);
    if (!cells.length) return;
    cells.forEach(function (cell) { cell.setAttribute("tabindex", "-1"); });
    keepStop(matrix);
    matrix.addEventListener("focusin", function (event) {
      var cell = event.target.closest && event.target.closest(CELL);
      if (cell) makeStop(cell);
    });
    matrix.addEventListener("toggle", function () { keepStop(matrix); }, true);
    matrix.addEventListener("input", function () { window.setTimeout(function () { keepStop(matrix); }, 120); });
  }

  function targetCell(cell, key, ctrl) {
    var matrix = cell.closest("[data-matrix]");
    var td = cell.parentElement;
    var tr = td.parentElement;
    var rowCells = tr.querySelectorAll("a.cell");
    var column = Array.prototype.indexOf.call(rowCells, cell);
    var rows = shownRows(matrix);
    var at = rows.indexOf(tr);
    if (key === "ArrowRight") return rowCells[column + 1];
    if (key === "ArrowLeft") return rowCells[column - 1];
    if (key === "Home" && !ctrl) return rowCells[0];
    if (key === "End" && !ctrl) return rowCells[rowCells.length - 1];
    var row = null;
    if (key === "ArrowDown") row = rows[at + 1];
    else if (key === "ArrowUp") row = rows[at - 1];
    else if (key === "Home") row = rows[0];
    else if (key === "End") row = rows[rows.length - 1];
    if (!row) return null;
    var other = row.querySelectorAll("a.cell");
    if (key === "Home") return other[0];
    if (key === "End") return other[other.length - 1];
    return other[Math.min(column, other.length - 1)];
  }

  var GRID_KEYS = ["ArrowRight", "ArrowLeft", "ArrowDown", "ArrowUp", "Home", "End"];
  document.addEventListener("keydown", function (event) {
    var cell = event.target.closest && event.target.closest(CELL);
    if (!cell || GRID_KEYS.indexOf(event.key) === -1) return;
    var next = targetCell(cell, event.key, event.ctrlKey || event.metaKey);
    event.preventDefault(); // at an edge the focus stays where it is
    if (next) {
      makeStop(next);
      next.focus();
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
    if (matrix) {
      setupTools(matrix);
      setupGrid(matrix);
    }
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
