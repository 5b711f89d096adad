// Small progressive enhancement shared by the workspaces; every page works without it.
// A button with data-print prints the page (label sheets).
document.addEventListener("click", function (ev) {
  var t = ev.target.closest && ev.target.closest("[data-print]");
  if (t) { ev.preventDefault(); window.print(); }
});
