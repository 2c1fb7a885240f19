// Small progressive enhancements; every page works without this file.
"use strict";

// Controls that only work with this file are shown from here on (.js-only in app.css).
document.documentElement.classList.add("js");

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
    button.dataset.label = button.textContent;
    button.textContent = form.dataset.submitLabel;
  }, 0);
});

// --- Keyboard shortcuts -----------------------------------------------------------------------
// "/" finds a customer, "n" opens New customer, "?" lists the shortcuts; never while the agent
// is typing in a field, nor with Ctrl, Alt or Cmd (the browser's own shortcuts).
const typingIn = (target) => target instanceof HTMLElement && (target.isContentEditable ||
  ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
const shortcutsDialog = document.querySelector("[data-shortcuts-dialog]");
let shortcutsOpener = null;
const openShortcuts = () => {
  if (!shortcutsDialog || shortcutsDialog.open) return;
  shortcutsOpener = document.activeElement;
  shortcutsDialog.showModal();
  shortcutsDialog.querySelector("[data-dialog-close]").focus();
};
shortcutsDialog?.addEventListener("close", () => {
  if (shortcutsOpener instanceof HTMLElement && shortcutsOpener.isConnected) shortcutsOpener.focus();
  shortcutsOpener = null;
});
document.addEventListener("click", (event) => {
  if (event.target.closest?.("[data-shortcuts-open]")) openShortcuts();
});
document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
  if (typingIn(event.target) || document.querySelector("dialog[open]")) return;
  if (event.key === "/") {
    const box = document.getElementById("header-q");
    if (!box) return;
    event.preventDefault();
    box.focus();
  } else if (event.key === "n") {
    const link = document.querySelector("a[data-shortcut='n']");
    // On New customer already: a reload would throw away what was typed.
    if (!link || link.pathname === window.location.pathname) return;
    event.preventDefault();
    link.click();
  } else if (event.key === "?") {
    if (!shortcutsDialog) return;
    event.preventDefault();
    openShortcuts();
  }
});

// --- Where the next action is ------------------------------------------------------------------
// The server marks it with `autofocus`: First name on a new form, the duplicate gate, the
// caller check's answer after a wrong one, a new card link's Copy button (shown by copy.js,
// so the browser's own autofocus may have found it hidden). Once the page has loaded, this
// gives it the focus if nothing has it yet.
window.addEventListener("load", () => {
  const wanted = document.querySelector("[autofocus]");
  const free = !document.activeElement || document.activeElement === document.body;
  if (wanted instanceof HTMLElement && free) wanted.focus();
});

// Adding or removing a metadata row swaps the rows (htmx), and the button pressed goes with
// them: focus goes to the new row's name, or after a removal to the name of the row that
// took its place, else to "Add metadata".
document.addEventListener("htmx:afterSettle", (event) => {
  const rows = event.target;
  if (!(rows instanceof HTMLElement) || rows.id !== "metadata-rows") return;
  const action = event.detail.requestConfig?.elt?.value || "";
  const names = rows.querySelectorAll(".metadata-row:not(.fixed) input[name$='-name']");
  let next = null;
  if (action === "add_metadata") next = names[names.length - 1];
  else if (action.startsWith("remove_metadata:")) next = names[Number(action.split(":")[1])];
  (next || rows.querySelector("button[value='add_metadata']"))?.focus();
});

// After a refused create the error summary has the focus, so it is what is read first. Its
// links move the focus to their field (a plain #link only scrolls there).
document.querySelector("[data-error-summary]")?.focus();
document.addEventListener("click", (event) => {
  const link = event.target.closest?.("[data-error-summary] a[href^='#']");
  const field = link && document.getElementById(decodeURIComponent(link.hash.slice(1)));
  if (!field || !field.matches("input, select, textarea")) return;
  event.preventDefault();
  (field.closest(".field") || field).scrollIntoView({ block: "center" });
  field.focus({ preventScroll: true });
});

// "Same as customer": the bill-to fields start as a copy of the customer's, to be changed
// where they differ.
document.addEventListener("click", (event) => {
  const button = event.target.closest?.("[data-copy-from]");
  if (!button || !button.form) return;
  const { copyFrom: from, copyTo: to } = button.dataset;
  for (const source of button.form.querySelectorAll(`[name^="${from}-"]`)) {
    const target = button.form.elements.namedItem(to + source.name.slice(from.length));
    if (target) target.value = source.value;
  }
  const status = button.parentElement.querySelector("[data-copy-status]");
  if (status) status.textContent = "Copied from the customer; change what differs.";
});

