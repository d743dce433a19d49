// "Print / save as PDF" on the check-in pack: the CSP allows no inline script. Without this
// file the button stays hidden and the browser's own Print menu does the same.
document.querySelectorAll("[data-print]").forEach((button) => {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
});
