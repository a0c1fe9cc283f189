"""Members' perspectives under the library's articles, through the real views: sections from
the headings, adding, editing and deleting, anonymous perspectives (the anonymous-post rule),
helpful marks, the Contributor badge, moderation, data rights and the query count."""

import io
import json
import zipfile

import pytest
from django.urls import reverse

from community.models import Article, ArticleSection, Perspective, PerspectiveHelpful
from community.services.perspectives import sync_sections
from moderation.actions.decide import decide_item
from moderation.models import ReviewItem
from moderation.policy import Reason
from tests.community.advocates_helpers import make_advocate
from tests.factories import PASSWORD, make_member, signed_in

pytestmark = pytest.mark.django_db

BODY = """\
An opening paragraph.

### Write it down soon
Dates, places, words.

### Keep the evidence
Screenshots and emails.
"""


def make_article(slug: str = "documenting", body: str = BODY) -> Article:
    article = Article.objects.create(slug=slug, title=f"Article {slug}", summary="s", body=body)
    sync_sections(article=article)
    return article


def section(article, key) -> ArticleSection:
    return ArticleSection.objects.get(article=article, key=key)


def add(client, article, key, body, **fields):
    return client.post(
        reverse("resource_section", args=[article.slug, key]), {"body": body, **fields}
    )


def test_an_articles_headings_become_its_sections_and_keep_their_perspectives():
    article = make_article()
    keys = list(article.sections.values_list("key", "retired"))
    assert keys == [
        ("write-it-down-soon", False),
        ("keep-the-evidence", False),
        ("what-else", False),
    ]
    kept = section(article, "write-it-down-soon")
    Perspective.objects.create(section=kept, author=make_member(), body="kept")
    gone = section(article, "keep-the-evidence")
    Perspective.objects.create(section=gone, author=make_member(), body="moves to the end")
    # Staff rewrite the article: one heading stays, one goes, one is new.
    article.body = "Intro.\n\n### Write it down soon\nNew words.\n\n### Ask for help\nText.\n"
    article.save()
    sync_sections(article=article)
    assert section(article, "write-it-down-soon").pk == kept.pk
    assert section(article, "write-it-down-soon").body == "New words."
    assert section(article, "keep-the-evidence").retired
    shown = [view.section.key for view in _article_sections(article)]
    assert shown == ["write-it-down-soon", "ask-for-help", "what-else"]
    page = signed_in(make_member()).get(reverse("resource_article", args=[article.slug]))
    text = page.content.decode()
    # The retired section's perspective now stands under "What else to take into account".
    assert text.index("What else to take into account") < text.index("moves to the end")
    assert "kept" in text


def _article_sections(article):
    from community.selectors.perspectives import article_sections

    return article_sections(article=article, viewer=make_member())


def test_a_member_adds_edits_and_deletes_their_perspective():
    article = make_article()
    member, other = make_member(pseudonym="RiverAdds"), make_member()
    client = signed_in(member)
    response = add(
        client, article, "keep-the-evidence", "**Save** the chat logs", content_warning="abuse"
    )
    perspective = Perspective.objects.get()
    assert response.status_code == 302
    assert response["Location"].endswith(f"#perspective-{perspective.pk}")
    page = client.get(reverse("resource_article", args=[article.slug])).content.decode()
    assert "<strong>Save</strong> the chat logs" in page
    assert "Content warning: abuse" in page and "RiverAdds" in page
    # Someone else can neither edit nor delete it: 404.
    edit_url = reverse("perspective_edit", args=[perspective.pk])
    assert signed_in(other).get(edit_url).status_code == 404
    delete_url = reverse("perspective_delete", args=[perspective.pk])
    assert signed_in(other).post(delete_url, {"confirmed": "1"}).status_code == 404
    assert signed_in(other).post(delete_url).status_code == 404
    assert client.post(edit_url, {"body": "Save them somewhere safe"}).status_code == 302
    perspective.refresh_from_db()
    assert perspective.body == "Save them somewhere safe" and perspective.edited_at
    assert perspective.content_warning == ""
    asked = client.post(delete_url)
    assert asked.status_code == 200 and "Delete your perspective?" in asked.content.decode()
    perspective.refresh_from_db()
    assert not perspective.deleted_at
    assert client.post(delete_url, {"confirmed": "1"}).status_code == 302
    perspective.refresh_from_db()
    assert perspective.deleted_at and perspective.body == ""
    page = client.get(reverse("resource_article", args=[article.slug])).content.decode()
    assert "somewhere safe" not in page


