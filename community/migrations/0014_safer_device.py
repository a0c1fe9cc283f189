"""The safer-device notice (dismissed once, per member) and the library article it links to,
which every installation starts with (staff may edit it in the admin)."""

from django.db import migrations, models

SLUG = "using-this-site-on-a-shared-device"
TITLE = "Using this site on a device someone else may check"
SUMMARY = (
    "If a partner, a family member or your employer may look at your phone or computer: "
    "what private browsing does, what quick exit cannot erase, and how to remove only this "
    "site from your history."
)
BODY = """If someone else may look at the device you use, a few habits keep your visits here
to yourself. None of them is perfect; pick the ones that fit your situation.

**A device your employer manages is never private.** Work laptops and phones can be
monitored, even outside working hours and on home Wi-Fi. Use a personal device if you can.

**Private browsing** (a private or incognito window) keeps this site out of the browser's
history, and forgets the sign-in when you close the window. It does not hide your visit
from the network you are on, from software installed on the device, or from anyone looking
over your shoulder.

**What quick exit can and cannot do.** The quick exit control (or Shift pressed three
times) blanks the page and replaces it with a neutral site, and the back button does not
bring this page back. It cannot remove earlier entries from the browser's history, close
other tabs, or erase downloads such as an exported journal.

**Removing only this site from your history.** Clearing all history is itself noticeable.
Instead, open the browser's history, search for this site's address, and delete just those
entries; do the same for downloads. On a phone, check the app switcher too.

**In the tab and on the lock screen** this site calls itself "Notes" once you are signed in,
and its notifications say only "New activity" unless you ask for more in your settings. It
never sends notifications by email or to your phone.

**Sign out when you finish**, and do not let the browser save your password on a shared
device. Two-factor authentication (in your settings) stops someone who learns your
password from signing in.
"""


def add_article(apps, schema_editor):
    Article = apps.get_model("community", "Article")
    Article.objects.get_or_create(
        slug=SLUG, defaults={"title": TITLE, "summary": SUMMARY, "body": BODY}
    )


class Migration(migrations.Migration):
    dependencies = [("community", "0013_search_index")]

    operations = [
        migrations.AddField(
            model_name="profile",
            name="safer_device_notice_dismissed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(add_article, migrations.RunPython.noop, elidable=False),
    ]
