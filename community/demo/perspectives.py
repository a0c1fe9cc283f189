"""Demo perspectives under the library's articles (after the library is seeded): one named,
one anonymous, one with a content warning. Idempotent: found by their text."""

from community.models import ArticleSection, Perspective, User

PERSPECTIVES = [
    (
        "river@example.com",
        "documenting-incidents",
        "write-it-down-soon",
        "I wrote a line in my phone's notes right after each meeting. Months later those short "
        "notes were what HR took seriously.",
        "",
        False,
    ),
    (
        "maple@example.com",
        "documenting-incidents",
        "what-else",
        "Keep your record somewhere your manager cannot reach if you are suddenly locked out.",
        "",
        True,
    ),
    (
        "comet@example.com",
        "bystander-intervention",
        "what-else",
        "When a colleague stepped in during a meeting it stopped within a week. Small things "
        "count.",
        "mentions a hostile meeting",
        False,
    ),
]


def seed_perspectives() -> list:
    for email, slug, key, body, warning, anonymous in PERSPECTIVES:
        section = ArticleSection.objects.filter(article__slug=slug, key=key).first()
        author = User.objects.filter(email=email).first()
        if section is None or author is None:
            continue
        Perspective.objects.get_or_create(
            section=section,
            author=author,
            body=body,
            defaults={"content_warning": warning, "is_anonymous": anonymous},
        )
    return []
