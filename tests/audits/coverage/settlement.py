"""Event-coverage cases: see tests/audits/coverage/__init__.py.

Settlement (statements built, reconciled, submitted, returned, approved and
paid), webhook endpoints and deliveries, and provider API keys. No case
touches the network: a webhook endpoint's address is a literal public IP
(checked without DNS), and deliveries are sent on commit, which the test's
transaction never reaches.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import timedelta

from django.utils import timezone

from accounts.roles import Role
from audits import actions
from tests.audits.coverage import Case
from tests.factories import make_role_user
from tests.factories.redemption import ChargeSetup, charge_setup
from vouchers.models import (
    LedgerAccount,
    LedgerTransfer,
    Payment,
    ProviderApiKey,
    Reconciliation,
    ReconciliationItem,
    Redemption,
    Statement,
    WebhookDelivery,
    WebhookEndpoint,
)
from vouchers.provider_api import services as api_keys
from vouchers.redemption import services as charges
from vouchers.settlement import services as settlement
from vouchers.settlement.periods import period_containing
from vouchers.webhooks import services as webhooks

Outcome = ReconciliationItem.Outcome
D = WebhookDelivery.Status
# A public address given as a literal IP: the destination check needs no DNS.
HOOK_URL = "https://8.8.8.8/hook"
ALL_EVENTS = ["charge.confirmed", "charge.voided", "charge.disputed", "statement.ready"]


# -- settlement -------------------------------------------------------------------------


def _confirmed(setup: ChargeSetup, n: int = 2) -> list[Redemption]:
    return [
        charges.redemption_confirm(redemption=setup.hold(), user=setup.applicant)
        for _ in range(n)
    ]


def _this_month():
    return period_containing(timezone.localdate(), 1)


def _build(setup: ChargeSetup) -> Statement:
    start, end = _this_month()
    statement = settlement.statement_build(
        program=setup.voucher.program,
        provider=setup.provider,
        period_start=start,
        period_end=end,
    )
    assert statement is not None
    return statement


def _csv(lines: list[Redemption], *, off_by: int = 0) -> bytes:
    today = timezone.localdate().isoformat()
    rows = [
        f"{c.invoice_number},{c.voucher.code},{c.amount + off_by},{today}"
        for c in lines
    ]
    return ("\n".join(["发票号码,券码,金额,日期", *rows]) + "\n").encode()


def _reconciled(setup: ChargeSetup, *, off_by: int = 0) -> Statement:
    lines = _confirmed(setup)
    statement = _build(setup)
    settlement.statement_reconcile(
        statement=statement,
        user=setup.staff,
        file_name="m.csv",
        content=_csv(lines, off_by=off_by),
    )
    return statement


def _submitted(setup: ChargeSetup) -> Statement:
    statement = _reconciled(setup)
    return settlement.statement_submit(statement=statement, user=setup.staff)


def _manager():
    return make_role_user(Role.PROGRAM_MANAGER, region="330100")


def _build_state(setup: ChargeSetup) -> Callable[[], object]:
    def state():
        return (
            Statement.objects.count(),
            Redemption.objects.filter(
                provider=setup.provider, statement__isnull=False
            ).count(),
            WebhookDelivery.objects.count(),
        )

    return state


def _statement_state(statement: Statement) -> Callable[[], object]:
    def state():
        s = Statement.objects.get(pk=statement.pk)
        balances = sorted(
            LedgerAccount.objects.filter(
                program_id=s.program_id, provider_id=s.provider_id
            ).values_list("kind", "balance")
        )
        return (
            s.status,
            s.return_reason,
            s.submitted_at,
            s.submitted_by_id,
            s.approved_at,
            s.approved_by_id,
            Reconciliation.objects.filter(statement=s).count(),
            ReconciliationItem.objects.filter(reconciliation__statement=s).count(),
            Payment.objects.filter(statement=s).count(),
            LedgerTransfer.objects.count(),
            balances,
        )

    return state


def _with_statement_endpoint(setup: ChargeSetup) -> None:
    """An endpoint that takes statement.ready, so a build queues a delivery."""
    webhooks.endpoint_create(
        provider=setup.provider, user=setup.staff, url=HOOK_URL, events=ALL_EVENTS
    )


def _statement_build():
    setup = charge_setup()
    _with_statement_endpoint(setup)
    _confirmed(setup)
    start, end = _this_month()
    return Case(
        call=lambda: settlement.statement_build(
            program=setup.voucher.program,
            provider=setup.provider,
            period_start=start,
            period_end=end,
        ),
        expected=Counter({actions.STATEMENT_BUILT: 1}),
        state=_build_state(setup),
    )


def _statements_build_due():
    setup = charge_setup()
    _with_statement_endpoint(setup)
    _confirmed(setup)
    _start, end = _this_month()
    return Case(
        call=lambda: settlement.statements_build_due(today=end + timedelta(days=1)),
        expected=Counter({actions.STATEMENT_BUILT: 1}),
        state=_build_state(setup),
        swallows=True,  # a batch: the failed item is logged and skipped
    )


def _statement_reconcile():
    setup = charge_setup()
    lines = _confirmed(setup)
    statement = _build(setup)
    return Case(
        call=lambda: settlement.statement_reconcile(
            statement=statement,
            user=setup.staff,
            file_name="m.csv",
            content=_csv(lines),
        ),
        expected=Counter({actions.STATEMENT_RECONCILED: 1}),
        state=_statement_state(statement),
    )


def _reconciliation_item_explain():
    setup = charge_setup()
    statement = _reconciled(setup, off_by=1)
    item = ReconciliationItem.objects.filter(
        reconciliation__statement=statement, outcome=Outcome.AMOUNT_DIFFERS
    ).first()
    assert item is not None

    def state():
        i = ReconciliationItem.objects.get(pk=item.pk)
        return (i.note, i.noted_at, i.noted_by_id)

    return Case(
        call=lambda: settlement.reconciliation_item_explain(
            item=item, user=setup.staff, note="发票已红冲重开"
        ),
        expected=Counter({actions.STATEMENT_DIFFERENCE_EXPLAINED: 1}),
        state=state,
    )


def _statement_submit():
    setup = charge_setup()
    statement = _reconciled(setup)
    return Case(
        call=lambda: settlement.statement_submit(statement=statement, user=setup.staff),
        expected=Counter({actions.STATEMENT_SUBMITTED: 1}),
        state=_statement_state(statement),
    )


def _statement_return():
    statement = _submitted(charge_setup())
    manager = _manager()
    return Case(
        call=lambda: settlement.statement_return(
            statement=statement, user=manager, reason="请补充第 2 行的说明"
        ),
        expected=Counter({actions.STATEMENT_RETURNED: 1}),
        state=_statement_state(statement),
    )


def _statement_approve():
    statement = _submitted(charge_setup())
    manager = _manager()
    return Case(
        call=lambda: settlement.statement_approve(statement=statement, user=manager),
        expected=Counter({actions.STATEMENT_APPROVED: 1}),
        state=_statement_state(statement),
    )


def _statement_pay():
    statement = _submitted(charge_setup())
    manager = _manager()
    statement = settlement.statement_approve(statement=statement, user=manager)
    return Case(
        call=lambda: settlement.statement_pay(
            statement=statement,
            user=manager,
            reference="GK2026-000123",
            paid_on=timezone.localdate(),
            amount=statement.total,
        ),
        expected=Counter({actions.STATEMENT_PAID: 1}),
        state=_statement_state(statement),
    )


# -- webhooks ---------------------------------------------------------------------------


def _endpoint_state(endpoint: WebhookEndpoint) -> Callable[[], object]:
    def state():
        e = WebhookEndpoint.objects.get(pk=endpoint.pk)
        return (
            e.is_active,
            e.disabled_at,
            e.disabled_by_id,
            sorted(
                WebhookDelivery.objects.filter(endpoint=e).values_list(
                    "pk", "status", "attempts", "next_attempt_at", "last_error"
                )
            ),
        )

    return state


def _endpoint(setup: ChargeSetup) -> WebhookEndpoint:
    endpoint, _secret = webhooks.endpoint_create(
        provider=setup.provider, user=setup.staff, url=HOOK_URL, events=ALL_EVENTS
    )
    return endpoint


def _endpoint_create():
    setup = charge_setup()
    return Case(
        call=lambda: webhooks.endpoint_create(
            provider=setup.provider, user=setup.staff, url=HOOK_URL, events=ALL_EVENTS
        ),
        expected=Counter({actions.WEBHOOK_ENDPOINT_CREATED: 1}),
        state=lambda: WebhookEndpoint.objects.filter(provider=setup.provider).count(),
    )


def _endpoint_disable():
    setup = charge_setup()
    endpoint = _endpoint(setup)
    # A pending delivery, failed by the disable.
    webhooks.endpoint_ping(endpoint=endpoint, user=setup.staff)
    return Case(
        call=lambda: webhooks.endpoint_disable(endpoint=endpoint, user=setup.staff),
        expected=Counter({actions.WEBHOOK_ENDPOINT_DISABLED: 1}),
        state=_endpoint_state(endpoint),
    )


def _endpoint_ping():
    setup = charge_setup()
    endpoint = _endpoint(setup)
    return Case(
        call=lambda: webhooks.endpoint_ping(endpoint=endpoint, user=setup.staff),
        expected=Counter({actions.WEBHOOK_DELIVERY_REQUESTED: 1}),
        state=_endpoint_state(endpoint),
    )


def _delivery_retry():
    setup = charge_setup()
    endpoint = _endpoint(setup)
    delivery = webhooks.endpoint_ping(endpoint=endpoint, user=setup.staff)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=D.FAILED, attempts=7, next_attempt_at=None
    )
    return Case(
        call=lambda: webhooks.delivery_retry(delivery=delivery, user=setup.staff),
        expected=Counter({actions.WEBHOOK_DELIVERY_REQUESTED: 1}),
        state=_endpoint_state(endpoint),
    )


# -- provider API keys ------------------------------------------------------------------


def _staff() -> tuple[object, object]:
    setup = charge_setup()
    return setup.staff, setup.provider


def _api_key_create():
    staff, provider = _staff()
    return Case(
        call=lambda: api_keys.api_key_create(
            provider=provider, user=staff, name="计费系统（生产）"
        ),
        expected=Counter({actions.API_KEY_CREATED: 1}),
        state=lambda: ProviderApiKey.objects.filter(provider=provider).count(),
    )


def _api_key_revoke():
    staff, provider = _staff()
    key, _secret = api_keys.api_key_create(provider=provider, user=staff, name="测试")

    def state():
        k = ProviderApiKey.objects.get(pk=key.pk)
        return (k.revoked_at, k.revoked_by_id)

    return Case(
        call=lambda: api_keys.api_key_revoke(key=key, user=staff),
        expected=Counter({actions.API_KEY_REVOKED: 1}),
        state=state,
    )


S = "vouchers.settlement.services"
W = "vouchers.webhooks.services"
A = "vouchers.provider_api.services"

CASES: dict[str, Callable[[], Case]] = {
    f"{S}:statement_build": _statement_build,
    f"{S}:statements_build_due": _statements_build_due,
    f"{S}:statement_reconcile": _statement_reconcile,
    f"{S}:reconciliation_item_explain": _reconciliation_item_explain,
    f"{S}:statement_submit": _statement_submit,
    f"{S}:statement_return": _statement_return,
    f"{S}:statement_approve": _statement_approve,
    f"{S}:statement_pay": _statement_pay,
    f"{W}:endpoint_create": _endpoint_create,
    f"{W}:endpoint_disable": _endpoint_disable,
    f"{W}:endpoint_ping": _endpoint_ping,
    f"{W}:delivery_retry": _delivery_retry,
    f"{A}:api_key_create": _api_key_create,
    f"{A}:api_key_revoke": _api_key_revoke,
}
