"""The resources library and training modules with their checks."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from community.demo.library import ARTICLES, seed_library
from community.models import Article, TrainingCompletion, TrainingModule
from community.selectors.resources import has_completed_advocate_training

pytestmark = pytest.mark.django_db


def answers(module: TrainingModule, *, correct: bool) -> dict[str, str]:
    chosen = {}
    for question in module.questions.all():
        choice = question.choices.filter(is_correct=correct).first()
        chosen[f"question_{question.pk}"] = str(choice.pk)
    return chosen


def test_library_lists_the_seeded_articles_and_both_modules(member_client):
    call_command("seed_library", stdout=StringIO())
    seed_library()  # idempotent
    # The demo's articles, and the one every installation starts with (a migration).
    assert Article.objects.count() == len(ARTICLES) + 1
    page = member_client.get(reverse("resources")).content.decode()
    for title in (
        "Using this site on a device someone else may check",
        "Documenting incidents",
        "Bystander intervention: the five Ds",
        "Staying safe in video calls",
        "What a zero-tolerance policy contains",
        "Where to find crisis lines",
        "Advocate essentials",
        "Bystander basics",
    ):
        assert title in page


def test_seeded_articles_cover_what_the_issue_asks_for(member_client):
    seed_library()
    bystander = member_client.get(reverse("resource_article", args=["bystander-intervention"]))
    # Each step is a section of the article, with its own heading.
    for number, step in enumerate(("Distract", "Delegate", "Document", "Delay", "Direct"), 1):
        assert f"{number}. {step}</h2>".encode() in bystander.content
    video = member_client.get(reverse("resource_article", args=["safe-video-calls"])).content
    for advice in (
        b"password or a login",
        b"unique meeting id",
        b"Limit sharing",
        b"Remove uninvited guests",
        b"End the meeting for all",
        b"Check the attendees",
        b"Report at once",
    ):
        assert advice in video


def test_article_markdown_goes_through_the_sanitiser(member_client):
    Article.objects.create(
        slug="test",
        title="Test",
        summary="s",
        body="**bold** <script>alert(1)</script> [x](javascript:alert(1))",
    )
    page = member_client.get(reverse("resource_article", args=["test"])).content
    assert b"<strong>bold</strong>" in page
    assert b"<script>alert" not in page and b'href="javascript:' not in page


def test_unpublished_article_and_module_are_404(member_client):
    Article.objects.create(slug="draft", title="Draft", summary="s", body="b", published=False)
    TrainingModule.objects.create(slug="draft", title="Draft", description="d", published=False)
    assert member_client.get(reverse("resource_article", args=["draft"])).status_code == 404
    assert member_client.get(reverse("training_module", args=["draft"])).status_code == 404
    assert b"Draft" not in member_client.get(reverse("resources")).content


def test_wrong_answers_keep_choices_and_do_not_complete(member, member_client):
    seed_library()
    module = TrainingModule.objects.get(slug="bystander-basics")
    wrong = answers(module, correct=False)
    response = member_client.post(reverse("training_module", args=[module.slug]), wrong)
    assert response.status_code == 200
    assert b"Not quite." in response.content
    page = response.content.decode()
    for choice_id in wrong.values():  # what they chose stays chosen
        assert re.search(rf'value="{choice_id}"[^>]*checked', page)
    assert not TrainingCompletion.objects.filter(user=member).exists()

    response = member_client.post(reverse("training_module", args=[module.slug]), {})
    assert b"Choose an answer." in response.content


def test_passing_advocate_essentials_records_completion_once(member, member_client):
    seed_library()
    module = TrainingModule.objects.get(slug="advocate-essentials")
    assert not has_completed_advocate_training(user_id=member.pk)
    url = reverse("training_module", args=[module.slug])
    member_client.post(url, answers(module, correct=True))
    member_client.post(url, answers(module, correct=True))
    assert TrainingCompletion.objects.filter(user=member, module=module).count() == 1
    assert has_completed_advocate_training(user_id=member.pk)
    assert b'data-testid="module-completed"' in member_client.get(url).content


def test_module_page_queries_do_not_grow_with_questions(member_client, django_assert_num_queries):
    seed_library()
    module = TrainingModule.objects.get(slug="bystander-basics")
    url = reverse("training_module", args=[module.slug])
    member_client.get(url)
    with django_assert_num_queries(7) as few:
        member_client.get(url)
    for position in range(4, 20):
        question = module.questions.create(position=position, prompt=f"Question {position}?")
        question.choices.create(position=1, text="Yes", is_correct=True)
        question.choices.create(position=2, text="No")
    with django_assert_num_queries(len(few.captured_queries)):
        member_client.get(url)
