from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .forms import LanguageForm, ProfileForm
from .services import user_update_profile


def _set_language_cookie(response, language):
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=365 * 24 * 3600,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        secure=getattr(settings, "LANGUAGE_COOKIE_SECURE", False),
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
    )


@login_required
def profile(request):
    """The user's own profile: name and preferred language."""
    user = request.user
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            user_update_profile(user=user, **form.cleaned_data)
            translation.activate(user.language)
            messages.success(request, _("Your profile has been saved."))
            response = redirect("accounts:profile")
            _set_language_cookie(response, user.language)
            return response
    else:
        form = ProfileForm(
            initial={"full_name": user.full_name, "language": user.language}
        )
    memberships = user.memberships.select_related(
        "enterprise", "provider", "department"
    )
    return render(
        request, "accounts/profile.html", {"form": form, "memberships": memberships}
    )


@require_POST
def set_language(request):
    """Switch the interface language; a signed-in user's choice is kept."""
    form = LanguageForm(request.POST)
    form.is_valid()
    # An unusable ``next`` (another host, too long) only means going home.
    target = form.cleaned_data.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    if "language" not in form.cleaned_data:
        messages.error(request, _("That language is not available."))
        return redirect(target)
    language = form.cleaned_data["language"]
    if request.user.is_authenticated:
        user_update_profile(
            user=request.user, full_name=request.user.full_name, language=language
        )
    response = redirect(target)
    _set_language_cookie(response, language)
    return response


def legal(request, document: str):
    """The user agreement or the privacy notice, in the reader's language,
    with the version a sign-up accepts (accounts.legal)."""
    from django.http import Http404
    from django.utils.translation import get_language

    from .legal import VERSIONS, template_for
    from .models import Consent

    if document not in VERSIONS:
        raise Http404
    return render(
        request,
        template_for(document, get_language()),
        {
            "document": document,
            "title": Consent.Document(document).label,
            "version": VERSIONS[document],
            "site_name": settings.SITE_NAME,
            "contact": settings.SUPPORT_CONTACT,
        },
    )
