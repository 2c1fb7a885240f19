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

// --- Copy buttons (verify-page branch) --------------------------------------------------
// A button with data-copy="#id" copies that element's text (an input's value) and says
// "Copied" for a moment. Without the Clipboard API (an older browser, a page not served over
// https) it selects the text and tries the old copy command; if that fails too, the text
// stays selected for the agent to copy. The buttons are hidden until this script runs.
(() => {
  const SHOWN_MS = 2000;
  const labels = new WeakMap();
  const timers = new WeakMap();

  const textOf = (element) =>
    element instanceof HTMLInputElement ? element.value : element.textContent.trim();

  const select = (element) => {
    if (element instanceof HTMLInputElement) {
      element.focus();
      element.select();
      return;
    }
    const range = document.createRange();
    range.selectNodeContents(element);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  };

  const say = (button, text) => {
    if (!labels.has(button)) labels.set(button, button.textContent);
    clearTimeout(timers.get(button));
    button.textContent = text;
    button.classList.add("copied");
    timers.set(button, setTimeout(() => {
      button.textContent = labels.get(button);
      button.classList.remove("copied");
    }, SHOWN_MS));
  };

  const fallback = (button, element) => {
    select(element);
    let copied = false;
    try {
      copied = document.execCommand("copy");
    } catch {
      copied = false;
    }
    say(button, copied ? "Copied" : "Selected: copy it now");
  };

  for (const button of document.querySelectorAll("button[data-copy]")) button.hidden = false;

  document.addEventListener("click", (event) => {
    const button = event.target instanceof Element && event.target.closest("button[data-copy]");
    if (!button) return;
    const element = document.querySelector(button.dataset.copy);
    if (!element) return;
    if (!navigator.clipboard || !window.isSecureContext) {
      fallback(button, element);
      return;
    }
    navigator.clipboard.writeText(textOf(element)).then(
      () => say(button, "Copied"),
      () => fallback(button, element),
    );
  });
})();
