"""Writes on the register. Each function runs in one transaction and records
its audit event in it."""

from .credit import dishonest_list_import, parse_dishonest_csv
from .filings import filing_list_import, parse_filing_csv
from .memberships import (
    department_ensure_all,
    invitation_accept,
    invitation_create,
    invitation_find,
    invitation_revoke,
    membership_grant,
    membership_remove,
)
from .providers import (
    PROVIDER_STATES,
    offering_add,
    offering_withdraw,
    provider_apply,
    provider_set_status,
    provider_update,
)
from .register import (
    claim_decide,
    classify_enterprise,
    declaration_save,
    document_downloaded,
    document_store,
    enterprise_claim,
    enterprise_create,
    enterprise_update_profile,
    reviewer_covers,
    sensitive_value_reveal,
    shareholder_add,
    shareholder_remove,
)

__all__ = [
    "PROVIDER_STATES",
    "claim_decide",
    "classify_enterprise",
    "declaration_save",
    "department_ensure_all",
    "dishonest_list_import",
    "document_downloaded",
    "document_store",
    "enterprise_claim",
    "enterprise_create",
    "enterprise_update_profile",
    "filing_list_import",
    "invitation_accept",
    "invitation_create",
    "invitation_find",
    "invitation_revoke",
    "membership_grant",
    "membership_remove",
    "offering_add",
    "offering_withdraw",
    "parse_dishonest_csv",
    "parse_filing_csv",
    "provider_apply",
    "provider_set_status",
    "provider_update",
    "reviewer_covers",
    "sensitive_value_reveal",
    "shareholder_add",
    "shareholder_remove",
]
