// Quick exit (DESIGN.md invariant 9): a click on the control, or Shift pressed three times,
// blanks the page at once and replaces this history entry with a neutral site.
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
document.addEventListener("keydown", (event) => {
  if (event.key !== "Shift" || event.repeat) return;
  const now = performance.now();
  presses = presses.filter((time) => now - time < WITHIN_MS);
  presses.push(now);
  if (presses.length >= SHIFT_PRESSES) quickExit();
});
