"""The audit actions, one constant each, with a human label in zh and en."""

from django.utils.translation import gettext_lazy as _

USER_SIGNED_UP = "user.signed_up"
USER_LOGGED_IN = "user.logged_in"
USER_LOGIN_FAILED = "user.login_failed"
USER_LOGGED_OUT = "user.logged_out"
USER_EMAIL_CONFIRMED = "user.email_confirmed"
USER_PASSWORD_CHANGED = "user.password_changed"
USER_PASSWORD_RESET = "user.password_reset"
USER_MFA_ACTIVATED = "user.mfa_activated"
USER_MFA_DEACTIVATED = "user.mfa_deactivated"
USER_PROFILE_UPDATED = "user.profile_updated"
USER_CONSENTED = "user.consented"
MEMBERSHIP_CREATED = "membership.created"
MEMBERSHIP_REMOVED = "membership.removed"
INVITATION_SENT = "invitation.sent"
INVITATION_ACCEPTED = "invitation.accepted"
INVITATION_REVOKED = "invitation.revoked"
SENSITIVE_VALUE_REVEALED = "sensitive.revealed"
DEPARTMENT_CREATED = "department.created"
ENTERPRISE_CREATED = "enterprise.created"
PROVIDER_CREATED = "provider.created"
USER_CREATED = "user.created"
DOCUMENT_UPLOADED = "document.uploaded"
DOCUMENT_DOWNLOADED = "document.downloaded"
ENTERPRISE_CLAIMED = "enterprise.claimed"
CLAIM_ACCEPTED = "claim.accepted"
CLAIM_REJECTED = "claim.rejected"
ENTERPRISE_UPDATED = "enterprise.updated"
ENTERPRISE_SIZE_CLASSIFIED = "enterprise.size_classified"
SHAREHOLDER_ADDED = "shareholder.added"
SHAREHOLDER_REMOVED = "shareholder.removed"
DECLARATION_SUBMITTED = "declaration.submitted"
DECLARATION_CORRECTED = "declaration.corrected"
DISHONEST_LIST_IMPORTED = "dishonest_list.imported"
GENAI_FILING_LIST_IMPORTED = "genai_filing_list.imported"
PROVIDER_APPLIED = "provider.applied"
PROVIDER_STATUS_CHANGED = "provider.status_changed"
PROVIDER_UPDATED = "provider.updated"
OFFERING_ADDED = "offering.added"
OFFERING_WITHDRAWN = "offering.withdrawn"
PROGRAM_CREATED = "program.created"
PROGRAM_VERSION_CREATED = "program.version_created"
PROGRAM_STATUS_CHANGED = "program.status_changed"
PROGRAM_CHANGE_PROPOSED = "program.change_proposed"
PROGRAM_CHANGE_APPROVED = "program.change_approved"
PROGRAM_CHANGE_REJECTED = "program.change_rejected"
PROGRAM_CHANGE_WITHDRAWN = "program.change_withdrawn"
PROGRAM_CHANGE_IMPACT_EXPORTED = "program.change_impact_exported"
PROGRAM_QUOTA_MOVED = "program.quota_moved"
ELIGIBILITY_RESCREENED = "eligibility.rescreened"
APPLICATION_CREATED = "application.created"
APPLICATION_UPDATED = "application.updated"
APPLICATION_SUBMITTED = "application.submitted"
APPLICATION_SCREENED = "application.screened"
APPLICATION_REVIEWED = "application.reviewed"
APPLICATION_RETURNED = "application.returned"
APPLICATION_REJECTED = "application.rejected"
APPLICATION_APPROVED = "application.approved"
APPLICATION_WITHDRAWN = "application.withdrawn"
VOUCHER_ISSUED = "voucher.issued"
NOTICE_STARTED = "notice.started"
NOTICE_OBJECTED = "notice.objected"
NOTICE_OBJECTION_UPHELD = "notice.objection_upheld"
NOTICE_OBJECTION_DISMISSED = "notice.objection_dismissed"
CHARGE_HELD = "charge.held"
CHARGE_CONFIRMED = "charge.confirmed"
CHARGE_CONFIRMED_BY_WINDOW = "charge.confirmed_by_window"
CHARGE_DISPUTED = "charge.disputed"
CHARGE_VOIDED = "charge.voided"
CHARGE_DISPUTE_UPHELD = "charge.dispute_upheld"
CHARGE_DISPUTE_VOIDED = "charge.dispute_voided"
API_KEY_CREATED = "api_key.created"
API_KEY_REVOKED = "api_key.revoked"
STATEMENT_BUILT = "statement.built"
STATEMENT_RECONCILED = "statement.reconciled"
STATEMENT_DIFFERENCE_EXPLAINED = "statement.difference_explained"
STATEMENT_SUBMITTED = "statement.submitted"
STATEMENT_RETURNED = "statement.returned"
STATEMENT_APPROVED = "statement.approved"
STATEMENT_PAID = "statement.paid"
REIMBURSEMENT_SUBMITTED = "reimbursement.submitted"
REIMBURSEMENT_VERIFIED = "reimbursement.verified"
REIMBURSEMENT_REJECTED = "reimbursement.rejected"
REIMBURSEMENT_PAID = "reimbursement.paid"
CHARGE_VOIDED_VOUCHER_CLOSED = "charge.voided_voucher_closed"
VOUCHER_EXPIRED = "voucher.expired"
VOUCHER_REVOKED = "voucher.revoked"
VOUCHER_EXPIRY_REMINDED = "voucher.expiry_reminded"
CLAWBACK_RECORDED = "clawback.recorded"
CLAWBACK_REPAYMENT_RECORDED = "clawback.repayment_recorded"
WEBHOOK_ENDPOINT_CREATED = "webhook.endpoint_created"
WEBHOOK_ENDPOINT_DISABLED = "webhook.endpoint_disabled"
WEBHOOK_DELIVERY_REQUESTED = "webhook.delivery_requested"
AUDIT_CHAIN_VERIFICATION_REQUESTED = "audit.chain_verification_requested"
FLAG_SCAN_REQUESTED = "flag.scan_requested"
FLAGS_SCANNED = "flag.scanned"
FLAG_RAISED = "flag.raised"
FLAG_DISMISSED = "flag.dismissed"
FLAG_CONFIRMED = "flag.confirmed"
RECORDS_EXPORTED = "records.exported"
REPORT_REQUESTED = "report.requested"
REPORT_GENERATED = "report.generated"
REPORT_DOWNLOADED = "report.downloaded"
DASHBOARD_EXPORTED = "dashboard.exported"
AUDIT_CHECKPOINT_TAKEN = "audit.checkpoint_taken"
AUDIT_CHECKPOINTS_EXPORTED = "audit.checkpoints_exported"

