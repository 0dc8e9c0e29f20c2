"""The reviewers' daily digest (`vouchers.tasks.reviewer_digest`, scheduled
at 08:00): one e-mail to each reviewer with applications new in their queue,
with the count, in the reviewer's language; nothing to the others."""

from datetime import timedelta

import pytest
from celery.schedules import crontab
from django.utils import timezone, translation

from accounts.roles import Role
from config.celery import app as celery_app
from tests.factories import (
    ApplicationFactory,
    ProviderFactory,
    make_role_user,
    sme_applicant,
)
from vouchers.models import Application, Review
from vouchers.review import digest as notifications
from vouchers.review import services as review
from vouchers.tasks import reviewer_digest

pytestmark = pytest.mark.django_db


@pytest.fixture
def queues(hz_program):
    """Two applications waiting at the county (Xihu, an English-speaking
    reviewer), two at the city (Hangzhou, a Chinese-speaking one), and
    reviewers with nothing new: Ningbo (nothing at all), the province (the
    program has no province stage) and Yuhang (only an old one)."""
    applicant = sme_applicant(region="330106")
    county = make_role_user(Role.REVIEWER, region="330106", language="en")
    city = make_role_user(Role.REVIEWER, region="330100", language="zh-hans")
    others = [
        make_role_user(Role.REVIEWER, region=code, language="en")
        for code in ("330200", "330000", "330110")
    ]
    provider = ProviderFactory()
    apps = [
        ApplicationFactory(
            submitted=True,
            program=hz_program,
            applicant=applicant,
            provider=provider,
            amount="100000.00",
        )
        for _n in range(4)
    ]
    for app in apps[2:]:
        review.application_approve(application=app, reviewer=county)
    # Yuhang's reviewer has one waiting since last week: not new.
    stale = ApplicationFactory(
        submitted=True,
        program=hz_program,
        applicant=sme_applicant(region="330110"),
        provider=provider,
        amount="100000.00",
    )
    Application.objects.filter(pk=stale.pk).update(
        submitted_at=timezone.now() - timedelta(days=7)
    )
    return county, city, others


def _age_all(days: int) -> None:
    """Everything submitted and approved ``days`` ago."""
    then = timezone.now() - timedelta(days=days)
    Application.objects.update(submitted_at=then)
    Review.objects.update(decided_at=then)


@pytest.fixture
def rendered(monkeypatch):
    """(template, active language, recipient) of every digest rendered."""
    calls = []
    real = notifications.render_to_string

    def spy(template, context=None, *args, **kwargs):
        if "digest" in template:
            calls.append((template, translation.get_language(), context["user"].email))
        return real(template, context, *args, **kwargs)

    monkeypatch.setattr(notifications, "render_to_string", spy)
    return calls


def test_each_reviewer_with_new_applications_gets_one_email_with_the_count(
    queues, rendered, mailoutbox
):
    # given
    county, city, _others = queues
    mailoutbox.clear()

    # when
    sent = reviewer_digest.delay().get()

    # then: one e-mail each to the two reviewers with new applications
    assert sent == 2
    by_recipient = {tuple(m.to): m for m in mailoutbox}
    assert set(by_recipient) == {(county.email,), (city.email,)}
    english = by_recipient[(county.email,)]
    assert english.subject == "2 applications are waiting in your review queue"
    assert "Since yesterday, 2 applications have come into your review queue." in (
        english.body
    )
    chinese = by_recipient[(city.email,)]
    assert "2" in chinese.subject
    # each rendered in the recipient's own language (the Chinese wording of
    # these messages may not be translated yet, so only the language is checked)
    assert sorted(rendered) == sorted(
        [
            ("vouchers/email/digest_subject.txt", "en", county.email),
            ("vouchers/email/digest_body.txt", "en", county.email),
            ("vouchers/email/digest_subject.txt", "zh-hans", city.email),
            ("vouchers/email/digest_body.txt", "zh-hans", city.email),
        ]
    )
    with translation.override("zh-hans"):
        from django.template.loader import render_to_string

        expected_zh = render_to_string(
            "vouchers/email/digest_subject.txt", {"count": 2, "user": city}
        ).strip()
    assert chinese.subject == expected_zh


def test_reviewers_with_nothing_new_get_nothing(queues, mailoutbox):
    # given
    _county, _city, others = queues
    mailoutbox.clear()

    # when
    reviewer_digest.delay().get()

    # then
    recipients = {address for m in mailoutbox for address in m.to}
    assert not recipients & {u.email for u in others}
    assert len(mailoutbox) == 2


def test_nothing_new_anywhere_sends_nothing(queues, mailoutbox):
    # given: everything waiting has been there for two days
    _age_all(2)
    mailoutbox.clear()

    # when
    sent = reviewer_digest.delay().get()

    # then
    assert sent == 0
    assert mailoutbox == []


def test_an_application_changed_but_waiting_since_before_is_not_new(queues, mailoutbox):
    # given: everything came in two days ago; one of the city's was touched
    # today (a note, a document: its updated_at moves), nothing entered
    _county, _city, _others = queues
    _age_all(2)
    touched = Application.objects.filter(status=Application.Status.IN_REVIEW).first()
    touched.save()  # updated_at is now
    mailoutbox.clear()

    # when
    sent = reviewer_digest.delay().get()

    # then
    assert sent == 0


def test_an_application_approved_at_the_stage_before_is_new_at_the_next(
    queues, mailoutbox
):
    # given: submitted two days ago and approved by the county two days ago,
    # except one the county approved an hour ago: new for the city only
    county, city, _others = queues
    _age_all(2)
    waiting = Application.objects.filter(stage=0).exclude(
        enterprise__region_id="330110"
    )
    review.application_approve(application=waiting.first(), reviewer=county)
    mailoutbox.clear()

    # when
    sent = reviewer_digest.delay().get()

    # then
    assert sent == 1
    [mail] = mailoutbox
    assert mail.to == [city.email]


def test_the_digest_is_scheduled_every_morning_at_eight():
    entry = celery_app.conf.beat_schedule["reviewer-digest"]
    assert entry["task"] == "vouchers.tasks.reviewer_digest" == reviewer_digest.name
    assert entry["schedule"] == crontab(hour=8, minute=0)
    assert celery_app.conf.timezone == "Asia/Shanghai"
