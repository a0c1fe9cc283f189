// The one normalisation of an identifier a member names (issue 16, decision 0080), run in the
// browser before anything else. community/matching/identifiers.py is the same algorithm, and
// tests/community/matching_vectors.json proves the two agree.

export const PHONE_REGIONS = {
  US: ["1", "1"],
  CA: ["1", "1"],
  GB: ["44", "0"],
  IE: ["353", "0"],
  AU: ["61", "0"],
  NZ: ["64", "0"],
  DE: ["49", "0"],
  FR: ["33", "0"],
  NL: ["31", "0"],
  ES: ["34", ""],
  PT: ["351", ""],
  IT: ["39", ""],
  MX: ["52", ""],
  AR: ["54", "0"],
  CO: ["57", "0"],
  IN: ["91", "0"],
};
const HOST_PREFIXES = ["www.", "m.", "mobile."];
const MAX_LENGTH = 320;

export class IdentifierError extends Error {
  constructor(code) {
    super(code);
    this.code = code;
  }
}

function clean(text) {
  const value = (text || "").normalize("NFKC").trim();
  if (!value) throw new IdentifierError("empty");
  if ([...value].length > MAX_LENGTH) throw new IdentifierError("too_long");
  return value;
}

export function normaliseEmail(text) {
  const value = clean(text).toLowerCase();
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/u.test(value)) throw new IdentifierError("email");
  return `email:${value}`;
}

export function normalisePhone(text, region = "US") {
  const value = clean(text);
  let international = value.startsWith("+");
  // "+44 (0)20 …": the trunk prefix written in brackets after the country code.
  let digits = (international ? value.replaceAll("(0)", "") : value).replace(/\D/gu, "");
  const [code, trunk] = PHONE_REGIONS[(region || "US").toUpperCase()] || PHONE_REGIONS.US;
  if (!international && digits.startsWith("00")) {
    international = true;
    digits = digits.slice(2);
  } else if (!international && code === "1" && digits.startsWith("011")) {
    international = true;
    digits = digits.slice(3);
  }
  if (!international) {
    if (code === "1") {
      if (digits.length === 11 && digits.startsWith("1")) digits = digits.slice(1);
    } else if (trunk && digits.startsWith(trunk)) {
      digits = digits.slice(trunk.length);
    }
    digits = code + digits;
  }
  if (digits.length < 8 || digits.length > 15 || (digits.startsWith("1") && digits.length !== 11)) {
    throw new IdentifierError("phone");
  }
  return `phone:+${digits}`;
}

export function normaliseUrl(text) {
  let value = clean(text);
  if (!value.includes("://")) value = `https://${value}`;
  let parts;
  try {
    parts = new URL(value);
  } catch {
    throw new IdentifierError("url");
  }
  let host = parts.hostname.toLowerCase().replace(/\.$/u, "");
  if (!["http:", "https:"].includes(parts.protocol) || !host.includes(".")) {
    throw new IdentifierError("url");
  }
  for (const prefix of HOST_PREFIXES) {
    if (host.startsWith(prefix)) {
      host = host.slice(prefix.length);
      break;
    }
  }
  // The path as the URL parser gives it (non-ASCII percent-encoded), lower-cased: the common
  // platforms' handles are case-insensitive.
  const segments = parts.pathname.toLowerCase().split("/").filter(Boolean);
  if (!segments.length) throw new IdentifierError("url_path");
  return `url:${host}:/${segments.join("/")}`;
}

export function normalise(kind, text, region = "US") {
  if (kind === "email") return normaliseEmail(text);
  if (kind === "phone") return normalisePhone(text, region);
  if (kind === "url") return normaliseUrl(text);
  throw new IdentifierError("kind");
}
