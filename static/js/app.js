// Site-wide behaviour. Served as a file: the Content-Security-Policy allows no inline script.
(function () {
  "use strict";

  var THEME_COOKIE = "theme";
  var darkQuery = window.matchMedia("(prefers-color-scheme: dark)");

  function effectiveTheme() {
    var chosen = document.documentElement.getAttribute("data-theme");
    if (chosen === "dark" || chosen === "light") return chosen;
    return darkQuery.matches ? "dark" : "light";
  }

  function syncToggles() {
    var dark = effectiveTheme() === "dark";
    document.querySelectorAll("[data-theme-toggle]").forEach(function (button) {
      button.setAttribute("aria-pressed", dark ? "true" : "false");
    });
  }

  function setTheme(theme) {
    document.documentElement.setAttribute("data-theme", theme);
    // The server reads this cookie to render data-theme on <html>: no flash on the next page.
    var secure = window.location.protocol === "https:" ? "; secure" : "";
    document.cookie =
      THEME_COOKIE + "=" + theme + "; path=/; max-age=31536000; samesite=lax" + secure;
    syncToggles();
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-theme-toggle]");
    if (!button) return;
    // Without this script the button posts its form and the server sets the same cookie.
    event.preventDefault();
    setTheme(effectiveTheme() === "dark" ? "light" : "dark");
  });

  // A browser without ::details-content cannot show a closed <details>' links in the header's
  // row: open the site menu there on wide screens (on a phone it stays a Menu button).
  if (window.CSS && CSS.supports && !CSS.supports("selector(::details-content)")) {
    var wide = window.matchMedia("(min-width: 601px)");
    var syncMenu = function () {
      document.querySelectorAll("[data-site-menu]").forEach(function (menu) {
        menu.open = wide.matches;
      });
    };
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", syncMenu);
    else syncMenu();
  }

  // Copy buttons (data-copy="<id of a field>"): hidden until this script knows the browser can
  // copy; the field itself stays visible and selectable without them.
  function showCopyButtons() {
    if (!navigator.clipboard) return;
    document.querySelectorAll("[data-copy]").forEach(function (button) {
      button.hidden = false;
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) return;
    var field = document.getElementById(button.getAttribute("data-copy"));
    var status = button.parentElement.querySelector("[data-copy-status]");
    function say(key) {
      if (status) status.textContent = status.getAttribute(key);
    }
    navigator.clipboard.writeText(field.value).then(
      function () { say("data-done"); },
      function () {
        field.select();
        say("data-failed");
      }
    );
  });

  // A failed htmx request says so where its answer would have gone. htmx leaves an error status
  // (4xx, 5xx) out of the page and has nothing to show when the server cannot be reached, so
  // without this a click would seem to do nothing. The texts are translated in base.html
  // ([data-request-errors]). Refusals that bring their own fragment (X-Refusal-Fragment, see
  // proposals.js) are swapped in as successes and never get here.
  function requestErrorText(xhr) {
    var texts = document.querySelector("[data-request-errors]");
    if (!texts) return "";
    var status = xhr ? xhr.status : 0;
    if (!status) return texts.getAttribute("data-network");
    if (status >= 500) return texts.getAttribute("data-server");
    if (status === 404) return texts.getAttribute("data-not-found");
    if (status === 403) return texts.getAttribute("data-forbidden");
    if (status === 429) {
      var seconds = parseInt(xhr.getResponseHeader("Retry-After"), 10);
      var minutes = Math.ceil(seconds / 60);
      if (minutes > 1) {
        return texts.getAttribute("data-too-many-wait").replace("{n}", String(minutes));
      }
      return texts.getAttribute("data-too-many");
    }
    return texts.getAttribute("data-other");
  }

  function showRequestError(event) {
    var detail = event.detail || {};
    var text = requestErrorText(detail.xhr);
    if (!text) return;
    var place = detail.target && detail.target.isConnected ? detail.target : null;
    if (!place || place === document.body) place = document.getElementById("main");
    place.querySelectorAll(":scope > [data-request-error]").forEach(function (old) {
      old.remove();
    });
    var alert = document.createElement("p");
    alert.className = "message message--error request-error";
    alert.setAttribute("role", "alert");
    alert.setAttribute("data-request-error", "");
    alert.textContent = text;
    place.prepend(alert);
    var box = alert.getBoundingClientRect();
    if (box.top < 0 || box.bottom > window.innerHeight) alert.scrollIntoView({ block: "nearest" });
  }

  document.addEventListener("htmx:responseError", showRequestError);
  document.addEventListener("htmx:sendError", showRequestError);
  document.addEventListener("htmx:timeout", showRequestError);
  // The next answer that arrives takes the message away (most swaps replace it anyway).
  document.addEventListener("htmx:afterRequest", function (event) {
    var target = event.detail && event.detail.target;
    if (!event.detail.successful || !target || !target.isConnected) return;
    target.querySelectorAll(":scope > [data-request-error]").forEach(function (old) {
      old.remove();
    });
  });

  darkQuery.addEventListener("change", syncToggles);
  document.addEventListener("DOMContentLoaded", function () {
    syncToggles();
    showCopyButtons();
  });
})();
