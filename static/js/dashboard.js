// The dashboard's only script of its own (htmx does the rest): shares recomputed as a manager
// types a weight, copy buttons, and failed requests said in place. Loaded as a file, so the
// Content Security Policy needs no inline script.
"use strict";

// What the script says, in the page's language: base.html puts it in a JSON data block.
const STRINGS = JSON.parse(document.getElementById("dashboard-strings")?.textContent || "{}");
// Shares as the page's language writes numbers ("12,5" in Russian).
const PERCENT = new Intl.NumberFormat(document.documentElement.lang || undefined, {
  minimumFractionDigits: 1,
  maximumFractionDigits: 1,
});

// Shares among the operators who are switched on: their rows have an <output data-share>.
function updateShares(table) {
  const inputs = [...table.querySelectorAll("input[data-weight]")].filter((input) =>
    input.closest("tr").querySelector("output[data-share]"),
  );
  const weights = inputs.map((input) => Math.max(0, parseInt(input.value, 10) || 0));
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  inputs.forEach((input, index) => {
    const output = input.closest("tr").querySelector("output[data-share]");
    const percent = total ? (100 * weights[index]) / total : 0;
    output.textContent = `${PERCENT.format(percent)} %`;
  });
}

document.addEventListener("input", (event) => {
  const table = event.target.closest("table[data-shares]");
  if (table && event.target.matches("input[data-weight]")) {
    updateShares(table);
  }
});

document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-copy]");
  if (!button) {
    return;
  }
  const field = document.querySelector(button.dataset.copy);
  field.select();
  try {
    await navigator.clipboard.writeText(field.value);
    button.textContent = STRINGS.copied;
  } catch {
    button.textContent = STRINGS.pressCtrlC;
  }
});

// The language switch brings the browser back to the page as it is now: htmx may have pushed
// another address (a filter, a page of results) since the server wrote the form's `next`.
document.addEventListener("submit", (event) => {
  const next = event.target.matches("form.language") && event.target.elements.next;
  if (next) {
    next.value = window.location.pathname + window.location.search;
  }
});

// A date typed in a filter form means "From … to": the period's select says so before htmx sends
// the change (captured, so first), as a named period would win over the dates (PeriodForm).
document.addEventListener(
  "change",
  (event) => {
    const period = event.target.matches("form.filters input[type=date]") && event.target.form.elements.period;
    if (period) {
      period.value = "custom";
    }
  },
  true,
);

// A message goes at once when dismissed, the keyboard's focus passing to the next message's
// Dismiss if there is one; all but errors and warnings also fade by themselves (minicrm.css),
// and go once faded.
document.addEventListener("click", (event) => {
  const message = event.target.closest("button[data-dismiss]")?.closest(".message");
  if (!message) {
    return;
  }
  const next = message.nextElementSibling || message.previousElementSibling;
  message.remove();
  next?.querySelector("button[data-dismiss]")?.focus();
});

document.addEventListener("animationend", (event) => {
  if (event.animationName === "message-out") {
    event.target.remove();
  }
});

// A refusal the server aimed at the messages area (a 403 with HX-Retarget: a missing permission)
// is shown there; htmx leaves other 4xx answers, such as a stale CSRF token's page, unswapped.
document.addEventListener("htmx:beforeSwap", (event) => {
  const { xhr } = event.detail;
  if (xhr.status === 403 && xhr.getResponseHeader("HX-Retarget")) {
    event.detail.shouldSwap = true;
  }
});

// A request that failed says so where it was made (in its form, else in the messages area),
// with DEBUG on or off: htmx swaps no error page in. A change that failed puts its form back to
// the values the page was shown with, so that nothing typed looks saved. Answers the server
// aimed at the messages area itself (HX-Retarget: a refusal, the database unavailable) are left
// as they are.
const REQUEST_ERRORS = {
  403: STRINGS.refused,
  404: STRINGS.notFound,
  409: STRINGS.conflict,
};

function showRequestError(element, text, isChange) {
  const form = element.closest("form");
  const place = form || document.getElementById("messages");
  place.querySelector(":scope > .request-error")?.remove();
  const note = document.createElement(form ? "span" : "p");
  note.className = form ? "error request-error" : "message error request-error";
  note.setAttribute("role", "alert");
  note.textContent = text;
  if (!form) {
    // An error toast does not fade: it needs its own way out.
    const dismiss = document.createElement("button");
    dismiss.type = "button";
    dismiss.className = "dismiss";
    dismiss.dataset.dismiss = "";
    dismiss.setAttribute("aria-label", STRINGS.dismiss);
    dismiss.textContent = "×";
    note.append(" ", dismiss);
  }
  place.append(note);
  if (form && isChange) {
    form.reset();
    const table = form.closest("table[data-shares]");
    if (table) {
      updateShares(table);
    }
  }
}

