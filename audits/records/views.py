"""The records pages and their downloads (auditors and program managers,
read only)."""

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.permissions import role_required
from config.forms import valid_filters

from ..permissions import AUDIT_READERS
from .exports import listing_xlsx
from .forms import RecordFilterForm
from .listings import LISTINGS, Listing
from .services import records_exported


def _listing(kind: str) -> Listing:
    try:
        return LISTINGS[kind]
    except KeyError:
        raise Http404 from None


@role_required(*AUDIT_READERS)
def records(request, kind):
    listing = _listing(kind)
    form = RecordFilterForm(request.GET or None, kind=kind)
    rows = listing.rows(valid_filters(form))
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "listing": listing,
        "listings": LISTINGS.values(),
        "form": form,
        "page": page,
        "totals": listing.totals(rows),
        "headers": [c.title for c in listing.columns],
        "rows": [
            (
                listing.link(obj),
                listing.history(obj),
                [(c.value(obj), c.money) for c in listing.columns],
            )
            for obj in page
        ],
        "query": query.urlencode(),
    }
    return render(request, "audits/records/list.html", context)


@role_required(*AUDIT_READERS)
def records_xlsx(request, kind):
    listing = _listing(kind)
    form = RecordFilterForm(request.GET or None, kind=kind)
    filters = valid_filters(form)
    content, count = listing_xlsx(listing, listing.rows(filters))
    records_exported(actor=request.user, kind=kind, filters=filters, count=count)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{kind}-{stamp}.xlsx"'
    return response
