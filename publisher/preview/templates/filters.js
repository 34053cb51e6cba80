// Filters of the review site's index: plain DOM, no libraries, works from file://.
(function () {
  "use strict";
  var form = document.getElementById("filters");
  if (!form) return;
  function matches(el, kind, platform, status) {
    if (kind && el.getAttribute("data-kind") !== kind) return false;
    if (status && el.getAttribute("data-status") !== status) return false;
    if (platform && (" " + el.getAttribute("data-platforms") + " ").indexOf(" " + platform + " ") < 0) return false;
    return true;
  }
  function apply() {
    var kind = form.elements.kind.value, platform = form.elements.platform.value, status = form.elements.status.value;
    var shown = 0;
    var items = document.querySelectorAll("[data-status]");
    for (var i = 0; i < items.length; i++) {
      var ok = matches(items[i], kind, platform, status);
      items[i].hidden = !ok;
      if (ok && items[i].classList.contains("row")) shown++;
    }
    document.getElementById("shown").textContent = String(shown);
    document.getElementById("empty").hidden = shown > 0;
  }
  form.addEventListener("change", apply);
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  apply();
})();
