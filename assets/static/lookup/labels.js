// The label sheet's print button (a file, not inline: the pages' CSP allows no inline script).
document.getElementById("labels-print")?.addEventListener("click", () => window.print());
