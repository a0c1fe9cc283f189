// The phone menu (docs/design.md, "Navigation"): on a narrow screen the main navigation folds
// under one "Menu" button, a disclosure (aria-expanded on the button, the list it controls
// shown or hidden). Without this script the button stays hidden and the list shows as it is.
// The button repeats the unread counts of Messages and Notifications, which are folded with
// the list.
const header = document.querySelector(".site-header");
const button = document.getElementById("menu-button");
const nav = document.getElementById("site-nav");
// Kept from the start: quick exit blanks the page, and a count may still change after that.
const mirror = document.getElementById("menu-count");

function setOpen(open) {
  button.setAttribute("aria-expanded", String(open));
  nav.classList.toggle("is-open", open);
}

function mirrorCounts() {
  const total = ["messages-count", "notification-count"]
    .map((id) => document.getElementById(id))
    .filter((badge) => badge && !badge.hidden)
    .reduce((sum, badge) => sum + (Number(badge.querySelector("[data-count]")?.textContent) || 0), 0);
  if (!mirror) return;
  mirror.querySelector("[data-count]").textContent = String(total);
  mirror.hidden = total === 0;
}

if (header && button && nav) {
  document.documentElement.classList.add("has-menu");
  button.hidden = false;
  button.addEventListener("click", () => setOpen(button.getAttribute("aria-expanded") !== "true"));
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
      setOpen(false);
      button.focus();
    }
  });
  document.addEventListener("click", (event) => {
    if (!header.contains(event.target)) setOpen(false);
  });
  header.addEventListener("focusout", (event) => {
    if (event.relatedTarget && !header.contains(event.relatedTarget)) setOpen(false);
  });
  const observer = new MutationObserver(mirrorCounts);
  for (const id of ["messages-count", "notification-count"]) {
    const badge = document.getElementById(id);
    if (badge) observer.observe(badge, { attributes: true, childList: true, subtree: true, characterData: true });
  }
}
