// The dashboard's only script of its own (htmx does the rest): shares recomputed as a manager
// types a weight, copy buttons, and failed requests said in place. Loaded as a file, so the
// Content Security Policy needs no inline script.
"use strict";

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
    output.textContent = `${percent.toFixed(1)} %`;
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
    button.textContent = "Copied";
  } catch {
    button.textContent = "Press Ctrl+C";
  }
});

// A message (a toast) goes at once when dismissed; all but errors and warnings also fade by
// themselves (minicrm.css).
document.addEventListener("click", (event) => {
  event.target.closest("button[data-dismiss]")?.closest(".message").remove();
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
  403: "Refused: this page may be out of date (reload it), or your login may not allow this.",
  404: "Not found: it was removed or changed in another tab. Reload the page to see the current state.",
  409: "This conflicts with a change made in the meantime. Reload the page to see the current state.",
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
    dismiss.setAttribute("aria-label", "Dismiss");
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
  const text =
    REQUEST_ERRORS[xhr.status] ||
    `The server answered with an error (${xhr.status}). Reload the page to see the current state, then try again.`;
  showRequestError(elt, text, requestConfig.verb !== "get");
});

document.addEventListener("htmx:sendError", (event) => {
  const { elt, requestConfig } = event.detail;
  showRequestError(
    elt,
    "The server could not be reached. Check the connection and try again.",
    requestConfig.verb !== "get",
  );
});
