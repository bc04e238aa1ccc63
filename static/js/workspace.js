// The operator's workspace (/me/): each new contact's countdown to its deadline. Loaded after
// dashboard.js, whose STRINGS it reads.
"use strict";

// The countdowns: the server writes the seconds left as of its answer (data-left), so that the
// count does not depend on this computer's clock being right.
const counted = new WeakMap();

function clock(seconds) {
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const rest = String(seconds % 60).padStart(2, "0");
  return hours ? `${hours}:${String(minutes).padStart(2, "0")}:${rest}` : `${minutes}:${rest}`;
}

function countDown() {
  const now = performance.now();
  for (const time of document.querySelectorAll("time[data-left]")) {
    let seen = counted.get(time);
    if (seen?.left !== time.dataset.left) {
      seen = { left: time.dataset.left, due: now + 1000 * Number(time.dataset.left) };
      counted.set(time, seen);
    }
    const left = Math.ceil((seen.due - now) / 1000);
    const overdue = left <= 0;
    time.textContent = overdue
      ? STRINGS.overdueBy.replace("%(time)s", clock(-left))
      : STRINGS.timeLeft.replace("%(time)s", clock(left));
    time.classList.toggle("overdue", overdue);
    time.closest("tr")?.classList.toggle("overdue", overdue);
  }
}

document.addEventListener("htmx:afterSettle", countDown);

countDown();
setInterval(countDown, 1000);
