// Progressive enhancement of the enterprise workspace; every page works without it.
// The plot form shows only the part of the location field that was chosen
// (a point, a pasted list, a GeoJSON file); without JavaScript all three show
// and the radio button decides which one is read.
(function () {
  function sync(form) {
    var checked = form.querySelector('input[name="geo_mode"]:checked');
    var mode = checked ? checked.value : "";
    form.querySelectorAll(".ent-geo-part").forEach(function (part) {
      part.hidden = mode !== "" && part.getAttribute("data-mode") !== mode;
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("facility-form");
    if (!form) { return; }
    form.querySelectorAll('input[name="geo_mode"]').forEach(function (r) {
      r.addEventListener("change", function () { sync(form); });
    });
    sync(form);
  });
})();
