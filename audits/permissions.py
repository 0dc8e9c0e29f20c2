from accounts.roles import Role

# Program managers and auditors read the audit trail; nobody edits it.
AUDIT_READERS = (Role.PROGRAM_MANAGER, Role.AUDITOR)
