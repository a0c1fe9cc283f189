import re

from django.urls import reverse

from moderation.models import Block
from tests.factories import make_member


def test_member_sees_another_members_profile_by_pseudonym_only(client, db):
    owner = make_member(email="owner-secret@example.org", pseudonym="GentleFern21")
    viewer = make_member()
    client.force_login(viewer)
    response = client.get(reverse("profile_detail", args=[owner.profile.public_id]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "GentleFern21" in html
    assert "owner-secret@example.org" not in html
    assert 'name="kind" value="block"' in html


def test_blocked_member_gets_404_for_the_blockers_profile(client, db):
    owner = make_member()
    blocked = make_member()
    Block.objects.create(owner=owner, target=blocked, kind=Block.Kind.BLOCK)
    client.force_login(blocked)
    response = client.get(reverse("profile_detail", args=[owner.profile.public_id]))
    assert response.status_code == 404


def test_muted_member_sees_exactly_what_they_saw_before(client, db):
    owner = make_member()
    muted = make_member()
    client.force_login(muted)
    url = reverse("profile_detail", args=[owner.profile.public_id])

    def page_without_tokens():
        response = client.get(url)
        assert response.status_code == 200
        return re.sub(r'(csrfmiddlewaretoken" value="|nonce=")[^"]+', "", response.content.decode())

    before = page_without_tokens()
    Block.objects.create(owner=owner, target=muted, kind=Block.Kind.MUTE)
    assert page_without_tokens() == before


def test_profile_page_blocks_through_the_one_blocks_service(client, db):
    owner = make_member()
    target = make_member(pseudonym="LoudComet33")
    client.force_login(owner)
    response = client.post(
        reverse("moderation:blocks"), {"pseudonym": "LoudComet33", "kind": "block"}
    )
    assert response.status_code == 302
    assert Block.objects.filter(owner=owner, target=target, kind=Block.Kind.BLOCK).exists()


def test_own_profile_offers_no_block_or_report(client, db):
    owner = make_member()
    client.force_login(owner)
    html = client.get(reverse("profile_detail", args=[owner.profile.public_id])).content.decode()
    assert 'value="block"' not in html


def test_profile_page_offers_a_direct_message(client, db):
    owner = make_member(pseudonym="OpenMeadow44")
    client.force_login(make_member())
    html = client.get(reverse("profile_detail", args=[owner.profile.public_id])).content.decode()
    assert reverse("messaging:direct_with", args=[owner.profile.public_id]) in html
