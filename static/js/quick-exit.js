// Quick exit (DESIGN.md invariant 9): a click on the control, or Shift pressed three times,
// blanks the page at once and replaces this history entry with a neutral site.
//
// Only a Shift pressed and released on its own counts (as GOV.UK's "Exit this page" does):
// typing capitals ("I Am Ok") presses Shift with other keys, and must never send the page
// away and lose what was written.
const link = document.getElementById("quick-exit");
const SHIFT_PRESSES = 3;
const WITHIN_MS = 1500;

function quickExit() {
  const target = link ? link.dataset.quickExitUrl : "about:blank";
  document.documentElement.classList.add("exiting");
  document.title = "";
  document.body.replaceChildren();
  window.location.replace(target);
}

if (link) {
  link.addEventListener("click", (event) => {
    event.preventDefault();
    quickExit();
  });
}

let presses = [];
let shiftAlone = false; // Shift is down and no other key went down since
document.addEventListener("keydown", (event) => {
  if (event.key === "Shift") {
    if (!event.repeat) shiftAlone = true;
    return;
  }
  // Any other key (a capital letter, Shift+Tab) spoils this press and the ones before it.
  shiftAlone = false;
  presses = [];
});
document.addEventListener("keyup", (event) => {
  if (event.key !== "Shift") return;
  const counted = shiftAlone;
  shiftAlone = false;
  if (!counted) return;
  const now = performance.now();
  presses = presses.filter((time) => now - time < WITHIN_MS);
  presses.push(now);
  if (presses.length >= SHIFT_PRESSES) quickExit();
});
// A press that the page never saw end (the window lost focus) does not count.
window.addEventListener("blur", () => {
  shiftAlone = false;
});
