"""Matching escrow (issue 16, docs/decisions/0080-matching-escrow.md).

`oprf`: RFC 9497 OPRF(ristretto255, SHA-512), the server's half (and the client's, for tests);
`identifiers`: the one normalisation of a named identifier (the browser's copy is
`static/js/matching-identifiers.js`; `tests/community/matching_vectors.json` proves they agree);
`escrow`: the web tier's client of the escrow service, which holds the evaluation key.
"""
