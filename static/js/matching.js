// The member's matching page (docs/decisions/0080-matching-escrow.md): normalise and show it
// back, then blind, have the escrow evaluate, derive π, a and K, seal a share to each matching
// counsellor and save. The identifier never leaves this page in clear.
import { blind, finalize, makeShare, seal } from "./matching-crypto.js";
import { IdentifierError, normalise } from "./matching-identifiers.js";

const form = document.getElementById("matching-form");

if (form) {
  const preview = document.getElementById("matching-preview");
  const shown = document.getElementById("matching-normalised");
  const feedback = document.getElementById("matching-feedback");
  const save = document.getElementById("matching-save");
  const csrf = form.querySelector("[name=csrfmiddlewaretoken]").value;
  let pending = null;

  const say = (text) => {
    feedback.textContent = text;
  };
  const post = (url, body) =>
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body),
    });
  const failure = async (response) => {
    try {
      return (await response.json()).message || form.dataset.errorFailed;
    } catch {
      return form.dataset.errorFailed;
    }
  };

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    say("");
    try {
      pending = normalise(form.elements.kind.value, form.elements.identifier.value, form.elements.region.value);
    } catch (error) {
      if (!(error instanceof IdentifierError)) throw error;
      pending = null;
      preview.hidden = true;
      say(form.dataset[`error${error.code.charAt(0).toUpperCase()}${error.code.slice(1)}`] || form.dataset.errorFailed);
      form.elements.identifier.focus();
      return;
    }
    shown.textContent = pending;
    preview.hidden = false;
    save.focus();
  });

  document.getElementById("matching-change").addEventListener("click", () => {
    preview.hidden = true;
    pending = null;
    form.elements.identifier.focus();
  });

  save.addEventListener("click", async () => {
    if (!pending) return;
    const normalised = pending;
    save.disabled = true;
    say(form.dataset.working);
    try {
      const status = await fetch(form.dataset.statusUrl, { credentials: "same-origin" });
      if (!status.ok) return say(await failure(status));
      const info = await status.json();
      const blinded = blind(normalised);
      const evaluated = await post(form.dataset.evaluateUrl, { blinded: Array.from(blinded.blinded, (b) => b.toString(16).padStart(2, "0")).join("") });
      if (!evaluated.ok) return say(await failure(evaluated));
      const output = finalize(normalised, blinded.blind, (await evaluated.json()).evaluated);
      const { index, share } = await makeShare(output, info.x, normalised);
      const sealed = {};
      for (const counsellor of info.counsellors) {
        sealed[counsellor.id] = [counsellor.public_key, await seal(counsellor.public_key, share)];
      }
      const saved = await post(form.dataset.entriesUrl, { index, sealed });
      if (saved.status !== 201) return say(await failure(saved));
      window.location.assign(window.location.pathname);
    } catch {
      say(form.dataset.errorFailed);
    } finally {
      save.disabled = false;
    }
  });
}
