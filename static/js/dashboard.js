// The dashboard's only script of its own (htmx does the rest): shares recomputed as a manager
// types a weight, and copy buttons. Loaded as a file, so the Content Security Policy needs no
// inline script.
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

// A refusal the server aimed at the messages area (a 403 with HX-Retarget: a missing permission)
// is shown there; htmx leaves other 4xx answers, such as a stale CSRF token's page, unswapped.
document.addEventListener("htmx:beforeSwap", (event) => {
  const { xhr } = event.detail;
  if (xhr.status === 403 && xhr.getResponseHeader("HX-Retarget")) {
    event.detail.shouldSwap = true;
  }
});
