/* Copy buttons for citation blocks (<pre data-copy>).
 *
 * The BibTeX is on the page as text, so it can always be selected by hand; the
 * button is only added here, because without JavaScript it could do nothing.
 * No inline styles or handlers: the site's strict Content-Security-Policy holds.
 * Its words are the <pre>'s data-copy, data-copied and data-select, in the site's language
 * (a site template made before those were gets the English it had).
 */
(function () {
  "use strict";

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    // http:// or an older browser: copy through a temporary selection
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.className = "visually-hidden";
      var focused = document.activeElement;  // select() moves focus to the textarea
      document.body.appendChild(area);
      area.select();
      var ok = false;
      try {
        ok = document.execCommand("copy");
      } catch (e) {
        ok = false;
      }
      area.remove();
      if (focused && focused.focus) focused.focus();  // or the next Tab starts the page again
      if (ok) resolve();
      else reject(new Error("copy refused"));
    });
  }

  function addButton(pre) {
    var box = pre.parentElement;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button copy-button";
    button.textContent = pre.getAttribute("data-copy") || "Copy BibTeX";
    var note = document.createElement("span");
    note.className = "copy-status";
    note.setAttribute("role", "status");
    var timer = null;
    button.addEventListener("click", function () {
      copyText(pre.textContent.replace(/\s+$/, "") + "\n").then(
        function () {
          note.textContent = pre.getAttribute("data-copied") || "Copied";
          button.classList.add("is-done");
        },
        function () {
          // select it so Ctrl+C / ⌘C works
          var range = document.createRange();
          range.selectNodeContents(pre);
          var sel = window.getSelection();
          sel.removeAllRanges();
          sel.addRange(range);
          note.textContent = pre.getAttribute("data-select") || "Selected: press Ctrl+C to copy";
        }
      );
      clearTimeout(timer);
      timer = setTimeout(function () {
        note.textContent = "";
        button.classList.remove("is-done");
      }, 2500);
    });
    var bar = document.createElement("div");
    bar.className = "copy-bar";
    bar.appendChild(button);
    bar.appendChild(note);
    box.insertBefore(bar, pre);
  }

  function start() {
    document.querySelectorAll("pre[data-copy]").forEach(addButton);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
