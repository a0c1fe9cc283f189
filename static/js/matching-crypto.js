// The matching escrow's construction in the browser (docs/decisions/0080-matching-escrow.md):
// RFC 9497 OPRF blind/finalize (@noble/curves), HKDF of the output into π, a and K, the share
// y = a·x + K (mod p), the record under K, and sealing to each counsellor's X25519 key.
// tests/community/matching_helpers.py is the same construction in Python.
import { hkdf, ristretto255_oprf, sha256, x25519 } from "../vendor/noble/noble-matching.js";

export const P = 2n ** 255n - 19n;
const SALT = new TextEncoder().encode("kindred-matching-v1");
const SEAL_INFO = new TextEncoder().encode("kindred-matching-seal-v1");
const encoder = new TextEncoder();

export const toHex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
export const fromHex = (hex) => Uint8Array.from(hex.match(/../gu) || [], (h) => parseInt(h, 16));
export const toBase64 = (bytes) => btoa(String.fromCharCode(...bytes));
export const fromBase64 = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
const toBig = (bytes) => BigInt(`0x${toHex(bytes) || "0"}`);
const big32 = (value) => fromHex(value.toString(16).padStart(64, "0"));
const mod = (value) => ((value % P) + P) % P;
const concat = (...parts) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
};

export function blind(normalised) {
  return ristretto255_oprf.oprf.blind(encoder.encode(normalised));
}

export function finalize(normalised, blindScalar, evaluatedHex) {
  return ristretto255_oprf.oprf.finalize(encoder.encode(normalised), blindScalar, fromHex(evaluatedHex));
}

export function derive(output) {
  const info = (name) => encoder.encode(name);
  return {
    index: toHex(hkdf(sha256, output, SALT, info("index"), 32)),
    slope: mod(toBig(hkdf(sha256, output, SALT, info("slope"), 64))),
    key: mod(toBig(hkdf(sha256, output, SALT, info("key"), 64))),
  };
}

async function aesKey(raw) {
  return crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
}

function recordKey(key) {
  return hkdf(sha256, big32(key), SALT, encoder.encode("record"), 32);
}

export async function encryptRecord(key, record) {
  const nonce = crypto.getRandomValues(new Uint8Array(12));
  const sealed = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv: nonce },
    await aesKey(recordKey(key)),
    encoder.encode(JSON.stringify(record)),
  );
  return concat(nonce, new Uint8Array(sealed));
}

export async function decryptRecord(key, bytes) {
  const plain = await crypto.subtle.decrypt(
    { name: "AES-GCM", iv: bytes.slice(0, 12) },
    await aesKey(recordKey(key)),
    bytes.slice(12),
  );
  return JSON.parse(new TextDecoder().decode(plain));
}

export async function seal(publicKeyB64, plaintext) {
  const recipient = fromBase64(publicKeyB64);
  const ephemeral = x25519.utils.randomSecretKey();
  const ephemeralPublic = x25519.getPublicKey(ephemeral);
  const shared = x25519.getSharedSecret(ephemeral, recipient);
  const key = hkdf(sha256, shared, concat(ephemeralPublic, recipient), SEAL_INFO, 32);
  const box = await crypto.subtle.encrypt({ name: "AES-GCM", iv: new Uint8Array(12) }, await aesKey(key), plaintext);
  return toBase64(concat(ephemeralPublic, new Uint8Array(box)));
}

export async function openSealed(privateKey, blobB64) {
  const blob = fromBase64(blobB64);
  const ephemeralPublic = blob.slice(0, 32);
  const recipient = x25519.getPublicKey(privateKey);
  const shared = x25519.getSharedSecret(privateKey, ephemeralPublic);
  const key = hkdf(sha256, shared, concat(ephemeralPublic, recipient), SEAL_INFO, 32);
  const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: new Uint8Array(12) }, await aesKey(key), blob.slice(32));
  return JSON.parse(new TextDecoder().decode(plain));
}

export async function makeShare(output, xHex, normalised) {
  const { index, slope, key } = derive(output);
  const x = BigInt(`0x${xHex}`);
  const y = mod(slope * x + key);
  const record = await encryptRecord(key, { identifier: normalised });
  const share = encoder.encode(JSON.stringify({ x: x.toString(16), y: y.toString(16), record: toBase64(record) }));
  return { index, share };
}

function inverse(value) {
  let [a, b, x0, x1] = [mod(value), P, 0n, 1n];
  while (a > 1n) {
    const q = a / b;
    [a, b] = [b, a % b];
    [x0, x1] = [x1 - q * x0, x0];
  }
  return mod(x1);
}

// K from two shares of different x: the line's value at 0.
export function interpolate(first, second) {
  const [x1, y1, x2, y2] = [first.x, first.y, second.x, second.y].map((h) => BigInt(`0x${h}`));
  return mod((y1 * x2 - y2 * x1) * inverse(x2 - x1));
}

export function newKeyPair() {
  const secretKey = x25519.utils.randomSecretKey();
  return { secretKey, publicKey: toBase64(x25519.getPublicKey(secretKey)) };
}

export function publicKeyOf(secretKey) {
  return toBase64(x25519.getPublicKey(secretKey));
}

// The private key at rest: AES-GCM under PBKDF2-SHA256 (600 000 rounds) of the passphrase.
async function passphraseKey(passphrase, salt) {
  const material = await crypto.subtle.importKey("raw", encoder.encode(passphrase), "PBKDF2", false, ["deriveKey"]);
  return crypto.subtle.deriveKey(
    { name: "PBKDF2", hash: "SHA-256", salt, iterations: 600000 },
    material,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
}

export async function wrapKey(secretKey, passphrase) {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const nonce = crypto.getRandomValues(new Uint8Array(12));
  const box = await crypto.subtle.encrypt({ name: "AES-GCM", iv: nonce }, await passphraseKey(passphrase, salt), secretKey);
  return { v: 1, salt: toBase64(salt), nonce: toBase64(nonce), box: toBase64(new Uint8Array(box)), public_key: publicKeyOf(secretKey) };
}

export async function unwrapKey(wrapped, passphrase) {
  const key = await passphraseKey(passphrase, fromBase64(wrapped.salt));
  const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: fromBase64(wrapped.nonce) }, key, fromBase64(wrapped.box));
  return new Uint8Array(plain);
}
