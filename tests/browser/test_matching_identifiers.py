"""The browser's identifier normalisation gives every vector of the shared file
(tests/community/matching_vectors.json), the file the Python copy is tested on: the two agree."""

import json
from pathlib import Path

import pytest

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