LABELS = {
    USER_SIGNED_UP: _("Signed up"),
    USER_LOGGED_IN: _("Logged in"),
    USER_LOGIN_FAILED: _("Login failed"),
    USER_LOGGED_OUT: _("Logged out"),
    USER_EMAIL_CONFIRMED: _("E-mail address confirmed"),
    USER_PASSWORD_CHANGED: _("Password changed"),
    USER_PASSWORD_RESET: _("Password reset"),
    USER_MFA_ACTIVATED: _("Two-factor authentication turned on"),
    USER_MFA_DEACTIVATED: _("Two-factor authentication turned off"),
    USER_PROFILE_UPDATED: _("Profile updated"),
    USER_CONSENTED: _("User agreement and privacy notice accepted"),
    MEMBERSHIP_CREATED: _("Role granted"),
    MEMBERSHIP_REMOVED: _("Role removed"),
    INVITATION_SENT: _("Colleague invited"),
    INVITATION_ACCEPTED: _("Invitation accepted"),
    INVITATION_REVOKED: _("Invitation withdrawn"),
    SENSITIVE_VALUE_REVEALED: _("Masked value revealed"),
    DEPARTMENT_CREATED: _("Department created"),
    ENTERPRISE_CREATED: _("Enterprise added to the register"),
    PROVIDER_CREATED: _("Provider added to the register"),
    USER_CREATED: _("Account created"),
    DOCUMENT_UPLOADED: _("Document uploaded"),
    DOCUMENT_DOWNLOADED: _("Uploaded document downloaded"),
    ENTERPRISE_CLAIMED: _("Enterprise claimed"),
    CLAIM_ACCEPTED: _("Claim accepted"),
    CLAIM_REJECTED: _("Claim rejected"),
    ENTERPRISE_UPDATED: _("Enterprise profile updated"),
    ENTERPRISE_SIZE_CLASSIFIED: _("Size class computed"),
    SHAREHOLDER_ADDED: _("Shareholder added"),
    SHAREHOLDER_REMOVED: _("Shareholder removed"),
    DECLARATION_SUBMITTED: _("Investment declared"),
    DECLARATION_CORRECTED: _("Investment declaration corrected"),
    DISHONEST_LIST_IMPORTED: _("Dishonesty list imported"),
    GENAI_FILING_LIST_IMPORTED: _("Generative-AI filing list imported"),
    PROVIDER_APPLIED: _("Provider applied"),
    PROVIDER_STATUS_CHANGED: _("Provider status changed"),
    PROVIDER_UPDATED: _("Provider profile updated"),
    OFFERING_ADDED: _("Offering added"),
    OFFERING_WITHDRAWN: _("Offering withdrawn"),
    PROGRAM_CREATED: _("Program created"),
    PROGRAM_VERSION_CREATED: _("Program parameters changed (new version)"),
    PROGRAM_STATUS_CHANGED: _("Program status changed"),
    PROGRAM_CHANGE_PROPOSED: _("Program change proposed (awaiting a second approval)"),
    PROGRAM_CHANGE_APPROVED: _("Program change approved by a second manager"),
    PROGRAM_CHANGE_REJECTED: _("Program change rejected"),
    PROGRAM_CHANGE_WITHDRAWN: _("Program change withdrawn"),
    PROGRAM_CHANGE_IMPACT_EXPORTED: _("What-if of a program change downloaded (XLSX)"),
    PROGRAM_QUOTA_MOVED: _("Unused regional quota moved"),
    ELIGIBILITY_RESCREENED: _("Register re-screened against a program"),
    APPLICATION_CREATED: _("Application started"),
    APPLICATION_UPDATED: _("Application draft saved"),
    APPLICATION_SUBMITTED: _("Application submitted"),
    APPLICATION_SCREENED: _("Application screened by the rules"),
    APPLICATION_REVIEWED: _("Application approved at a stage"),
    APPLICATION_RETURNED: _("Application returned for correction"),
    APPLICATION_REJECTED: _("Application rejected"),
    APPLICATION_APPROVED: _("Application approved"),
    APPLICATION_WITHDRAWN: _("Application withdrawn"),
    VOUCHER_ISSUED: _("Voucher issued"),
    NOTICE_STARTED: _("Final approval: in public notice, amount reserved"),
    NOTICE_OBJECTED: _("Objection to an application in public notice"),
    NOTICE_OBJECTION_UPHELD: _("Objection upheld: application rejected"),
    NOTICE_OBJECTION_DISMISSED: _("Objection dismissed"),
    CHARGE_HELD: _("Charge held on a voucher"),
    CHARGE_CONFIRMED: _("Charge confirmed by the enterprise"),
    CHARGE_CONFIRMED_BY_WINDOW: _(
        "Charge confirmed when its confirmation window passed"
    ),
    CHARGE_DISPUTED: _("Charge disputed by the enterprise"),
    CHARGE_VOIDED: _("Charge voided by the provider"),
    CHARGE_DISPUTE_UPHELD: _("Disputed charge upheld"),
    CHARGE_DISPUTE_VOIDED: _("Disputed charge voided"),
    API_KEY_CREATED: _("API key created"),
    API_KEY_REVOKED: _("API key revoked"),
    STATEMENT_BUILT: _("Statement built"),
    STATEMENT_RECONCILED: _("Provider's records matched against a statement"),
    STATEMENT_DIFFERENCE_EXPLAINED: _("Statement difference explained"),
    STATEMENT_SUBMITTED: _("Statement submitted for approval"),
    STATEMENT_RETURNED: _("Statement returned to the provider"),
    STATEMENT_APPROVED: _("Statement approved for payment"),
    STATEMENT_PAID: _("Statement paid"),
    REIMBURSEMENT_SUBMITTED: _("Reimbursement claimed by the enterprise"),
    REIMBURSEMENT_VERIFIED: _("Reimbursement verified"),
    REIMBURSEMENT_REJECTED: _("Reimbursement rejected"),
    REIMBURSEMENT_PAID: _("Reimbursement paid to the enterprise"),
    CHARGE_VOIDED_VOUCHER_CLOSED: _(
        "Pending charge voided when its voucher expired or was revoked"
    ),
    VOUCHER_EXPIRED: _("Voucher expired, unused balance released"),
    VOUCHER_REVOKED: _("Voucher revoked, unused balance released"),
    VOUCHER_EXPIRY_REMINDED: _("Voucher expiry reminder sent"),
    CLAWBACK_RECORDED: _("Clawback recorded"),
    CLAWBACK_REPAYMENT_RECORDED: _("Clawback repayment recorded"),
    WEBHOOK_ENDPOINT_CREATED: _("Webhook endpoint registered"),
    WEBHOOK_ENDPOINT_DISABLED: _("Webhook endpoint disabled"),
    WEBHOOK_DELIVERY_REQUESTED: _("Webhook delivery requested by a person"),
    AUDIT_CHAIN_VERIFICATION_REQUESTED: _("Audit chain check requested"),
    FLAG_SCAN_REQUESTED: _("Anomaly scan requested"),
    FLAGS_SCANNED: _("Anomaly scan run"),
    FLAG_RAISED: _("Anomaly flag raised"),
    FLAG_DISMISSED: _("Anomaly flag dismissed"),
    FLAG_CONFIRMED: _("Anomaly flag confirmed"),
    RECORDS_EXPORTED: _("Records downloaded (XLSX)"),
    REPORT_REQUESTED: _("Audit report requested"),
    REPORT_GENERATED: _("Audit report generated"),
    REPORT_DOWNLOADED: _("Audit report downloaded"),
    DASHBOARD_EXPORTED: _("Program dashboard downloaded (XLSX)"),
    AUDIT_CHECKPOINT_TAKEN: _("Audit chain checkpoint taken by a person"),
    AUDIT_CHECKPOINTS_EXPORTED: _("Audit chain checkpoints downloaded"),
}


def label(action: str) -> str:
    return str(LABELS.get(action, action))
