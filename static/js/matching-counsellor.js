// The matching counsellor's page (docs/decisions/0080-matching-escrow.md): the X25519 key pair
// is made here, wrapped with a passphrase (kept in this browser, downloadable as a backup);
// only the public key is sent. Matches are opened here: each sealed share, then K from two
// shares, then the records.
import {
  decryptRecord,
  fromBase64,
  interpolate,
  newKeyPair,
  openSealed,
  unwrapKey,
  wrapKey,
} from "./matching-crypto.js";

const STORE = "kindred-matching-key";
const panel = document.getElementById("matching-key");

if (panel) {
  const feedback = document.getElementById("key-feedback");
  const backup = document.getElementById("key-backup");
  const csrf = panel.querySelector("[name=csrfmiddlewaretoken]").value;
  const say = (text) => {
    feedback.textContent = text;
  };
  let secretKey = null;

  const stored = () => {
    try {
      return JSON.parse(window.localStorage.getItem(STORE) || "null");
    } catch {
      return null;
    }
  };
  const offerBackup = (wrapped) => {
    backup.href = URL.createObjectURL(new Blob([JSON.stringify(wrapped)], { type: "application/json" }));
    backup.hidden = false;
  };
  const show = () => {
    const wrapped = stored();
    const usable = wrapped && wrapped.public_key === panel.dataset.serverKey;
    document.getElementById("key-unlock").hidden = !usable || secretKey !== null;
    document.getElementById("key-create").hidden = Boolean(usable);
    document.getElementById("key-missing-note").hidden = !panel.dataset.serverKey || Boolean(usable);
    if (usable) offerBackup(wrapped);
  };

  document.getElementById("key-create-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const passphrase = document.getElementById("create-passphrase").value;
    if (passphrase.length < 12) return say(panel.dataset.errorShort);
    if (passphrase !== document.getElementById("create-passphrase-again").value) return say(panel.dataset.errorMismatch);
    const pair = newKeyPair();
    const wrapped = await wrapKey(pair.secretKey, passphrase);
    const response = await fetch(panel.dataset.keyUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ public_key: pair.publicKey }),
    });
    if (!response.ok) return say((await response.json()).message || "");
    window.localStorage.setItem(STORE, JSON.stringify(wrapped));
    panel.dataset.serverKey = pair.publicKey;
    secretKey = pair.secretKey;
    show();
    say(panel.dataset.created);
  });

  document.getElementById("key-unlock-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      secretKey = await unwrapKey(stored(), document.getElementById("unlock-passphrase").value);
    } catch {
      return say(panel.dataset.errorUnlock);
    }
    show();
    say(panel.dataset.unlocked);
  });

  document.getElementById("key-restore").addEventListener("change", async (event) => {
    const [file] = event.target.files;
    try {
      const wrapped = JSON.parse(await file.text());
      if (!wrapped.box || !wrapped.public_key) throw new Error("not a backup");
      window.localStorage.setItem(STORE, JSON.stringify(wrapped));
    } catch {
      return say(panel.dataset.errorBackup);
    }
    show();
    say(panel.dataset.restored);
  });

  const list = document.getElementById("matching-matches");
  list?.addEventListener("click", async (event) => {
    const button = event.target.closest("[data-open-match]");
    if (!button) return;
    const result = button.parentElement.querySelector("[data-match-result]");
    if (!secretKey) {
      result.textContent = list.dataset.locked;
      return;
    }
    const data = await (await fetch(button.dataset.openMatch, { credentials: "same-origin" })).json();
    let shares;
    try {
      shares = await Promise.all(data.shares.map(async (s) => ({ ...s, ...(await openSealed(secretKey, s.blob)) })));
    } catch {
      result.textContent = list.dataset.unopenable;
      return;
    }
    const [first, second] = shares.filter((s, i) => shares.findIndex((t) => t.x === s.x) === i);
    const key = interpolate(first, second);
    const records = await Promise.all(shares.map((s) => decryptRecord(key, fromBase64(s.record))));
    result.replaceChildren();
    const named = document.createElement("p");
    const code = document.createElement("code");
    code.className = "matched-identifier";
    code.textContent = records[0].identifier;
    named.append(`${list.dataset.identifier} `, code);
    const entries = document.createElement("ul");
    entries.className = "plain-list";
    for (const share of shares) {
      const item = document.createElement("li");
      item.append(
        list.dataset.entry
          .replace("%(entry)s", share.entry)
          .replace("%(joined)s", new Date(share.owner_joined).toLocaleDateString()),
      );
      const contact = document.createElement("form");
      contact.method = "post";
      contact.action = share.contact_url;
      contact.className = "inline-form";
      const token = document.createElement("input");
      token.type = "hidden";
      token.name = "csrfmiddlewaretoken";
      token.value = csrf;
      const button = document.createElement("button");
      button.type = "submit";
      button.className = "secondary small";
      button.textContent = list.dataset.contact;
      contact.append(token, " ", button);
      item.append(" ", contact);
      entries.append(item);
    }
    result.append(named, entries);
  });

  show();
}
