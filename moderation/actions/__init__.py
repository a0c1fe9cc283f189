"""Moderation actions, one module each: what members and moderators do that the audit log
records (decision 0050).

Every action checks who may act (moderation/permissions.py), validates, changes what it must
in one transaction, writes exactly one `AuditLogEntry` (`audit.record_audit`) and returns one
`audit.ActionResult`; doing it again when it is already done changes nothing and returns
`changed=False`. Content belongs to its owning app (community, messaging): actions ask it to
change through `moderation.flaggables` or its services, and reach open sockets on commit.
"""
