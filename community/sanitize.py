"""The one pipeline every piece of user text goes through before it is shown as HTML.

Markdown (markdown-it-py, raw HTML disabled) → bleach allow-list with linkify. Why bleach, and
why it is safe to keep behind this one function: docs/decisions/0002-sanitising-user-text.md.
"""

import re
from functools import partial
from urllib.parse import unquote

import bleach
from bleach.linkifier import LinkifyFilter
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

ALLOWED_TAGS = frozenset(
    {
        "p",
        "br",
        "strong",
        "em",
        "code",
        "pre",
        "blockquote",
        "ul",
        "ol",
        "li",
        "a",
        "h3",
        "h4",
        "hr",
        "del",
        "s",
    }
)
ALLOWED_ATTRIBUTES = {"a": ["href", "title", "rel"]}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow noopener noreferrer ugc"

# "js-default" keeps raw HTML off and validates link targets; tables and images stay disabled
# because remote images would load from third-party origins.
_markdown = MarkdownIt("js-default", {"linkify": False, "typographer": False}).enable(
    "strikethrough"
)


# A script scheme anywhere in a link target, once percent-escapes, spaces and control
# characters are gone. "%3Ejavascript:" is only a relative path, but no real link needs it.
_SCRIPT_SCHEME = re.compile(r"(?:java|vb)script:", re.IGNORECASE)
_IGNORED_IN_URLS = re.compile(r"[\s\x00-\x1f]")


def _set_link_rel(attrs, new=False):
    target = _IGNORED_IN_URLS.sub("", unquote(attrs.get((None, "href"), "")))
    if _SCRIPT_SCHEME.search(target):
        return None  # the link goes; its text stays
    attrs[(None, "rel")] = LINK_REL
    return attrs


_cleaner = bleach.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    protocols=ALLOWED_PROTOCOLS,
    strip=True,
    strip_comments=True,
    filters=[partial(LinkifyFilter, callbacks=[_set_link_rel], skip_tags={"pre", "code"})],
)


# One-line texts: no tags at all survive, but LinkifyFilter runs after sanitising, so the links
# it makes are kept; one parse per text (chat messages go through this on every send).
_plain_cleaner = bleach.Cleaner(
    tags=set(),
    attributes={},
    protocols=ALLOWED_PROTOCOLS,
    strip=True,
    strip_comments=True,
    filters=[partial(LinkifyFilter, callbacks=[_set_link_rel])],
)


def render_markdown(text: str) -> SafeString:
    """Renders member-written Markdown to HTML that is safe to insert into any page."""
    if not text:
        return mark_safe("")  # noqa: S308 - empty string
    html = _markdown.render(text)
    return mark_safe(_cleaner.clean(html))  # noqa: S308 - cleaned by the allow-list above


def render_plain(text: str) -> SafeString:
    """For one-line texts (titles, chat): escapes everything, links bare URLs, no Markdown."""
    if not text:
        return mark_safe("")  # noqa: S308
    return mark_safe(_plain_cleaner.clean(text))  # noqa: S308 - no tags but the links it made


# The block tokens whose end separates one run of text from the next.
_EXCERPT_BREAKS = frozenset(
    {"paragraph_close", "heading_close", "list_item_close", "blockquote_close", "hr"}
)
# An excerpt reads the start of a text only: a 10,000-character post is not parsed whole for
# 160 characters of it.
_EXCERPT_SOURCE_LIMIT = 2000


def plain_excerpt(text: str, *, length: int = 160) -> str:
    """The first `length` characters of member-written Markdown as plain text, for lists:
    markup gone, link targets gone (their text kept), whitespace collapsed, cut at a word
    with an ellipsis. A plain `str`, never marked safe: templates escape it like any text.
    Raw HTML is never rendered by the parser (`js-default`), so a tag typed in a post stays
    visible text here, as it does on the post's page."""
    if not text:
        return ""
    parts: list[str] = []
    for token in _markdown.parse(text[:_EXCERPT_SOURCE_LIMIT]):
        if token.type == "inline":
            for child in token.children or ():
                if child.type in ("text", "code_inline"):
                    parts.append(child.content)
                elif child.type in ("softbreak", "hardbreak"):
                    parts.append(" ")
        elif token.type in ("fence", "code_block"):
            parts.append(f" {token.content} ")
        elif token.type in _EXCERPT_BREAKS:
            parts.append(" ")
    return shorten_text("".join(parts), length=length)


def shorten_text(text: str, *, length: int) -> str:
    """Plain text on one line, at most `length` characters and an ellipsis, cut at a word
    where one is near: for excerpts of texts that are not Markdown (chat messages). A plain
    `str`, never marked safe."""
    words = " ".join((text or "").split())
    if len(words) <= length:
        return words
    cut = words[:length]
    if " " in cut[length // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" .,;:") + "…"
