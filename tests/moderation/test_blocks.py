from django.urls import reverse

from moderation.models import AuditLogEntry, Block
from moderation.selectors.blocks import has_blocked, hidden_author_ids
from tests.factories import make_member


def test_member_blocks_and_mutes_from_the_settings_page(member_client, member):
    harasser = make_member(pseudonym="Harasser01")
    noisy = make_member(pseudonym="Noisy02")
    url = reverse("moderation:blocks")
    assert member_client.post(url, {"pseudonym": "harasser01", "kind": "block"}).status_code == 302
    assert member_client.post(url, {"pseudonym": "Noisy02", "kind": "mute"}).status_code == 302
    assert has_blocked(owner_id=member.pk, target_id=harasser.pk)
    assert not has_blocked(owner_id=member.pk, target_id=noisy.pk)
    assert hidden_author_ids(viewer_id=member.pk) == {harasser.pk, noisy.pk}
    page = member_client.get(url).content.decode()
    assert "Harasser01" in page and "Noisy02" in page
    assert not AuditLogEntry.objects.exists()  # private tools: nobody is told, nothing logged


def test_switching_kind_keeps_one_entry_and_removal_works(member_client, member):
    target = make_member(pseudonym="Target03")
    url = reverse("moderation:blocks")
    member_client.post(url, {"pseudonym": "Target03", "kind": "mute"})
    member_client.post(url, {"pseudonym": "Target03", "kind": "block"})
    block = Block.objects.get()
    assert block.kind == "block"
    member_client.post(reverse("moderation:unblock", args=[block.pk]))
    assert not Block.objects.exists() and hidden_author_ids(viewer_id=member.pk) == set()
    assert target.pk


def test_unknown_pseudonym_keeps_the_input_and_shows_an_error(member_client):
    response = member_client.post(
        reverse("moderation:blocks"), {"pseudonym": "NoSuchPerson", "kind": "block"}
    )
    page = response.content.decode()
    assert response.status_code == 200 and "NoSuchPerson" in page and "errorlist" in page


def test_cannot_remove_someone_elses_block(client, member, other_member):
    block = Block.objects.create(owner=other_member, target=member, kind="block")
    client.force_login(member)
    client.post(reverse("moderation:unblock", args=[block.pk]))
    assert Block.objects.filter(pk=block.pk).exists()
    # The blocked member's own page never reveals the block.
    assert (
        other_member.profile.pseudonym
        not in client.get(reverse("moderation:blocks")).content.decode()
    )


def test_blocked_member_cannot_flag_the_blockers_profile_page_content(client, member, other_member):
    Block.objects.create(owner=other_member, target=member, kind="block")
    client.force_login(member)
    response = client.get(reverse("moderation:flag", args=["profile", other_member.profile.pk]))
    assert response.status_code == 404
