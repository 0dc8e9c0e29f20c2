from django.core.paginator import Paginator
from django.shortcuts import render

from accounts.permissions import role_required
from config.forms import valid_filters

from .forms import EventFilterForm
from .permissions import AUDIT_READERS
from .selectors import audit_event_list


@role_required(*AUDIT_READERS)
def event_list(request):
    form = EventFilterForm(request.GET or None)
    events = audit_event_list(**valid_filters(form))
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(request, "audits/event_list.html", {"form": form, "page": page})
