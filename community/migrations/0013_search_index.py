"""Full-text search over posts: an FTS5 table kept by triggers (SQLite) or a GIN expression
index (PostgreSQL); community/search.py reads both."""

from django.db import migrations

from community.search import full_text_index


class Migration(migrations.Migration):
    dependencies = [("community", "0011_sign_in_activity")]

    operations = [
        full_text_index(table="community_post", columns=["title", "body", "content_warning"])
    ]