// After the duplicate panel is swapped, the control that stands where `old` stood: the one
// matching `selector` with the same name ("Open Jane Doe (…0001)").
const sameControl = (root, selector, old) => {
  const name = old?.textContent.trim();
  return [...root.querySelectorAll(selector)].find((control) => control.textContent.trim() === name);
};

// A match opens in a dialog on this page, from the details the panel already has: the typed
// form stays where it is. Closing it (Back to the form, Esc) returns the focus to the opener.
const matchDialog = document.querySelector("[data-match-dialog]");
let matchOpener = null;
document.addEventListener("click", (event) => {
  const opener = event.target.closest?.("[data-open-match]");
  const details = opener?.closest(".match")?.querySelector("template[data-match-details]");
  if (!matchDialog || !details) return;
  matchDialog.querySelector("[data-match-dialog-body]").replaceChildren(details.content.cloneNode(true));
  const use = matchDialog.querySelector("[data-match-use]");
  const url = details.dataset.customerUrl; // none for a recent create that has no customer
  use.hidden = !url;
  if (url) use.href = url;
  else use.removeAttribute("href");
  matchOpener = opener;
  matchDialog.showModal();
  matchDialog.querySelector("[data-dialog-close]").focus();
});
document.addEventListener("click", (event) => {
  event.target.closest?.("[data-dialog-close]")?.closest("dialog")?.close();
});
matchDialog?.addEventListener("close", () => {
  // The panel may have been refreshed meanwhile (a field's delayed search): then the same
  // match's new button takes the focus, found by its name ("Open Jane Doe (…0001)"), or
  // else the first match's.
  let opener = matchOpener;
  if (!opener?.isConnected) {
    opener = sameControl(document, "[data-open-match]", matchOpener)
      || document.querySelector("[data-open-match]");
  }
  opener?.focus();
  matchOpener = null;
});

// The panel refreshes itself while the agent types elsewhere, but also after a field's
// delayed search lands late. If the focus was on one of its buttons or links then, it would
// fall to the page's top; the same control in the new panel, found by its name, keeps it.
let panelFocus = null;
// The team overview: a date typed in From or To asks for a from – to period. Tick it, or the
// dates would be ignored for the period still ticked (a lead typed both and saw the last 7 days).
document.addEventListener("input", (event) => {
  const field = event.target;
  if (!(field instanceof HTMLInputElement) || !field.hasAttribute("data-range-date")) return;
  const range = field.form?.querySelector("input[name=period][value=range]");
  if (range && field.value) range.checked = true;
});

document.addEventListener("htmx:beforeSwap", (event) => {
  const focused = document.activeElement;
  panelFocus = event.detail.target?.id === "duplicate-results" && event.detail.target.contains(focused)
    ? focused : null;
});
document.addEventListener("htmx:afterSettle", (event) => {
  if (!panelFocus || event.detail.target?.id !== "duplicate-results") return;
  sameControl(event.detail.target, panelFocus.tagName, panelFocus)?.focus();
  panelFocus = null;
});

// The duplicate panel ([data-latest-only]) queues a search asked for while one is on its way
// (hx-sync "queue last") rather than aborting it. An answer that a newer search will replace
// is not shown: each trigger counts, and each request remembers the count it was sent at.
const asked = new WeakMap();
const sentAt = new WeakMap();
document.addEventListener("htmx:confirm", (event) => {
  const panel = event.detail.elt?.closest?.("[data-latest-only]");
  if (panel) asked.set(panel, (asked.get(panel) || 0) + 1);
});
document.addEventListener("htmx:beforeRequest", (event) => {
  const panel = event.detail.elt?.closest?.("[data-latest-only]");
  if (panel) sentAt.set(event.detail.xhr, asked.get(panel) || 0);
});
document.addEventListener("htmx:beforeSwap", (event) => {
  const panel = event.detail.elt?.closest?.("[data-latest-only]");
  if (panel && sentAt.get(event.detail.xhr) < (asked.get(panel) || 0)) event.detail.shouldSwap = false;
});

// Back to this page from the back/forward cache (after "Use this customer", say): the form is
// as the agent left it; only the dialog closes and a create in progress is not in progress.
window.addEventListener("pageshow", (event) => {
  if (!event.persisted) return;
  if (matchDialog?.open) matchDialog.close();
  const form = document.querySelector("form[data-submit-label]");
  const button = form?.querySelector("[data-testid=create-button]");
  if (button?.dataset.label) {
    button.disabled = false;
    button.textContent = button.dataset.label;
  }
});
