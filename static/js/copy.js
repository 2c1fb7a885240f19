// Copy buttons, on the app's pages and the audit entry page (admin); every page works
// without this file. A button with data-copy="#id" copies that element's text (an input's
// value), says "Copied" on itself for a moment and in a live region for screen readers.
// Without the Clipboard API (an older browser, a page not served over https) it selects the
// text and tries the old copy command; if that fails too, the text stays selected for the
// agent to copy. The buttons are hidden until this script runs.
"use strict";

(() => {
  const SHOWN_MS = 2000;
  const labels = new WeakMap();
  const timers = new WeakMap();
  let status = null; // the live region ([data-copied-status]; made here on admin pages)

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
    // The label's nodes, kept whole: "Copy" with its hidden " e-mail" comes back as it was.
    if (!labels.has(button)) labels.set(button, [...button.childNodes]);
    clearTimeout(timers.get(button));
    button.textContent = text;
    button.classList.add("copied");
    if (status) {
      // Emptied first, so the same words twice in a row are read twice.
      status.textContent = "";
      setTimeout(() => { status.textContent = text; }, 50);
    }
    timers.set(button, setTimeout(() => {
      button.replaceChildren(...labels.get(button));
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

  const start = () => {
    status = document.querySelector("[data-copied-status]");
    if (!status) {
      status = document.createElement("div");
      status.setAttribute("role", "status");
      status.className = "visually-hidden";
      status.dataset.copiedStatus = "";
      document.body.append(status);
    }
    for (const button of document.querySelectorAll("button[data-copy]")) button.hidden = false;
  };

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

  // Deferred on the app's pages; a plain script in the admin's <head>.
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
