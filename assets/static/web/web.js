// Small progressive enhancement for the workspaces; every page works without it.
// Buttons marked data-confirm ask before submitting their form.
document.addEventListener("submit", function (ev) {
  var b = ev.submitter;
  var msg = (b && b.getAttribute("data-confirm")) || ev.target.getAttribute("data-confirm");
  if (msg && !window.confirm(msg)) { ev.preventDefault(); }
});
