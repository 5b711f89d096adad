// The offline code checker: verifies a label's GS1 AI 8030 signature
// (Ed25519 over the element string 01 GTIN, 22, 10 lot, 21 serial, each
// variable value but the last followed by GS) with the registry's public
// keys embedded in the page. Once loaded it needs no network.
"use strict";
(function () {
  var form = document.getElementById("cc-form");
  var out = document.getElementById("cc-result");
  var keys = JSON.parse(form.dataset.keys || "[]");

  function show(kind, text) {
    out.hidden = false;
    out.className = "notice " + (kind === "ok" ? "okbox" : "warnbox");
    out.dataset.result = kind;
    out.textContent = text;
  }
  function b64url(s) {
    s = s.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) s += "=";
    var bin = atob(s), b = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) b[i] = bin.charCodeAt(i);
    return b;
  }
  // parse reads a Digital Link: the key and qualifiers of its path, and 8030.
  function parse(text) {
    var u;
    try { u = new URL(text.trim()); } catch (e) { return null; }
    var parts = u.pathname.split("/"), i = parts.indexOf("01");
    if (i < 0) return null;
    var ais = {};
    for (var j = i; j + 1 < parts.length; j += 2) ais[parts[j]] = decodeURIComponent(parts[j + 1]);
    if (!/^\d{8,14}$/.test(ais["01"] || "")) return null;
    ais["01"] = ("00000000000000" + ais["01"]).slice(-14);
    return { ais: ais, sig: u.searchParams.get("8030") || "" };
  }
  function elementString(ais) {
    var s = "01" + ais["01"], vars = [["22", ais["22"]], ["10", ais["10"]], ["21", ais["21"]]].filter(function (v) { return v[1]; });
    vars.forEach(function (v, n) { s += v[0] + v[1] + (n < vars.length - 1 ? "\u001d" : ""); });
    return new TextEncoder().encode(s);
  }
  async function check(text) {
    var dl = parse(text);
    if (!dl) return show("bad", form.dataset.notlink);
    if (!dl.sig) return show("unsigned", form.dataset.unsigned);
    if (!window.crypto || !crypto.subtle) return show("bad", form.dataset.nocrypto);
    var sig, msg = elementString(dl.ais);
    try { sig = b64url(dl.sig); } catch (e) { return show("bad", form.dataset.bad); }
    for (var k = 0; k < keys.length; k++) {
      try {
        var key = await crypto.subtle.importKey("jwk", { kty: "OKP", crv: "Ed25519", x: keys[k] }, { name: "Ed25519" }, false, ["verify"]);
        if (await crypto.subtle.verify({ name: "Ed25519" }, key, sig, msg)) return show("ok", form.dataset.ok);
      } catch (e) {
        return show("bad", form.dataset.nocrypto);
      }
    }
    show("bad", form.dataset.bad);
  }
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    check(document.getElementById("cc-code").value);
  });
})();