def test_an_empty_or_too_long_perspective_comes_back_with_the_text_kept():
    article = make_article()
    client = signed_in(make_member())
    assert add(client, article, "what-else", "   ").status_code == 400
    response = add(client, article, "what-else", "x" * 2001)
    assert response.status_code == 400
    assert "x" * 2001 in response.content.decode()
    assert not Perspective.objects.exists()


def test_an_anonymous_perspective_names_nobody_but_to_site_moderators():
    article = make_article()
    author = make_advocate(pseudonym="SecretHelper")
    add(signed_in(author), article, "what-else", "I went through this", is_anonymous="on")
    for viewer in (make_member(), author):
        page = signed_in(viewer).get(reverse("resource_article", args=[article.slug]))
        text = page.content.decode()
        assert "SecretHelper" not in text and "Verified advocate" not in text
        assert "Anonymous member" in text
    site_moderator = make_member(site_moderator=True, mfa=True)
    text = signed_in(site_moderator).get(reverse("resource_article", args=[article.slug]))
    assert "SecretHelper" in text.content.decode()
    assert "shared anonymously" in text.content.decode()


def test_a_named_advocates_perspective_is_marked_with_their_specialty():
    article = make_article()
    advocate = make_advocate(pseudonym="NamedHelper", specialties=("legal",))
    add(signed_in(advocate), article, "what-else", "Ask for the policy in writing")
    page = signed_in(make_member()).get(reverse("resource_article", args=[article.slug]))
    assert "Verified advocate: Legal" in page.content.decode()


def test_helpful_is_a_count_one_per_member_never_ones_own_and_sorts_the_list():
    article = make_article()
    first_author, second_author = make_member(), make_member()
    older = Perspective.objects.create(
        section=section(article, "what-else"), author=first_author, body="older"
    )
    newer = Perspective.objects.create(
        section=section(article, "what-else"), author=second_author, body="newer"
    )
    readers = [make_member(pseudonym=f"Reader{number}") for number in range(2)]
    url = reverse("perspective_helpful", args=[older.pk])
    for reader in readers:
        signed_in(reader).post(url)
    signed_in(readers[0]).post(url)  # a second press takes the mark back
    signed_in(readers[0]).post(url)  # and a third gives it again
    signed_in(first_author).post(url)  # not one's own
    assert PerspectiveHelpful.objects.filter(perspective=older).count() == 2
    page = signed_in(make_member()).get(
        reverse("resource_section", args=[article.slug, "what-else"])
    )
    text = page.content.decode()
    # Most helpful first, then newest; who marked it is nowhere.
    assert text.index("older") < text.index("newer")
    assert "Reader0" not in text and "Reader1" not in text
    assert newer.pk


def test_the_contributor_badge_comes_at_the_third_article_and_goes_with_a_removal():
    author = make_member(pseudonym="ThreeTimes")
    client = signed_in(author)
    articles = [make_article(slug=f"article-{number}") for number in range(3)]
    profile_url = reverse("profile_detail", args=[author.profile.public_id])
    reader = signed_in(make_member())
    for number, article in enumerate(articles):
        add(client, article, "what-else", f"lesson {number}")
        assert ("Contributor" in reader.get(profile_url).content.decode()) == (number == 2)
    # Anonymous ones never count, and never show the badge next to them.
    add(client, articles[0], "write-it-down-soon", "anonymous lesson", is_anonymous="on")
    page = reader.get(reverse("resource_article", args=[articles[1].slug])).content.decode()
    assert "Contributor" in page
    # A moderator removes one of the three: the badge is gone at once.
    site_moderator = make_member(site_moderator=True, mfa=True)
    removed = Perspective.objects.get(body="lesson 1")
    signed_in(make_member()).post(
        reverse("moderation:flag", args=["perspective", removed.pk]), {"reason": Reason.SPAM}
    )
    decide_item(
        actor=site_moderator, item=ReviewItem.objects.get(), decision="delete", reason="off topic"
    )
    assert "Contributor" not in reader.get(profile_url).content.decode()


