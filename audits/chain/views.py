"""The chain page: its state, checks and checkpoints (managers, auditors)."""

import csv
from datetime import timedelta

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import role_required

from ..permissions import AUDIT_READERS
from . import selectors, services
from .forms import VerifyRangeForm


def _page(request, form=None, status=200):
    verifications = list(selectors.verification_list()[:10])
    context = {
        "status": selectors.chain_status(),
        "verifications": verifications,
        # refresh while a check runs; one "running" for an hour is a dead
        # worker, not a reason to reload forever
        "running": any(
            v.status == v.Status.RUNNING
            and v.requested_at > timezone.now() - timedelta(hours=1)
            for v in verifications
        ),
        "checkpoints": selectors.checkpoint_list()[:20],
        "form": form or VerifyRangeForm(),
    }
    return render(request, "audits/chain.html", context, status=status)


@role_required(*AUDIT_READERS)
def chain(request):
    return _page(request)


@role_required(*AUDIT_READERS)
@require_POST
def verify(request):
    form = VerifyRangeForm(request.POST)
    if not form.is_valid():
        return _page(request, form, status=400)
    services.chain_verification_request(
        actor=request.user,
        first=form.cleaned_data["first"] or 1,
        last=form.cleaned_data["last"],
    )
    messages.success(
        request, _("The check has started; this page shows its result when done.")
    )
    return redirect("audits:chain")


@role_required(*AUDIT_READERS)
@require_POST
def checkpoint(request):
    taken = services.chain_checkpoint_request(actor=request.user)
    if taken is None:
        messages.info(
            request, _("No new events since the last checkpoint: none was taken.")
        )
    else:
        messages.success(
            request,
            _("Checkpoint taken at position %(seq)s.") % {"seq": f"{taken.seq:,}"},
        )
    return redirect("audits:chain")


@role_required(*AUDIT_READERS)
def checkpoints_download(request):
    """Every checkpoint as CSV, for a copy kept outside the system; the file
    ``audit_verify --checkpoints`` reads back."""
    rows = list(
        selectors.checkpoint_list().values_list(
            "seq", "algorithm", "hash", "taken_at", "taken_by_label"
        )
    )
    services.chain_checkpoints_exported(actor=request.user, count=len(rows))
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="audit-checkpoints-{stamp}.csv"'
    )
    writer = csv.writer(response)
    writer.writerow(["position", "algorithm", "head_hash", "taken_at", "taken_by"])
    for seq, algorithm, digest, taken_at, by in reversed(rows):
        writer.writerow([seq, algorithm, digest, taken_at.isoformat(), by])
    return response
