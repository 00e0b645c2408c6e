/* The owner's email address is on the page as "ada [at] example [dot] org": people
 * read it, address harvesters scanning for "x@y" or "mailto:" find nothing. With
 * JavaScript it becomes a normal mailto link; without, the text still works.
 * No inline scripts or handlers: the site's strict Content-Security-Policy holds.
 */
(function () {
  "use strict";
  function start() {
    document.querySelectorAll(".email-address").forEach(function (el) {
      var address = el.textContent.trim().replace(" [at] ", "@").split(" [dot] ").join(".");
      if (!/^[^\s@]+@[^\s@]+$/.test(address)) return;
      var link = document.createElement("a");
      link.href = "mailto:" + address.replace(/%/g, "%25"); // in a URL, "%" starts an escape
      link.textContent = address;
      link.className = "email-address";
      el.replaceWith(link);
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
