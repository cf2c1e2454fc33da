"""Login and logout pages (Django's auth views with the portal's template), API tokens.

Logout only accepts POST (Django's LogoutView refuses GET), so a link cannot log a user out.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from apps.core.exceptions import ApplicationError
from apps.ops.auth import THROTTLED_ATTR, RateLimitedAuthenticationForm

from . import selectors, services
from .forms import ApiTokenForm
from .types import AuthedRequest


class PortalLoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True
    authentication_form = RateLimitedAuthenticationForm  # says when sign-in is throttled

    def form_invalid(self, form: Any) -> HttpResponse:
        """A throttled sign-in answers 429 with Retry-After (the form says how long)."""
        response = super().form_invalid(form)
        wait = getattr(self.request, THROTTLED_ATTR, 0)
        if wait:
            response.status_code = 429
            response["Retry-After"] = str(wait)
        return response


class PortalLogoutView(auth_views.LogoutView):
    http_method_names = ["post", "options"]


# --- API tokens ------------------------------------------------------------------------------
# A token is shown once, on the page answering the POST that made it (never cached, never
# stored in clear); the list shows only its public prefix.


@login_required
@require_http_methods(["GET", "POST"])
def api_token_list(request: AuthedRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            row, token = services.api_token_create(user=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            form.add_application_error(exc)
        else:
            response = render(request, "accounts/tokens_created.html", {"row": row, "token": token})
            response["Cache-Control"] = "no-store"
            return response
    tokens = selectors.api_tokens_visible(request.user)[:200]
    return render(
        request, "accounts/tokens.html", {"form": form, "tokens": tokens, "now": timezone.now()}
    )


@login_required
@require_POST
def api_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(selectors.api_tokens_visible(request.user), pk=pk)
    services.api_token_revoke(token=token)
    messages.success(request, f"Token “{token.name}” revoked; it no longer works.")
    return redirect("accounts:tokens")
