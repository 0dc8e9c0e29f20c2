"""The anomaly rules and the scan: every rule raises on a case made for it
(through the services, as in life) and explains itself with the facts, in
Chinese and English; a clean case raises nothing; a rerun raises no
duplicate; a triage is audited and final."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from accounts.roles import Role
from audits import actions
from audits.flags import rules, services
from audits.models import AuditEvent, Flag, FlagScan
from config.exceptions import ApplicationError
from enterprises.models import Enterprise
from enterprises.services import enterprise_update_profile
from tests.factories import ProviderFactory, make_role_user, version_changed
from tests.factories.redemption import charge_setup
from tests.factories.vouchers import ApplicationFactory, sme_applicant
from vouchers.models import Redemption, Voucher

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def found(code: str) -> list[rules.Finding]:
    return list(rules.RULES[code].find(rules.EVERYTHING))


# -- one case per rule -------------------------------------------------------------


def same_contract_case():
    provider = ProviderFactory()
    ApplicationFactory(withdrawn=True, provider=provider, contract_number="HT-SAME")
    # the same number written differently
    ApplicationFactory(submitted=True, provider=provider, contract_number="ht-same ")
    return provider.name


def recent_registration_case():
    applicant = sme_applicant()
    enterprise = applicant.memberships.get().enterprise
    Enterprise.objects.filter(pk=enterprise.pk).update(established_on=date(2026, 1, 10))
    ApplicationFactory(submitted=True, applicant=applicant, signed_on=date(2026, 3, 1))
    return "2026-01-10"


def just_under_tier_case():
    # two enterprises of one legal representative, each just under the
    # demo program's tier of 500,000.00, six weeks apart
    for signed, total in (
        (date(2026, 2, 1), "470000.00"),
        (date(2026, 3, 15), "495000.00"),
    ):
        applicant = sme_applicant()
        Enterprise.objects.filter(pk=applicant.memberships.get().enterprise_id).update(
            legal_representative="王五"
        )
        ApplicationFactory(
            submitted=True,
            applicant=applicant,
            signed_on=signed,
            amount=total,
            year_contract_total=Decimal(total),
        )
    return "王五"


def related_party_case():
    provider = ProviderFactory(contact_phone="0571-88886666")
    applicant = sme_applicant()
    Enterprise.objects.filter(pk=applicant.memberships.get().enterprise_id).update(
        contact_phone="057188886666"
    )
    ApplicationFactory(submitted=True, applicant=applicant, provider=provider)
    return provider.name


def declaration_jump_case():
    applicant = sme_applicant()
    enterprise = applicant.memberships.get().enterprise
    enterprise_update_profile(
        enterprise=enterprise, data={"employees": 180}, actor=applicant
    )
    return "180"


def same_invoice_case():
    a, b = charge_setup(), charge_setup()
    a.hold(invoice_number="24330000000012345678")
    b.hold(invoice_number="24330000000012345678")
    return "24330000000012345678"


def price_above_list_case():
    setup = charge_setup()
    program = setup.voucher.program
    params = program.versions.latest("effective_from").params | {
        "price_above_list": "flag"
    }
    version_changed(program=program, params=params, actor=None)
    setup.hold(unit_price=Decimal("20.00"))  # 60% above 12.50
    return "60%"


def used_up_fast_case():
    setup = charge_setup()
    r = setup.hold(quantity=Decimal("15000"))  # 187,500.00 of 200,000.00
    # in the daytime, an hour after issue, whatever the hour the test runs
    # (a charge made now at night would raise night_charges too)
    day = timezone.localdate() - timedelta(days=1)
    issued = timezone.make_aware(datetime(day.year, day.month, day.day, 10, 0))
    Voucher.objects.filter(pk=setup.voucher.pk).update(issued_at=issued)
    Redemption.objects.filter(pk=r.pk).update(created_at=issued + timedelta(hours=1))
    return setup.voucher.code


def charge_burst_case():
    setup = charge_setup()
    start = timezone.now() - timedelta(days=3)
    for minute in range(6):
        r = setup.hold(quantity=Decimal("1"))
        Redemption.objects.filter(pk=r.pk).update(
            created_at=start + timedelta(minutes=minute * 5)
        )
    return setup.voucher.code


def night_charges_case():
    setup = charge_setup()
    r = setup.hold(quantity=Decimal("1"))
    night = timezone.make_aware(datetime(2026, 6, 2, 3, 12))  # Asia/Shanghai
    Redemption.objects.filter(pk=r.pk).update(created_at=night)
    return "2026-06-02"


CASES = {
    "same_contract": same_contract_case,
    "recent_registration": recent_registration_case,
    "just_under_tier": just_under_tier_case,
    "related_party": related_party_case,
    "declaration_jump": declaration_jump_case,
    "same_invoice": same_invoice_case,
    "price_above_list": price_above_list_case,
    "used_up_fast": used_up_fast_case,
    "charge_burst": charge_burst_case,
    "night_charges": night_charges_case,
}


def test_every_rule_has_a_case():
    assert set(CASES) == set(rules.RULES)


@pytest.mark.parametrize("code", sorted(CASES))
def test_each_rule_raises_on_its_case_and_explains_it(code):
    # given
    detail = CASES[code]()

    # when
    findings = found(code)

    # then: the anomaly, explained with its facts in both languages
    assert len(findings) == 1, findings
    finding = findings[0]
    for language in ("zh-hans", "en"):
        with translation.override(language):
            text = rules.explain(code, finding.facts)
        assert detail in text, text
        assert not text.startswith(f"{code}:"), text  # not the raw fallback
    assert finding.key
    assert finding.subject_id


@pytest.mark.parametrize("code", sorted(CASES))
def test_ordinary_activity_raises_nothing(code):
    # given: an application approved into a voucher, two ordinary charges
    # a day apart in office hours, a small profile change
    setup = charge_setup()
    noon = timezone.make_aware(datetime(2026, 6, 2, 11, 0))
    for day in range(2):
        r = setup.hold()
        Redemption.objects.filter(pk=r.pk).update(created_at=noon + timedelta(days=day))
    enterprise = setup.voucher.enterprise
    enterprise_update_profile(
        enterprise=enterprise, data={"employees": 50}, actor=setup.applicant
    )

    # then
    assert found(code) == []


# -- the edges of the thresholds ------------------------------------------------------


def test_a_contract_signed_six_months_after_registration_is_not_recent():
    applicant = sme_applicant()
    Enterprise.objects.filter(pk=applicant.memberships.get().enterprise_id).update(
        established_on=date(2025, 9, 1)
    )
    ApplicationFactory(submitted=True, applicant=applicant, signed_on=date(2026, 3, 1))

    assert found("recent_registration") == []


def test_contracts_just_under_a_tier_but_months_apart_are_not_split():
    for signed in (date(2026, 1, 5), date(2026, 5, 1)):
        applicant = sme_applicant()
        Enterprise.objects.filter(pk=applicant.memberships.get().enterprise_id).update(
            legal_representative="赵六"
        )
        ApplicationFactory(
            submitted=True,
            applicant=applicant,
            signed_on=signed,
            amount="480000.00",
            year_contract_total=Decimal("480000.00"),
        )

    assert found("just_under_tier") == []


def test_a_price_twenty_percent_above_the_list_is_not_well_above():
    setup = charge_setup()
    program = setup.voucher.program
    params = program.versions.latest("effective_from").params | {
        "price_above_list": "flag"
    }
    version_changed(program=program, params=params, actor=None)
    setup.hold(unit_price=Decimal("15.00"))  # exactly 20% above

    assert found("price_above_list") == []


def test_four_charges_within_the_hour_are_no_burst():
    setup = charge_setup()
    start = timezone.now() - timedelta(days=3)
    for minute in range(4):
        r = setup.hold(quantity=Decimal("1"))
        Redemption.objects.filter(pk=r.pk).update(
            created_at=start + timedelta(minutes=minute)
        )

    assert found("charge_burst") == []


def test_a_voided_invoice_used_again_is_not_the_same_invoice_twice():
    from vouchers.redemption import services as redemption

    setup = charge_setup()
    first = setup.hold(invoice_number="FP-AGAIN")
    redemption.redemption_void(
        redemption=first, provider=setup.provider, reason="录错数量", actor=setup.staff
    )
    setup.hold(invoice_number="FP-AGAIN")

    assert found("same_invoice") == []


# -- the review page uses the same rules -------------------------------------------------


def test_the_review_rules_run_for_one_application():
    provider = ProviderFactory()
    first = ApplicationFactory(
        withdrawn=True, provider=provider, contract_number="HT-9"
    )
    second = ApplicationFactory(
        submitted=True, provider=provider, contract_number="HT-9"
    )
    other = ApplicationFactory(submitted=True)

    assert {f.rule for f in rules.application_findings(second.pk)} == {"same_contract"}
    assert {f.rule for f in rules.application_findings(first.pk)} == {"same_contract"}
    assert rules.application_findings(other.pk) == []


# -- the scan ----------------------------------------------------------------------


def test_a_scan_raises_each_anomaly_once_with_its_event(
    django_capture_on_commit_callbacks,
):
    # given
    same_contract_case()
    used_up_fast_case()

    # when
    scan = services.flags_scan()

    # then
    assert scan.status == FlagScan.Status.DONE
    assert scan.raised == 2
    assert scan.by_rule == {"same_contract": 1, "used_up_fast": 1}
    flags = list(Flag.objects.order_by("rule"))
    assert [f.rule for f in flags] == ["same_contract", "used_up_fast"]
    assert all(f.status == Flag.Status.OPEN for f in flags)
    for flag in flags:
        event = AuditEvent.objects.get(
            action=actions.FLAG_RAISED,
            object_type="audits.flag",
            object_id=str(flag.pk),
        )
        assert event.after["facts"] == flag.facts
    assert AuditEvent.objects.filter(action=actions.FLAGS_SCANNED).count() == 1

    # when: scanned again
    again = services.flags_scan()

    # then: nothing new, and the rerun says so
    assert again.raised == 0
    assert Flag.objects.count() == 2
    assert AuditEvent.objects.filter(action=actions.FLAG_RAISED).count() == 2


def test_a_triaged_flag_is_not_raised_again_but_a_new_member_is_a_new_flag():
    provider = ProviderFactory()
    for _ in range(2):
        ApplicationFactory(withdrawn=True, provider=provider, contract_number="HT-7")
    services.flags_scan()
    flag = Flag.objects.get()
    services.flag_triage(
        flag=flag,
        status=Flag.Status.DISMISSED,
        note="第一份已撤回，属于重新申报。",
        actor=make_role_user(Role.AUDITOR, region="330000"),
    )

    # when: scanned again, then the contract is claimed a third time
    assert services.flags_scan().raised == 0
    ApplicationFactory(submitted=True, provider=provider, contract_number="HT-7")
    assert services.flags_scan().raised == 1

    # then
    flag.refresh_from_db()
    assert flag.status == Flag.Status.DISMISSED
    newest = Flag.objects.exclude(pk=flag.pk).get()
    assert len(newest.facts["applications"]) == 3


def test_a_failing_rule_fails_the_scan_and_raises_nothing(monkeypatch):
    same_contract_case()

    def broken(self, scope):
        raise RuntimeError("boom")
        yield  # pragma: no cover

    monkeypatch.setattr(rules.UsedUpFast, "find", broken)

    scan = services.flags_scan()

    assert scan.status == FlagScan.Status.FAILED
    assert Flag.objects.count() == 0
    assert not AuditEvent.objects.filter(action=actions.FLAG_RAISED).exists()


def test_a_requested_scan_is_audited_and_runs_after_commit(
    django_capture_on_commit_callbacks,
):
    same_contract_case()
    auditor = make_role_user(Role.AUDITOR, region="330000")

    with django_capture_on_commit_callbacks(execute=True):
        scan = services.flag_scan_request(actor=auditor)

    scan.refresh_from_db()
    assert scan.status == FlagScan.Status.DONE
    assert scan.requested_by_label == auditor.email
    assert AuditEvent.objects.filter(
        action=actions.FLAG_SCAN_REQUESTED, actor=auditor
    ).exists()
    assert Flag.objects.count() == 1


# -- triage ---------------------------------------------------------------------------


@pytest.fixture
def flag():
    same_contract_case()
    services.flags_scan()
    return Flag.objects.get()


@pytest.mark.parametrize("status", [Flag.Status.DISMISSED, Flag.Status.CONFIRMED])
def test_an_auditor_triages_an_open_flag_with_a_note(flag, status):
    auditor = make_role_user(Role.AUDITOR, region="330000")

    services.flag_triage(
        flag=flag, status=status, note=" 已核实合同原件。 ", actor=auditor
    )

    flag.refresh_from_db()
    assert (flag.status, flag.note, flag.triaged_by) == (
        status,
        "已核实合同原件。",
        auditor,
    )
    event = AuditEvent.objects.get(
        action=services.TRIAGE_ACTIONS[status], object_id=str(flag.pk)
    )
    assert event.actor == auditor
    assert event.before == {"status": "open"}
    assert event.after == {"status": status, "note": "已核实合同原件。"}


@pytest.mark.parametrize(
    ("who", "status", "note", "code"),
    [
        (Role.AUDITOR, Flag.Status.DISMISSED, "   ", "required"),
        (Role.AUDITOR, Flag.Status.DISMISSED, "长" * 2001, "too_long"),
        (Role.AUDITOR, Flag.Status.OPEN, "重新打开", "invalid"),
        (Role.AUDITOR, "deleted", "删掉", "invalid"),
        (Role.PROGRAM_MANAGER, Flag.Status.DISMISSED, "没问题", "forbidden"),
    ],
)
def test_a_triage_refused_changes_nothing(flag, who, status, note, code):
    actor = make_role_user(who, region="330000" if who == Role.AUDITOR else "330100")
    events = AuditEvent.objects.count()

    with pytest.raises(ApplicationError) as refused:
        services.flag_triage(flag=flag, status=status, note=note, actor=actor)

    assert refused.value.code == code
    flag.refresh_from_db()
    assert flag.status == Flag.Status.OPEN
    assert AuditEvent.objects.count() == events


def test_a_triaged_flag_cannot_be_triaged_again(flag):
    auditor = make_role_user(Role.AUDITOR, region="330000")
    services.flag_triage(
        flag=flag, status=Flag.Status.CONFIRMED, note="属实", actor=auditor
    )

    with pytest.raises(ApplicationError) as refused:
        services.flag_triage(
            flag=flag, status=Flag.Status.DISMISSED, note="改判", actor=auditor
        )

    assert refused.value.code == "transition"
    flag.refresh_from_db()
    assert flag.status == Flag.Status.CONFIRMED


def test_a_flag_of_a_rule_since_removed_still_reads(flag):
    Flag.objects.filter(pk=flag.pk).update(rule="gone_rule")
    flag.refresh_from_db()

    assert flag.text.startswith("gone_rule:")
    assert flag.rule_title == "gone_rule"


def test_the_related_party_flag_uses_the_eligibility_comparison():
    # the provider's legal representative written with a space is the same person
    provider = ProviderFactory(legal_representative="李 四")
    applicant = sme_applicant()
    Enterprise.objects.filter(pk=applicant.memberships.get().enterprise_id).update(
        legal_representative="李四"
    )
    ApplicationFactory(submitted=True, applicant=applicant, provider=provider)

    (finding,) = found("related_party")
    assert finding.facts["shared"] == ["legal_representative"]
