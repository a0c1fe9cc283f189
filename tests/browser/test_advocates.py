"""The whole advocate journey in real Chromium: a member applies and completes the training,
staff verify them, another member finds them by specialty and language and asks for help
under an alias, the advocate accepts, both chat live in the request's thread, the member
resolves it and leaves feedback; and an unanswered pool request escalates."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from community.demo.library import seed_library
from community.models import AdvocateProfile, SupportFeedback, SupportRequest, TrainingModule
from community.services.support_requests import escalate_support_requests
from tests.factories import make_member

pytestmark = pytest.mark.browser


def test_apply_train_verify_request_with_alias_chat_resolve_and_feedback(browser_session, axe):
    seed_library()
    applicant = make_member(pseudonym="GentleHarbor", mfa=True)
    seeker = make_member(pseudonym="QuietRiver12")
    staff = make_member(staff=True, mfa=True)
    advocate_session, seeker_session, staff_session = (
        browser_session(),
        browser_session(),
        browser_session(),
    )
    advocate_session.login(applicant)
    seeker_session.login(seeker)
    staff_session.login(staff)
    page = advocate_session.page

    # The applicant applies; a missing field keeps what they typed.
    page.goto("/advocates/apply/")
    page.get_by_label("Training and credentials").fill("Accredited counsellor, 8 years.")
    page.get_by_label("Spanish").check()
    page.get_by_label("Time zone").select_option("Europe/Madrid")
    page.get_by_label("Public bio").fill("I listen first. **Spanish** and English.")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_text("Choose at least one specialty.", exact=True)).to_be_visible()
    expect(page.get_by_label("Training and credentials")).to_have_value(
        "Accredited counsellor, 8 years."
    )
    axe(page, "on the application form with an error")
    page.get_by_label("Counselling").check()
    page.get_by_label("English").check()
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_text("Application under review")).to_be_visible()

    # ... completes "Advocate essentials" (one wrong answer first).
    page.get_by_role("link", name="complete the “Advocate essentials” training").click()
    module = TrainingModule.objects.get(slug="advocate-essentials")
    questions = list(module.questions.prefetch_related("choices"))
    for number, question in enumerate(questions):
        choice = next(c for c in question.choices.all() if c.is_correct == (number != 0))
        page.get_by_label(choice.text).check()
    page.get_by_role("button", name="Submit answers").click()
    expect(
        page.get_by_text("Not quite. Re-read the articles and try again.", exact=True)
    ).to_be_visible()
    axe(page, "on the training check with an error")
    right = next(c for c in questions[0].choices.all() if c.is_correct)
    page.get_by_label(right.text).check()
    page.get_by_role("button", name="Submit answers").click()
    expect(page.get_by_test_id("module-completed")).to_be_visible()

    # Staff verify in the admin.
    advocate = AdvocateProfile.objects.get(user=applicant)
    staff_page = staff_session.page
    staff_page.goto(f"/admin/community/advocateprofile/{advocate.pk}/change/")
    staff_page.locator("#id_decision").select_option("verify")
    staff_page.locator("input[name=_save]").click()
    expect(staff_page.locator(".messagelist")).to_contain_text("changed successfully")
    advocate.refresh_from_db()
    assert advocate.status == AdvocateProfile.Status.VERIFIED

    # Another member finds them by specialty and language and asks with an alias.
    seeker_page = seeker_session.page
    seeker_page.goto("/advocates/")
    seeker_page.get_by_label("Specialty").select_option(label="Counselling")
    seeker_page.locator("#id_language").select_option(label="Spanish")
    seeker_page.get_by_role("button", name="Show advocates").click()
    expect(seeker_page.locator(".advocate-card")).to_have_count(1)
    axe(seeker_page, "on the filtered directory")
    seeker_page.get_by_role("link", name="GentleHarbor").click()
    expect(seeker_page.get_by_text("Not enough answered requests yet")).to_be_visible()
    axe(seeker_page, "on an advocate's page")
    seeker_page.get_by_role("link", name="Ask this advocate for help").click()
    seeker_page.get_by_label("Counselling").check()
    seeker_page.get_by_label("Short summary").fill("My manager mocks me in every stand-up.")
    seeker_page.get_by_label("Preferred language").select_option("es")
    seeker_page.get_by_label("Use a one-off alias for this request").check()
    axe(seeker_page, "on the request form")
    seeker_page.get_by_role("button", name="Send request").click()
    expect(seeker_page.get_by_test_id("status")).to_have_text("Waiting for an advocate")
    axe(seeker_page, "on the member's request page")
    support_request = SupportRequest.objects.get(member=seeker)
    assert support_request.alias

    # The advocate sees the alias, never the pseudonym, and accepts.
    page.goto("/advocates/workload/")
    expect(page.get_by_role("link", name=support_request.alias)).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("QuietRiver12")
    axe(page, "on the workload page")
    page.get_by_role("link", name=support_request.alias).click()
    page.get_by_role("button", name="Accept this request").click()
    expect(page.get_by_test_id("status")).to_have_text("Accepted")
    expect(page.get_by_test_id("member-name")).to_have_text(support_request.alias)
    axe(page, "on the advocate's request page")

    # Both chat live in the request's private thread.
    page.get_by_role("link", name="Open the private thread").click()
    seeker_page.reload()
    seeker_page.get_by_role("link", name="Open the private thread").click()
    for chat_page in (page, seeker_page):
        expect(chat_page.locator("#chat-status")).to_have_text("Live")
    seeker_page.get_by_label("Your message").fill("Thank you for answering.")
    seeker_page.get_by_label("Your message").press("Enter")
    expect(page.locator("#chat-messages .chat-body").last).to_have_text("Thank you for answering.")
    # The live frame carries the alias, not the pseudonym.
    expect(page.locator("#chat-messages .chat-author").last).to_have_text(support_request.alias)
    expect(page.locator("main")).not_to_contain_text("QuietRiver12")
    page.get_by_label("Your message").fill("Let's make a plan together.")
    page.get_by_label("Your message").press("Enter")
    expect(seeker_page.locator("#chat-messages .chat-body").last).to_have_text(
        "Let's make a plan together."
    )

    # The member resolves it and leaves private feedback.
    seeker_page.goto(f"/support/{support_request.pk}/")
    seeker_page.get_by_role("button", name="Mark resolved").click()
    expect(seeker_page.get_by_role("heading", name="Mark this request resolved?")).to_be_visible()
    seeker_page.get_by_role("button", name="Mark resolved").click()
    expect(seeker_page.get_by_test_id("status")).to_have_text("Resolved")
    seeker_page.get_by_label("4").check()
    seeker_page.get_by_label("Your feedback").fill("Too short")
    seeker_page.get_by_role("button", name="Send feedback").click()
    expect(seeker_page.get_by_text("Write at least a sentence.", exact=True)).to_be_visible()
    expect(seeker_page.get_by_label("Your feedback")).to_have_value("Too short")
    axe(seeker_page, "on the feedback form with an error")
    seeker_page.get_by_label("4").check()
    seeker_page.get_by_label("Your feedback").fill("She listened and we made a real plan.")
    seeker_page.get_by_role("button", name="Send feedback").click()
    expect(seeker_page.get_by_text("Only staff will read your feedback.")).to_be_visible()
    assert SupportFeedback.objects.get(request=support_request).rating == 4
    page.goto(f"/support/{support_request.pk}/")
    expect(page.get_by_test_id("status")).to_have_text("Resolved")
    expect(page.locator("main")).not_to_contain_text("made a real plan")


def test_unanswered_request_escalates_to_pool_then_staff_and_crisis_lines_show(
    browser_session, axe
):
    seed_library()
    member = make_member()
    session = browser_session()
    session.login(member)
    page = session.page

    page.goto("/support/new/")
    expect(page.get_by_role("heading", name="In danger right now?")).to_be_visible()
    page.get_by_label("Legal").check()
    page.get_by_label("Short summary").fill("I feel like I want to end my life after today.")
    page.get_by_label("Urgent").check()
    page.get_by_role("button", name="Send request").click()
    crisis = page.get_by_role("alert").filter(has_text="You do not have to wait for an advocate")
    expect(crisis).to_be_visible()
    expect(crisis).to_contain_text("988")
    axe(page, "on a request page with crisis lines")

    support_request = SupportRequest.objects.get(member=member)
    # Unanswered in the pool for longer than allowed: staff are alerted.
    escalate_support_requests(
        now=timezone.now()
        + settings.KINDRED_SUPPORT_ESCALATE_TO_POOL_AFTER
        + settings.KINDRED_SUPPORT_ESCALATE_TO_STAFF_AFTER
        + timedelta(1)
    )
    page.reload()
    expect(page.locator(".timeline")).to_contain_text("Still unanswered: staff were alerted")

    page.goto("/resources/")
    axe(page, "on the resources library")
    page.get_by_role("link", name="Where to find crisis lines").click()
    expect(page.get_by_role("heading", name="Crisis lines", exact=True)).to_be_visible()
    axe(page, "on an article")
    support_request.refresh_from_db()
    assert support_request.flagged_for_staff_at is not None
