"""Full-text search over chat messages: an FTS5 table kept by triggers (SQLite) or a GIN
expression index (PostgreSQL); community/search.py reads both."""

from django.db import migrations

from community.search import full_text_index


class Migration(migrations.Migration):
    dependencies = [("messaging", "0009_message_content_warning")]

    operations = [full_text_index(table="messaging_message", columns=["body", "content_warning"])]
