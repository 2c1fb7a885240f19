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
