"""A small same-origin crawler over Django's test client, for the privacy tests.

It follows every same-origin link (`<a href>`, and redirects) from the start paths, GET only,
up to a bound, so pages that later features link from the navigation or from each other get
covered without anyone listing them.
"""

from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

# Not pages, or not safe to visit from a crawler even with GET.
SKIPPED_PREFIXES = ("/static/", "/media/", "/accounts/logout/", "/admin/logout/")
URL_ATTRIBUTES = {"src", "href", "action", "srcset", "poster", "data", "formaction"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]


class _PageParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append(Element(tag, {name: value or "" for name, value in attrs}))

    handle_startendtag = handle_starttag


@dataclass
class Page:
    path: str
    status: int
    headers: dict[str, str]
    html: str
    elements: list[Element] = field(default_factory=list)

    @property
    def is_html(self) -> bool:
        return self.headers.get("Content-Type", "").startswith("text/html")

    def urls(self):
        """(element, attribute, url) for every URL-bearing attribute on the page."""
        for element in self.elements:
            for name, value in element.attrs.items():
                if name not in URL_ATTRIBUTES or not value:
                    continue
                if name == "srcset":
                    for candidate in value.split(","):
                        url = candidate.strip().split(" ")[0]
                        if url:
                            yield element, name, url
                else:
                    yield element, name, value


def parse(html: str) -> list[Element]:
    parser = _PageParser()
    parser.feed(html)
    parser.close()
    return parser.elements


def same_origin_path(base_path: str, url: str, host: str = "testserver") -> str | None:
    """The path (with query) `url` points to on this site, or None if it leaves the site."""
    absolute = urljoin(f"http://{host}{base_path}", urldefrag(url.strip())[0])
    parts = urlsplit(absolute)
    if parts.scheme not in {"http", "https"} or parts.netloc != host:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def crawl(client, start_paths, *, limit: int = 150) -> list[Page]:
    """Visits every same-origin page reachable from `start_paths` with GET (at most `limit`)."""
    queue = deque(start_paths)
    seen = set(start_paths)
    pages: list[Page] = []
    while queue and len(pages) < limit:
        path = queue.popleft()
        response = client.get(path)
        content_type = response.get("Content-Type", "")
        html = response.content.decode(errors="replace") if not response.streaming else ""
        page = Page(path, response.status_code, dict(response.headers.items()), html)
        pages.append(page)
        found = []
        if 300 <= response.status_code < 400 and response.get("Location"):
            found.append(response["Location"])
        if content_type.startswith("text/html"):
            page.elements = parse(html)
            found += [el.attrs.get("href", "") for el in page.elements if el.tag == "a"]
        for url in found:
            target = same_origin_path(path, url) if url else None
            if target and target not in seen and not target.startswith(SKIPPED_PREFIXES):
                seen.add(target)
                queue.append(target)
    return pages
