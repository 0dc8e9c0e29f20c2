"""`manage.py decision_reexplain ID [ID ...] [--application NUMBER] [--language en]`:
stored decisions made again under the program version they used, printed
beside what was stored; exits non-zero when any differs."""

from __future__ import annotations

import unicodedata

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone, translation

from vouchers.eligibility.explain import side_by_side
from vouchers.eligibility.records import (
    APPLICATION_SUBJECT,
    Reexplanation,
    decision_reexplain,
)
from vouchers.models import Application, EligibilityDecision

AGREES, DIFFERS = "agrees", "DIFFERS"


def _mark(agrees: bool) -> str:
    return AGREES if agrees else DIFFERS


def _columns(text: str) -> int:
    """How many terminal columns ``text`` takes (Chinese characters two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _left(text, width: int) -> str:
    text = str(text)
    return text + " " * max(width - _columns(text), 0)


def _right(text, width: int) -> str:
    text = str(text)
    return " " * max(width - _columns(text), 0) + text


def _rule_outcome(row: dict | None) -> str:
    return "—" if row is None else str(row["outcome_label"])


class Command(BaseCommand):
    help = (
        "Re-explain stored eligibility decisions: run each again with its stored "
        "facts, program version and free budget, print it beside what was stored "
        "(outcome, rate, subsidy, every rule, every step of the calculation) and "
        "exit non-zero if any differs."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "ids", nargs="*", type=int, metavar="ID", help="decision ids"
        )
        parser.add_argument(
            "--application",
            action="append",
            default=[],
            metavar="NUMBER",
            help="every stored screening of this application (repeatable)",
        )
        parser.add_argument(
            "--language",
            default="en",
            choices=["en", "zh-hans"],
            help="language of the rule titles and reasons (default en)",
        )

    def handle(self, *args, ids, application, language, **options):
        decisions = self._decisions(ids, application)
        differing = []
        with translation.override(language):
            for decision in decisions:
                again = decision_reexplain(decision)
                self._print(decision, again)
                if not again.matches:
                    differing.append(decision.pk)
        total = len(decisions)
        if differing:
            raise CommandError(
                f"{len(differing)} of {total} decision(s) differ from their "
                f"re-explanation: {', '.join(str(pk) for pk in differing)}."
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"{total} decision(s) re-explained: each agrees with what was stored."
            )
        )

    def _decisions(self, ids, numbers) -> list[EligibilityDecision]:
        """The decisions named, each once, in the order given; unknown ids or
        application numbers are refused before anything is printed."""
        if not ids and not numbers:
            raise CommandError("Give decision ids or --application NUMBER.")
        query = EligibilityDecision.objects.select_related("program_version__program")
        found = query.in_bulk(ids)
        unknown = [str(pk) for pk in ids if pk not in found]
        if unknown:
            raise CommandError(f"No decision with id {', '.join(unknown)}.")
        wanted = list(dict.fromkeys(ids))
        for number in numbers:
            app = Application.objects.filter(number=number.strip()).first()
            if app is None:
                raise CommandError(f"No application numbered {number!r}.")
            screenings = list(
                query.filter(
                    subject_type=APPLICATION_SUBJECT, subject_id=str(app.pk)
                ).order_by("pk")
            )
            if not screenings:
                raise CommandError(f"Application {number} has no stored decision.")
            found.update({d.pk: d for d in screenings})
            wanted += [d.pk for d in screenings if d.pk not in wanted]
        return [found[pk] for pk in wanted]

    def _print(self, decision: EligibilityDecision, again: Reexplanation) -> None:
        out = self.stdout.write
        version = decision.program_version
        out(
            f"Decision {decision.pk}: {decision.subject_type} {decision.subject_id}, "
            f"{version.program.code} v{version.number}, engine "
            f"{decision.engine_version}, decided {timezone.localtime(decision.decided_at):%Y-%m-%d %H:%M}"
        )
        rows = side_by_side(decision.result, again.again_json)
        labels = [str(r["label"]) for r in rows["summary"] + rows["steps"]]
        labels += [str(r["title"]) for r in rows["rules"]]
        width = max(map(_columns, labels)) + 2
        values = [r[k] for r in rows["summary"] for k in ("stored", "again")]
        values += [r[k] for r in rows["steps"] for k in ("stored_text", "again_text")]
        values += [
            _rule_outcome(r[k]) for r in rows["rules"] for k in ("stored", "again")
        ]
        value = max(map(_columns, [*values, "stored"])) + 2

        def line(indent: int, label, stored: str, made_again: str, mark: str) -> None:
            out(
                " " * indent
                + _left(label, width - indent)
                + _right(stored, value)
                + _right(made_again, value)
                + f"  {mark}".rstrip()
            )

        line(2, "", "stored", "again", "")
        for row in rows["summary"]:
            line(2, row["label"], row["stored"], row["again"], _mark(row["agrees"]))
        out("  rules:")
        for row in rows["rules"]:
            line(
                4,
                row["title"],
                _rule_outcome(row["stored"]),
                _rule_outcome(row["again"]),
                _mark(row["agrees"]),
            )
            if not row["agrees"]:
                for side in ("stored", "again"):
                    reason = row[side]["reason"] if row[side] else "—"
                    out(f"      {side}: {reason}")
        out("  calculation:")
        if not rows["steps"]:
            out("    (none: no contract)")
        for row in rows["steps"]:
            line(
                4,
                row["label"],
                row["stored_text"],
                row["again_text"],
                _mark(row["agrees"]),
            )
            if not row["agrees"]:
                for side in ("stored", "again"):
                    step = row[side]
                    basis = (
                        " ".join(t for t in (step["basis"], step["citation"]) if t)
                        if step
                        else "—"
                    )
                    out(f"      {side}: {basis}")
        if again.matches:
            out(f"  => {AGREES}")
        else:
            out(f"  => {DIFFERS}: {', '.join(again.differences)}")
