// Progressive enhancement of the inspector workspace; every page works without it.
// Where the browser has the BarcodeDetector API (Chromium on Android), the
// search box offers "photograph a QR code": the photo is decoded in the
// browser, the text goes into the search box and the search is sent.
// Nothing is downloaded; where the API is missing, nothing happens.
(function () {
  "use strict";
  var box = document.getElementById("scan");
  if (!box || !("BarcodeDetector" in window)) { return; }
  var input = document.getElementById("scan-photo");
  var q = document.getElementById("q");
  var error = document.getElementById("scan-error");
  var form = document.getElementById("search-form");
  var detector;
  function fail() { error.textContent = box.getAttribute("data-failed"); }
  Promise.resolve(window.BarcodeDetector.getSupportedFormats ? window.BarcodeDetector.getSupportedFormats() : ["qr_code"])
    .then(function (formats) {
      if (formats.indexOf("qr_code") < 0) { return; }
      detector = new window.BarcodeDetector({ formats: ["qr_code"] });
      box.hidden = false;
    })
    .catch(function () { /* no detector: the box stays hidden */ });
  input.addEventListener("change", function () {
    var file = input.files && input.files[0];
    error.textContent = "";
    if (!file || !detector) { return; }
    createImageBitmap(file)
      .then(function (bitmap) { return detector.detect(bitmap); })
      .then(function (codes) {
        if (!codes.length || !codes[0].rawValue) { fail(); return; }
        q.value = codes[0].rawValue;
        input.value = "";
        form.submit();
      })
      .catch(fail);
  });
})();
