"""Where a text mentions someone: `@` followed by a pseudonym, case-insensitive, the longest
pseudonym that fits (pseudonyms may hold spaces, dots and dashes: community/pseudonyms.py).
Pure: the names to look for come from the caller (messaging resolves them against a room's
members; "before you send" does not take them for social-media handles)."""

import re

# An @ that starts a mention: not inside a word or an email address ("ann@example.org").
_MENTION_START = re.compile(r"(?<![\w@])@")
_WORD_CHARACTER = re.compile(r"\w")


def mention_spans(text: str, names) -> list[tuple[int, str]]:
    """(position of the @, the name as given in `names`) for each mention in `text`, in
    order. A name matches only up to a boundary: "@Ann" is not a mention of "An"."""
    if "@" not in text or not names:
        return []
    by_length = sorted(
        {name.casefold(): name for name in names}.items(), key=lambda item: -len(item[0])
    )
    found = []
    for start in _MENTION_START.finditer(text):
        after = start.end()
        for folded, name in by_length:
            end = after + len(folded)
            if text[after:end].casefold() != folded:
                continue
            if end < len(text) and _WORD_CHARACTER.match(text[end]):
                continue
            found.append((start.start(), name))
            break
    return found
