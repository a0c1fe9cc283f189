"""The browser's identifier normalisation gives every vector of the shared file
(tests/community/matching_vectors.json), the file the Python copy is tested on: the two agree."""

import json
from pathlib import Path

import pytest

from tests.community.test_matching_oprf import BLIND, SK_SM
from tests.community.test_matching_oprf import VECTORS as OPRF_VECTORS

pytestmark = pytest.mark.browser

VECTORS = json.loads(
    (Path(__file__).resolve().parents[1] / "community/matching_vectors.json").read_text()
)["vectors"]


def test_the_browser_normalises_every_vector_as_python_does(page):
    page.goto("/static/js/matching-identifiers.js")
    results = page.evaluate(
        """async (vectors) => {
            const module = await import("/static/js/matching-identifiers.js");
            return vectors.map((v) => {
                try {
                    return module.normalise(v.kind, v.input, v.region || "US");
                } catch (error) {
                    return "error:" + error.code;
                }
            });
        }""",
        VECTORS,
    )
    expected = [v.get("normalised") or "error:" + v["error"] for v in VECTORS]
    assert results == expected


def test_the_vendored_oprf_reproduces_the_rfc_9497_vectors_in_the_browser(page):
    """The browser's half of the protocol (the vendored @noble/curves): RFC 9497 appendix A.1.1,
    ristretto255-SHA512, the same vectors tests/community/test_matching_oprf.py proves the
    escrow's half with."""
    page.goto("/static/vendor/noble/noble-matching.js")
    results = page.evaluate(
        """async (vectors) => {
            const { ristretto255_oprf: o } = await import("/static/vendor/noble/noble-matching.js");
            const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
            const bytes = (h) => Uint8Array.from(h.match(/../g), (x) => parseInt(x, 16));
            const keys = o.oprf.deriveKeyPair(bytes("a3".repeat(32)), bytes("74657374206b6579"));
            return {
                key: hex(keys.secretKey),
                runs: vectors.map((v) => [
                    hex(o.oprf.blindEvaluate(keys.secretKey, bytes(v.blinded))),
                    hex(o.oprf.finalize(bytes(v.input), bytes(BLIND), bytes(v.evaluated))),
                ]),
            };
        }""".replace("BLIND", f'"{BLIND}"'),
        OPRF_VECTORS,
    )
    assert results["key"] == SK_SM
    assert results["runs"] == [[v["evaluated"], v["output"]] for v in OPRF_VECTORS]
