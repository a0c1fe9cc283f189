// Loaded on every page, it acts only where a form came back with errors: focus moves to the
// error summary, so a screen reader reads what went wrong and a keyboard starts from there
// (issue 13 defect 6). A link in the summary moves focus to its control, not just the view.
const summaries = document.querySelectorAll("[data-error-summary]");
if (summaries.length) {
  summaries[0].focus();
  for (const summary of summaries) {
    summary.addEventListener("click", (event) => {
      const link = event.target.closest("a[href^='#']");
      const control = link && document.getElementById(link.getAttribute("href").slice(1));
      if (!control) return;
      event.preventDefault();
      control.focus();
      control.scrollIntoView({ block: "center" });
    });
  }
}
