from django.core.paginator import Paginator
from django.shortcuts import render

from accounts.permissions import role_required

from .forms import EventFilterForm
from .permissions import AUDIT_READERS
from .selectors import audit_event_list


@role_required(*AUDIT_READERS)
def event_list(request):
    form = EventFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    events = audit_event_list(**{k: v for k, v in filters.items() if v})
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(request, "audits/event_list.html", {"form": form, "page": page})