def test_a_flagged_perspective_goes_to_site_moderators_and_is_hidden_past_the_threshold():
    article = make_article()
    make_member(site_moderator=True, mfa=True)  # someone who would review it
    perspective = Perspective.objects.create(
        section=section(article, "what-else"), author=make_member(), body="their home address"
    )
    url = reverse("moderation:flag", args=["perspective", perspective.pk])
    for _number in range(2):
        response = signed_in(make_member()).post(url, {"reason": Reason.DOXXING})
        assert response.status_code == 302
    item = ReviewItem.objects.get()
    assert item.content_kind == "perspective" and item.group_id is None
    perspective.refresh_from_db()
    assert perspective.hidden_at is not None  # 4 + 4 reaches the default threshold of 8
    page = signed_in(make_member()).get(reverse("resource_article", args=[article.slug]))
    assert "their home address" not in page.content.decode()


def test_group_moderators_never_see_a_perspectives_review_item():
    from tests.community.groups_helpers import add_member, make_group

    article = make_article()
    group_moderator = make_member(mfa=True)
    add_member(make_group(), group_moderator, role="moderator")
    perspective = Perspective.objects.create(
        section=section(article, "what-else"),
        author=make_member(pseudonym="HiddenWriter"),
        body="flag me",
        is_anonymous=True,
    )
    signed_in(make_member()).post(
        reverse("moderation:flag", args=["perspective", perspective.pk]), {"reason": Reason.HATE}
    )
    item = ReviewItem.objects.get()
    client = signed_in(group_moderator)
    assert client.get(reverse("moderation:item_detail", args=[item.pk])).status_code == 404
    queue = client.get(reverse("moderation:queue")).content.decode()
    assert "flag me" not in queue and "HiddenWriter" not in queue


def test_perspectives_are_in_the_export_and_deletion_keeps_or_erases_them():
    article = make_article()
    keeper = make_member(pseudonym="Keeper")
    eraser = make_member(pseudonym="Eraser")
    add(signed_in(keeper), article, "what-else", "keep my words")
    add(signed_in(eraser), article, "what-else", "erase my words")
    response = signed_in(keeper).post(reverse("data_export"), {"password": PASSWORD})
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        exported = json.loads(archive.read("perspectives.json"))
    assert [row["body"] for row in exported] == ["keep my words"]
    from community.services.data_rights import delete_account

    delete_account(user=keeper, delete_contributions=False)
    delete_account(user=eraser, delete_contributions=True)
    kept = Perspective.objects.get(body="keep my words")
    assert kept.author_id is None
    assert Perspective.objects.filter(deleted_at__isnull=False, body="").count() == 1
    page = signed_in(make_member()).get(reverse("resource_article", args=[article.slug]))
    assert "keep my words" in page.content.decode() and "Former member" in page.content.decode()
    assert "erase my words" not in page.content.decode()


@pytest.mark.parametrize("count", [2, 30])
def test_the_article_and_section_pages_read_in_a_fixed_number_of_queries(
    django_assert_num_queries, count
):
    article = make_article()
    advocate = make_advocate()
    for key in ("write-it-down-soon", "keep-the-evidence", "what-else"):
        for number in range(count):
            author = advocate if number % 3 == 0 else make_member()
            perspective = Perspective.objects.create(
                section=section(article, key), author=author, body=f"{key} {number}"
            )
            PerspectiveHelpful.objects.create(perspective=perspective, user=make_member())
    client = signed_in(make_member())
    article_url = reverse("resource_article", args=[article.slug])
    section_url = reverse("resource_section", args=[article.slug, "what-else"])
    client.get(article_url)
    # Session, user, article, sections, top perspectives, counts, the viewer's marks,
    # contributors, advocates' specialties.
    with django_assert_num_queries(9):
        page = client.get(article_url)
    assert page.content.decode().count('class="card perspective"') == 3 * min(count, 3)
    # Session, user, article, section, retired sections, count, page, marks, contributors,
    # advocates' specialties.
    with django_assert_num_queries(10):
        page = client.get(section_url)
    assert page.content.decode().count('class="card perspective"') == min(count, 20)
