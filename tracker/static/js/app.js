// Progressive enhancement only: every page works without this file.
// Loaded in <head> without defer: marking the page as scripted now lets phone.css fold the menu
// before the first paint; every handler below is delegated to document, so none needs the body.
document.documentElement.classList.add("js");

document.addEventListener("submit", (event) => {
  const button = event.submitter;
  const message = button && button.dataset.confirm;
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});

// The phone menu: the button opens and closes the panel it controls; Escape closes it again.
document.addEventListener("click", (event) => {
  const button = event.target instanceof Element && event.target.closest(".menu-button");
  if (!button) {
    return;
  }
  const open = button.getAttribute("aria-expanded") !== "true";
  button.setAttribute("aria-expanded", String(open));
  button.closest(".topbar").classList.toggle("menu-open", open);
});

document.addEventListener("keydown", (event) => {
  const button = document.querySelector(".menu-button[aria-expanded='true']");
  if (event.key === "Escape" && button) {
    button.setAttribute("aria-expanded", "false");
    button.closest(".topbar").classList.remove("menu-open");
    button.focus();
  }
});
