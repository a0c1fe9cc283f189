"""Database triggers that refuse changes to the audit log underneath the ORM.

PostgreSQL refuses UPDATE and DELETE (row-level triggers; TRUNCATE, which test teardown
uses, is not a row event). SQLite refuses UPDATE only: Django's SQLite flush empties
tables with DELETE, so a DELETE trigger there would break test isolation; the ORM and the
admin still refuse deletes on SQLite.
"""

from django.db import migrations

TABLE = "moderation_auditlogentry"

POSTGRES_UP = f"""
CREATE OR REPLACE FUNCTION moderation_audit_log_refuse() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit log entries are append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER moderation_audit_log_no_update BEFORE UPDATE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION moderation_audit_log_refuse();
CREATE TRIGGER moderation_audit_log_no_delete BEFORE DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION moderation_audit_log_refuse();
"""
POSTGRES_DOWN = f"""
DROP TRIGGER IF EXISTS moderation_audit_log_no_update ON {TABLE};
DROP TRIGGER IF EXISTS moderation_audit_log_no_delete ON {TABLE};
DROP FUNCTION IF EXISTS moderation_audit_log_refuse();
"""
SQLITE_UP = f"""
CREATE TRIGGER moderation_audit_log_no_update BEFORE UPDATE ON {TABLE}
BEGIN
    SELECT RAISE(ABORT, 'audit log entries are append-only');
END;
"""
SQLITE_DOWN = "DROP TRIGGER IF EXISTS moderation_audit_log_no_update;"


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_UP)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_UP)


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_DOWN)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_DOWN)


class Migration(migrations.Migration):
    dependencies = [("moderation", "0002_moderation_core")]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
