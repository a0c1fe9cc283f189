// A form that came back with errors: move focus to its summary, so a screen reader reads what
// went wrong and a keyboard starts from there (issue 13 defect 6). A link in the summary moves
// focus to its control, not just the scroll position.
const summary = document.querySelector("[data-error-summary]");
if (summary) {
  summary.focus();
  for (const summaryOf of document.querySelectorAll("[data-error-summary]")) {
    summaryOf.addEventListener("click", (event) => {
      const link = event.target.closest("a[href^='#']");
      const control = link && document.getElementById(link.getAttribute("href").slice(1));
      if (!control) return;
      event.preventDefault();
      control.focus();
      control.scrollIntoView({ block: "center" });
    });
  }
}
