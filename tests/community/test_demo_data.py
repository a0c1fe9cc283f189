from community.demo import seed_demo
from community.models import JournalEntry, JournalReminder, User
from community.selectors.journal import verify_chain


def test_demo_journal_is_seeded_once_with_an_intact_chain(db):
    seed_demo()
    seed_demo()
    owner = User.objects.get(email="river@example.com")
    assert JournalEntry.objects.filter(owner=owner).count() == 2
    assert JournalReminder.objects.filter(owner=owner).count() == 1
    report = verify_chain(owner_id=owner.pk)
    assert report.intact and report.versions_checked == 3


def test_every_demo_group_opens_with_its_live_room(db):
    from community.models import Group
    from messaging.models import Conversation

    seed_demo()
    active = Group.objects.filter(status=Group.Status.ACTIVE)
    assert active.exists()
    assert Conversation.objects.filter(kind=Conversation.Kind.ROOM, group__in=active).count() == (
        active.count()
    )


def test_the_demo_has_one_accepted_support_request_with_its_private_thread(db):
    from community.demo.advocates import DEMO_ADVOCATES
    from community.models import SupportRequest
    from messaging.models import Conversation

    seed_demo()
    seed_demo()
    river = User.objects.get(email="river@example.com")
    counsellor = User.objects.get(email=DEMO_ADVOCATES[0][0])
    support_request = SupportRequest.objects.get(member=river)
    assert support_request.advocate == counsellor
    assert support_request.status == SupportRequest.Status.ACCEPTED
    thread = Conversation.objects.get(support_request=support_request)
    assert set(thread.participants.values_list("user_id", flat=True)) == {river.pk, counsellor.pk}
