import csv
import io

import pytest
from django.contrib.admin.sites import site
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory
from django.urls import reverse

from moderation.actions.sanction import sanction_member
from moderation.models import AuditLogEntry, AuditLogImmutable
from tests.factories import make_member


@pytest.fixture
def entry(scene):
    return sanction_member(
        actor=scene.moderator, target=scene.author, kind="warn", reason="Be kind", group=scene.group
    ).entry


def test_an_entry_cannot_be_saved_again_or_deleted(entry):
    entry.reason = "rewritten"
    with pytest.raises(AuditLogImmutable):
        entry.save()
    with pytest.raises(AuditLogImmutable):
        entry.delete()
    with pytest.raises(AuditLogImmutable):
        AuditLogEntry.objects.filter(pk=entry.pk).update(reason="rewritten")
    with pytest.raises(AuditLogImmutable):
        AuditLogEntry.objects.all().delete()
    assert AuditLogEntry.objects.get(pk=entry.pk).reason == "Be kind"


def test_the_database_refuses_an_update_underneath_the_orm(entry):
    with pytest.raises(DatabaseError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE moderation_auditlogentry SET reason = 'x' WHERE id = %s", [entry.pk]
            )
    assert AuditLogEntry.objects.get(pk=entry.pk).reason == "Be kind"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="DELETE trigger is PostgreSQL-only")
def test_postgres_refuses_a_raw_delete(entry):
    with pytest.raises(DatabaseError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM moderation_auditlogentry WHERE id = %s", [entry.pk])
    assert AuditLogEntry.objects.filter(pk=entry.pk).exists()


def test_admin_is_read_only_even_for_superusers(entry):
    admin = site._registry[AuditLogEntry]
    request = RequestFactory().get("/")
    request.user = make_member(staff=True)
    assert request.user.is_superuser
    assert not admin.has_add_permission(request)
    assert not admin.has_change_permission(request, entry)
    assert not admin.has_delete_permission(request, entry)


def test_admin_change_post_does_not_alter_an_entry(client, entry):
    staff = make_member(staff=True, mfa=True)
    client.force_login(staff)
    url = reverse("admin:moderation_auditlogentry_change", args=[entry.pk])
    client.post(url, {"reason": "rewritten"})
    delete_url = reverse("admin:moderation_auditlogentry_delete", args=[entry.pk])
    client.post(delete_url, {"post": "yes"})
    assert AuditLogEntry.objects.get(pk=entry.pk).reason == "Be kind"


def test_every_action_writes_exactly_one_row(scene):
    sanction_member(
        actor=scene.moderator, target=scene.author, kind="warn", reason="one", group=scene.group
    )
    assert AuditLogEntry.objects.count() == 1
    entry = AuditLogEntry.objects.get()
    assert (entry.actor_pseudonym, entry.action, entry.target_pseudonym, entry.reason) == (
        "GroupMod01",
        "warn",
        "LoudAuthor",
        "one",
    )


def test_audit_page_filters_and_scopes_to_the_moderators_groups(client, scene, entry):
    from tests.moderation.conftest import make_room

    other_room = make_room(name="Other", members=[scene.bystander])
    sanction_member(
        actor=scene.site_moderator,
        target=scene.bystander,
        kind="warn",
        reason="elsewhere reason",
        group=other_room.group,
    )
    client.force_login(scene.moderator)
    page = client.get(reverse("moderation:audit")).content.decode()
    assert "Be kind" in page and "elsewhere reason" not in page
    client.force_login(scene.site_moderator)
    page = client.get(reverse("moderation:audit"), {"member": "Bystander9"}).content.decode()
    assert "elsewhere reason" in page and "Be kind" not in page
    page = client.get(reverse("moderation:audit"), {"action": "mute"}).content.decode()
    assert "elsewhere reason" not in page and "Be kind" not in page


def test_csv_export_follows_the_filters_and_defuses_formulas(client, scene):
    sanction_member(
        actor=scene.moderator,
        target=scene.author,
        kind="warn",
        reason='=HYPERLINK("x")',
        group=scene.group,
    )
    client.force_login(scene.moderator)
    response = client.get(reverse("moderation:audit_csv"), {"action": "warn"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][0] == "id" and len(rows) == 2
    assert rows[1][2] == "GroupMod01" and rows[1][8].startswith("'=")
    assert scene.author.email not in response.content.decode()
