"""Who may use the voucher pages.

- programs: program managers create, edit, open, close and archive; auditors
  and reviewers read (``PROGRAM_READERS``);
- the eligibility self-check (page and API) is public, throttled per client.
"""

from accounts.roles import Role

PROGRAM_READERS = (Role.PROGRAM_MANAGER, Role.AUDITOR, Role.REVIEWER)
PROGRAM_EDITORS = (Role.PROGRAM_MANAGER,)
