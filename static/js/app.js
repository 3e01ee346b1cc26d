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

  darkQuery.addEventListener("change", syncToggles);
  document.addEventListener("DOMContentLoaded", function () {
    syncToggles();
    showCopyButtons();
  });
})();