document.addEventListener("htmx:beforeRequest", (event) => {
  event.detail.elt.closest("form")?.querySelector(":scope > .request-error")?.remove();
});

document.addEventListener("htmx:responseError", (event) => {
  const { xhr, elt, requestConfig } = event.detail;
  if (xhr.getResponseHeader("HX-Retarget")) {
    return;
  }
  const text = REQUEST_ERRORS[xhr.status] || STRINGS.serverError.replace("{status}", xhr.status);
  showRequestError(elt, text, requestConfig.verb !== "get");
});

document.addEventListener("htmx:sendError", (event) => {
  const { elt, requestConfig } = event.detail;
  showRequestError(elt, STRINGS.unreachable, requestConfig.verb !== "get");
});

// A morphed swap (idiomorph, hx-swap="morph") never changes what the user typed into a field
// marked data-draft: the server renders it empty, and a refresh would empty it.
if (window.Idiomorph) {
  Idiomorph.defaults.callbacks.beforeAttributeUpdated = (name, element) =>
    !(name === "value" && element.hasAttribute("data-draft"));
}

// Focus survives a swap: a refresh, or the answer to a button pressed. The focused control is
// remembered by a key (data-focus-key, its id, or its form's address and its name within the
// nearest element with an id), and after the swap the control with that key has the focus; if
// there is none (its row went), the control that now stands where it stood in the tab order,
// so that the next Tab goes on from there rather than from the top of the page.
const FOCUSABLE = "a[href], button, input:not([type=hidden]), select, textarea, [tabindex]";
let focusBefore = null;

function focusKey(element) {
  if (element.dataset.focusKey || element.id) {
    return element.dataset.focusKey || element.id;
  }
  const form = element.form;
  const where = element.parentElement?.closest("[id]")?.id || "";
  if (form) {
    const address = form.getAttribute("hx-post") || form.getAttribute("action");
    return [where, address, element.localName, element.name, element.type].join(" ");
  }
  return element.matches("a[href]") ? [where, element.getAttribute("href")].join(" ") : null;
}

function focusables() {
  const found = new Map();
  for (const element of document.querySelectorAll(FOCUSABLE)) {
    const key = focusKey(element);
    if (key && !found.has(key) && !element.disabled && element.getClientRects().length) {
      found.set(key, element);
    }
  }
  return found;
}

// A swap that comes while another settles (the focus on the body meanwhile) keeps the first's.
document.addEventListener("htmx:beforeSwap", () => {
  const active = document.activeElement;
  const key = active && active !== document.body && focusKey(active);
  if (key) {
    focusBefore = { key, keys: [...focusables().keys()] };
  }
});

// After the settle, so that an [autofocus] in what came (htmx focuses it) has the last word.
document.addEventListener("htmx:afterSettle", () => {
  const before = focusBefore;
  focusBefore = null;
  const active = document.activeElement;
  if (!before || (active && active !== document.body)) {
    return;
  }
  const now = focusables();
  const at = before.keys.indexOf(before.key);
  const after = at < 0 ? [] : before.keys.slice(at + 1);
  const earlier = at < 0 ? [] : before.keys.slice(0, at).reverse();
  const key = [before.key, ...after, ...earlier].find((candidate) => now.has(candidate));
  now.get(key)?.focus();
});

// A table wider than its box (a phone, 200 % zoom) scrolls in it; one without a link or a control
// to Tab to takes the focus itself while it scrolls, so that the keyboard can scroll it too.
function letScrollingTablesTakeFocus() {
  for (const box of document.querySelectorAll(".table-scroll")) {
    const scrolls = box.scrollWidth > box.clientWidth;
    if (scrolls && !box.querySelector("a[href], button, input, select, textarea")) {
      box.setAttribute("tabindex", "0");
    } else {
      box.removeAttribute("tabindex");
    }
  }
}
letScrollingTablesTakeFocus();
window.addEventListener("resize", letScrollingTablesTakeFocus);
document.addEventListener("htmx:afterSettle", letScrollingTablesTakeFocus);
