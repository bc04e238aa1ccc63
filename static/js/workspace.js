// The operator's workspace (/me/): each new contact's countdown to its deadline, and, when the
// live refresh brings a new contact, a beep, a desktop notification and the count of new contacts
// in the tab's title. Loaded after dashboard.js, whose STRINGS it reads.
"use strict";

const ALERTS_OFF = "minicrm.alerts-off";
const TITLE = document.title;

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

// The alerts: on unless switched off here (kept in this browser); the notification also needs the
// browser's permission, asked for only when the operator clicks "Notify me".
const alerts = document.getElementById("my-alerts");
const alertsBox = alerts.querySelector("input[data-alerts]");
const notifyMe = alerts.querySelector("button[data-notify-me]");
let audio = null;

function alertsOn() {
  return localStorage.getItem(ALERTS_OFF) === null;
}

function showPermission() {
  const permission = "Notification" in window ? Notification.permission : "unsupported";
  notifyMe.hidden = permission !== "default";
  for (const note of alerts.querySelectorAll("[data-notifications]")) {
    note.hidden = note.dataset.notifications !== permission;
  }
}

function beep() {
  // Browsers let a page's sound start only after a click on it: "Notify me" makes sure of one.
  audio ||= new AudioContext();
  audio.resume();
  const tone = audio.createOscillator();
  const volume = audio.createGain();
  tone.frequency.value = 880;
  volume.gain.setValueAtTime(0.2, audio.currentTime);
  volume.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.3);
  tone.connect(volume).connect(audio.destination);
  tone.start();
  tone.stop(audio.currentTime + 0.3);
}

function notify(rows) {
  if (!("Notification" in window) || Notification.permission !== "granted") {
    return;
  }
  for (const row of rows) {
    new Notification(STRINGS.newContact, { body: row.dataset.new, tag: row.id });
  }
}

alerts.hidden = false;
alertsBox.checked = alertsOn();
showPermission();

alertsBox.addEventListener("change", () => {
  if (alertsBox.checked) {
    localStorage.removeItem(ALERTS_OFF);
  } else {
    localStorage.setItem(ALERTS_OFF, "1");
  }
});

notifyMe.addEventListener("click", async () => {
  audio ||= new AudioContext();
  localStorage.removeItem(ALERTS_OFF);
  alertsBox.checked = true;
  await Notification.requestPermission();
  showPermission();
});

// New contacts: the title counts them; one the page had not shown before alerts, and is said in
// the polite live region (only then: a refresh that brings nothing new leaves it as it was).
function newRows() {
  return [...document.querySelectorAll("#my-contacts tr[data-new]")];
}

let shown = new Set(newRows().map((row) => row.id));
const news = document.getElementById("my-news");

function countNew() {
  const rows = newRows();
  document.title = rows.length ? `(${rows.length}) ${TITLE}` : TITLE;
  const arrived = rows.filter((row) => !shown.has(row.id));
  shown = new Set(rows.map((row) => row.id));
  if (arrived.length) {
    news.textContent = arrived.map((row) => STRINGS.newContactFrom.replace("%(contact)s", row.dataset.new)).join(" ");
  }
  if (arrived.length && alertsOn()) {
    beep();
    notify(arrived);
  }
}

document.addEventListener("htmx:afterSettle", () => {
  countNew();
  countDown();
});

// The refresh brings the availability along, except while it asks whether to keep the contacts.
document.addEventListener("htmx:oobBeforeSwap", (event) => {
  if (event.detail.target.id === "my-status" && event.detail.target.querySelector("[data-asking]")) {
    event.detail.shouldSwap = false;
  }
});

// Escape answers Away's question as "Stay available" does, as a dialog's Escape does.
document.addEventListener("keydown", (event) => {
  if (event.key === "Escape") {
    event.target.closest?.("#my-status [role=alertdialog]")?.querySelector("a[hx-get]")?.click();
  }
});

countNew();
countDown();
setInterval(countDown, 1000);
