// Small progressive enhancements; every page works without this file.
"use strict";

// While a create runs, the button says so and cannot be pressed again. (The server's
// submission key makes a second press harmless anyway; this just says what is happening.)
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.dataset.submitLabel) return;
  const submitter = event.submitter;
  if (submitter && submitter.name === "_action") return; // add/remove a metadata row
  const button = form.querySelector("[data-testid=create-button]");
  if (!button) return;
  // Disable after the browser has collected the form data, or the click would be lost.
  setTimeout(() => {
    button.disabled = true;
    button.textContent = form.dataset.submitLabel;
  }, 0);
});

// --- Find a customer ------------------------------------------------------------------------
// "/" jumps to the header's search box, unless the agent is typing somewhere already.
document.addEventListener("keydown", (event) => {
  if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
  const target = event.target;
  if (target instanceof HTMLElement && (target.isContentEditable ||
      ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName))) return;
  const box = document.getElementById("header-q");
  if (!box) return;
  event.preventDefault();
  box.focus();
});
