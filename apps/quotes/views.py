"""Views of the quotes app: translate HTTP to selectors/services and back, nothing more.

(Longer than ~400 lines on purpose: the quote pages of the portal and the customer's share
pages, each a thin view.)

Access checks live in `selectors.quote_get_for_user` (404 across tenants); the customer's
share-link views resolve their token through `selectors.share_link_resolve` (404 for unknown,
expired or revoked tokens) and answer with same-origin referrer / no-store headers.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.types import AuthedRequest
from apps.core import ratelimit
from apps.core.exceptions import ApplicationError
from apps.core.htmx import is_htmx
from apps.core.pagination import page_context
from apps.ops.context import client_ip
from apps.sizing import adapters as sizing_adapters
from apps.sizing.gateway import SizingRefused
from apps.sizing.selectors import scenario_get_for_user
from apps.sizing.wizard import WizardForm

from . import selectors, services
from .forms import AcceptForm, QuoteFilterForm, QuoteForm, RejectForm
from .models import PdfJob, Quote, ShareLink
from .services import storage

# Wrong share tokens per client address, and decisions (accept/reject posts) per link, in the
# shared cache (apps.core.ratelimit): only misses count, so a valid link always opens.
SHARE_MISSES = ratelimit.Limit("share-miss", 30, 600)
SHARE_DECISIONS = ratelimit.Limit("share-decision", 20, 600)


@login_required
@require_GET
def quote_list(request: HttpRequest) -> HttpResponse:
    form = QuoteFilterForm(request.GET or None, user=request.user)
    filters = form.cleaned_data if form.is_valid() else {}
    quotes = selectors.quote_rows(
        request.user,
        mine=filters.get("scope") == "mine",
        status=filters.get("status", ""),
        customer=filters.get("customer", ""),
        awaiting_approval=filters.get("scope") == "awaiting",
    )
    paged = page_context(quotes, request.GET.get("page"))
    template = "quotes/partials/quote_table.html" if is_htmx(request) else "quotes/list.html"
    context = {
        "form": form,
        "quotes": paged["page_obj"] or [],
        "awaiting_count": selectors.awaiting_approval_count(request.user),
        **paged,
    }
    return render(request, template, context)


@login_required
@require_http_methods(["GET", "POST"])
def quote_create_from_scenario(request: AuthedRequest, scenario_id: int) -> HttpResponse:
    scenario = scenario_get_for_user(request.user, scenario_id)
    form = QuoteForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            quote = services.quote_create_from_scenario(
                user=request.user, scenario=scenario, **form.quote_data()
            )
        except ApplicationError as exc:
            form.add_application_error(exc)
        else:
            messages.success(request, f"Quote {quote.reference} created as a draft.")
            return redirect("quotes:detail", pk=quote.pk)
    return render(request, "quotes/form.html", {"form": form, "scenario": scenario})


@login_required
@require_http_methods(["GET", "POST"])
def quote_create_from_workload(request: HttpRequest) -> HttpResponse:
    """ "Quote this workload" from the wizard: the wizard's save box posts its state here and
    is sent on to this page (GET `?query=…&name=…`), which asks for the customer; its POST
    (`step=quote`) sizes the workload, saves the scenario and creates the draft quote in one
    transaction (`services.quote_create_from_workload`)."""
    source = request.POST if request.method == "POST" else request.GET
    query, name = source.get("query", ""), source.get("name", "")[:200]
    if request.method == "POST" and source.get("step") != "quote":
        url = (
            f"{reverse('quotes:create_from_workload')}?{urlencode({'query': query, 'name': name})}"
        )
        if is_htmx(request):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = url
            return response
        return redirect(url)
    wizard = WizardForm.from_query(QueryDict(query), catalog=sizing_adapters.catalog_snapshot())
    form = QuoteForm(request.POST if request.method == "POST" else None, user=request.user)
    if not wizard.is_valid():
        form.add_error(None, "The workload has errors; fix them in the wizard first.")
    elif request.method == "POST" and form.is_valid():
        try:
            quote = services.quote_create_from_workload(
                user=request.user,
                workload=wizard.workload(),
                scenario_name=name.strip() or "Quoted workload",
                **form.quote_data(),
            )
        except SizingRefused as exc:
            form.add_error(None, exc.message)
            for messages_ in exc.field_errors.values():
                for message in messages_:
                    form.add_error(None, message)
        except ApplicationError as exc:
            form.add_application_error(exc)
        else:
            messages.success(
                request, f"Scenario “{quote.scenario}” saved; quote {quote.reference} created."
            )
            return redirect("quotes:detail", pk=quote.pk)
    context = {
        "form": form,
        "workload_query": query,
        "scenario_name": name,
        "wizard_url": f"{reverse('sizing:wizard')}?{query}",
    }
    return render(request, "quotes/form.html", context)


@login_required
@require_GET
def quote_detail(request: HttpRequest, pk: int) -> HttpResponse:
    quote = selectors.quote_get_for_user(request.user, pk)
    return render(request, "quotes/detail.html", _detail_context(quote, request.user))


def _detail_context(quote: Quote, user: Any = None, **extra: Any) -> dict[str, Any]:
    is_latest = not Quote.objects.filter(previous=quote).exists()
    return {
        "quote": quote,
        "sections": selectors.quote_sections(quote),
        "revisions": selectors.quote_revisions(quote),
        "history": quote.status_changes.select_related("changed_by"),
        "job": selectors.pdf_job_for(quote),
        "links": selectors.share_links_for(quote),
        "is_latest": is_latest,
        "can_revise": is_latest and quote.status in services.REVISABLE,
        "approval": services.approval_status(quote, user) if user and quote.is_editable else None,
        "can_approve": services.is_seller_manager(user)
        and quote.is_editable
        and getattr(user, "pk", None) != quote.owner_id,
        **extra,
    }


@login_required
@require_http_methods(["GET", "POST"])
def quote_edit(request: HttpRequest, pk: int) -> HttpResponse:
    quote = selectors.quote_get_for_user(request.user, pk)
    if not quote.is_editable:
        messages.error(request, "Only a draft can be edited; revise the quote instead.")
        return redirect("quotes:detail", pk=quote.pk)
    form = QuoteForm(request.POST or None, instance=quote)
    if request.method == "POST" and form.is_valid():
        try:
            services.quote_update(
                user=request.user,
                quote=quote,
                data=form.quote_data(),
                line_discounts=form.line_discounts(),
            )
        except ApplicationError as exc:
            form.add_application_error(exc)
        else:
            messages.success(request, "Quote saved.")
            return redirect("quotes:detail", pk=quote.pk)
    return render(
        request, "quotes/form.html", {"form": form, "quote": quote, "scenario": quote.scenario}
    )


@login_required
@require_POST
def quote_send(request: HttpRequest, pk: int) -> HttpResponse:
    quote = selectors.quote_get_for_user(request.user, pk)
    try:
        quote, token = services.quote_send(
            user=request.user, quote=quote, link_base=request.build_absolute_uri("/")
        )
    except ApplicationError as exc:
        return _refused(request, quote, exc)
    return _show_new_link(request, quote, token, emailed=True)


def _show_new_link(
    request: HttpRequest, quote: Quote, token: str, emailed: bool = False
) -> HttpResponse:
    # The token is shown once, in this response; only its hash is stored.
    share_url = request.build_absolute_uri(f"/q/{token}/")
    context = {"quote": quote, "share_url": share_url, "emailed": emailed}
    response = render(request, "quotes/link_created.html", context)
    response["Cache-Control"] = "no-store"
    return response


def _refused(request: HttpRequest, quote: Quote, exc: ApplicationError) -> HttpResponse:
    errors = [m for msgs in exc.field_errors.values() for m in msgs] or [exc.message]
    context = _detail_context(quote, request.user, action_errors=errors)
    return render(request, "quotes/detail.html", context, status=409)


@login_required
@require_POST
def quote_discount_request(request: HttpRequest, pk: int) -> HttpResponse:
    """The sender asks a sales manager to approve the draft's discount (optional note)."""
    quote = selectors.quote_get_for_user(request.user, pk)
    try:
        services.quote_discount_request(
            user=request.user,
            quote=quote,
            note=request.POST.get("note", "")[:2000],
            link_base=request.build_absolute_uri("/"),
        )
    except ApplicationError as exc:
        return _refused(request, quote, exc)
    messages.success(
        request, f"Approval of {quote.reference}'s discount requested: the sales managers are told."
    )
    return redirect("quotes:detail", pk=quote.pk)


@login_required
@require_POST
def quote_discount_decide(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    """A sales manager approves or refuses a draft's discount (with an optional note)."""
    if decision not in {"approve", "refuse"}:
        raise Http404("no such decision")
    quote = selectors.quote_get_for_user(request.user, pk)
    decide = (
        services.quote_discount_approve if decision == "approve" else services.quote_discount_refuse
    )
    try:
        decide(user=request.user, quote=quote, note=request.POST.get("note", "")[:2000])
    except ApplicationError as exc:
        return _refused(request, quote, exc)
    verb = "approved" if decision == "approve" else "refused"
    messages.success(request, f"Discount of {quote.reference} {verb}.")
    return redirect("quotes:detail", pk=quote.pk)


@login_required
@require_POST
def quote_revise(request: HttpRequest, pk: int) -> HttpResponse:
    quote = selectors.quote_get_for_user(request.user, pk)
    try:
        new = services.quote_revise(user=request.user, quote=quote)
    except ApplicationError as exc:
        return _refused(request, quote, exc)
    messages.success(
        request, f"Revision {new.revision} created as a draft; {quote.reference} is unchanged."
    )
    return redirect("quotes:edit", pk=new.pk)


@login_required
@require_POST
def share_link_create(request: HttpRequest, pk: int) -> HttpResponse:
    quote = selectors.quote_get_for_user(request.user, pk)
    try:
        _link, token = services.share_link_create(user=request.user, quote=quote)
    except ApplicationError as exc:
        return _refused(request, quote, exc)
    return _show_new_link(request, quote, token)


@login_required
@require_POST
def share_link_revoke(request: HttpRequest, pk: int, link_id: int) -> HttpResponse:
    quote = selectors.quote_get_for_user(request.user, pk)
    link = selectors.share_links_for(quote).filter(pk=link_id).first()
    if link is None:
        raise Http404("no such link")
    services.share_link_revoke(user=request.user, link=link)
    messages.success(request, "Link revoked.")
    return redirect("quotes:detail", pk=quote.pk)


# ----------------------------------------------------------------------------------------------
# The PDF document


def _pdf_status(
    request: HttpRequest, quote: Quote, job: PdfJob | None, status: int = 200
) -> HttpResponse:
    return render(
        request, "quotes/partials/pdf_status.html", {"quote": quote, "job": job}, status=status
    )


@login_required
@require_POST
def pdf_request(request: HttpRequest, pk: int) -> HttpResponse:
    quote = selectors.quote_get_for_user(request.user, pk)
    try:
        job = services.pdf_job_request(user=request.user, quote=quote)
    except ApplicationError as exc:
        if is_htmx(request):
            return render(
                request,
                "quotes/partials/pdf_status.html",
                {"quote": quote, "job": None, "error": exc.message},
                status=409,
            )
        return _refused(request, quote, exc)
    if is_htmx(request):
        return _pdf_status(request, quote, job)
    return redirect("quotes:detail", pk=quote.pk)


@login_required
@require_GET
def pdf_status(request: HttpRequest, pk: int) -> HttpResponse:
    quote = selectors.quote_get_for_user(request.user, pk)
    return _pdf_status(request, quote, selectors.pdf_job_for(quote))


def _pdf_file_response(job: PdfJob | None) -> HttpResponseBase:
    """The document from the documents storage (streamed, or a signed-URL redirect)."""
    if job is None or job.status != "ready" or not job.file_name:
        raise Http404("the document is not ready")
    if not storage.document_exists(job.file_name):
        raise Http404("the document is not ready")
    quote = job.quote
    return storage.document_response(job.file_name, f"{quote.number}-{quote.revision}.pdf")


@login_required
@require_GET
def pdf_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    quote = selectors.quote_get_for_user(request.user, pk)
    response = _pdf_file_response(selectors.pdf_job_for(quote))
    response["Cache-Control"] = "private, no-store"
    return response


# ----------------------------------------------------------------------------------------------
# The customer's share link (no login)


def share_headers(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """`Referrer-Policy: same-origin` and no-store on every share-link response, 404s included.

    Same-origin, not no-referrer: under no-referrer a browser posts the page's own Accept and
    Reject forms with `Origin: null`, which CSRF protection refuses (403). Same-origin keeps
    the token out of the Referer of any other site while the portal's own POSTs carry their
    origin."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            response = view(request, *args, **kwargs)
        except Http404:
            response = render(request, "quotes/share/not_found.html", status=404)
        response["Referrer-Policy"] = "same-origin"
        response["Cache-Control"] = "no-store"
        response["X-Robots-Tag"] = "noindex"
        return response

    return wrapper


def _resolve(request: HttpRequest, token: str) -> ShareLink:
    """The link for the token, or 404; after too many misses from one client address (the
    address behind trusted proxies), 429 for its further misses. Misses only are counted:
    a valid link opens whoever else guessed from the same address."""
    link = selectors.share_link_resolve(token)
    if link is None:
        wait = ratelimit.hit(SHARE_MISSES, client_ip(request) or "unknown")
        if wait is not None:
            raise TooManyAttempts(wait)
        raise Http404("unknown link")
    return link


class TooManyAttempts(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


def _too_many(request: HttpRequest, exc: TooManyAttempts, what: str) -> HttpResponseBase:
    response = render(
        request,
        "quotes/share/too_many.html",
        {
            "what": what,
            "wait": ratelimit.wait_message(exc.retry_after),
            "misses": request.method != "POST",
        },
        status=429,
    )
    response["Retry-After"] = str(exc.retry_after)
    return response


def _share_context(link: ShareLink, **extra: Any) -> dict[str, Any]:
    quote = link.quote
    return {
        "quote": quote,
        "link": link,
        "token_path": extra.pop("token_path"),
        "sections": selectors.quote_sections(quote),
        "job": selectors.pdf_job_for(quote),
        "accept_form": extra.pop("accept_form", None) or AcceptForm(auto_id="accept_%s"),
        "reject_form": extra.pop("reject_form", None) or RejectForm(auto_id="reject_%s"),
        **extra,
    }


def _share_view(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    @share_headers
    @functools.wraps(view)
    def wrapper(request: HttpRequest, token: str) -> HttpResponseBase:
        try:
            link = _resolve(request, token)
            if request.method == "POST":
                wait = ratelimit.hit(SHARE_DECISIONS, f"link:{link.pk}")
                if wait is not None:
                    raise TooManyAttempts(wait)
        except TooManyAttempts as exc:
            what = "decisions sent through this link" if request.method == "POST" else "wrong links"
            return _too_many(request, exc, what)
        return view(request, link, f"/q/{token}/")

    return wrapper


@_share_view
@require_GET
def share_summary(request: HttpRequest, link: ShareLink, token_path: str) -> HttpResponse:
    return render(request, "quotes/share/summary.html", _share_context(link, token_path=token_path))


@_share_view
@require_GET
def share_pdf(request: HttpRequest, link: ShareLink, token_path: str) -> HttpResponseBase:
    return _pdf_file_response(selectors.pdf_job_for(link.quote))


@_share_view
@require_POST
def share_accept(request: HttpRequest, link: ShareLink, token_path: str) -> HttpResponse:
    form = AcceptForm(request.POST, auto_id="accept_%s")
    if form.is_valid():
        try:
            services.quote_accept(link=link, name=form.cleaned_data["name"])
        except ApplicationError as exc:
            form.add_error(
                "name" if "name" in exc.field_errors else None,
                "; ".join(m for ms in exc.field_errors.values() for m in ms) or exc.message,
            )
        else:
            return redirect(token_path)
    link.quote.refresh_from_db()
    context = _share_context(link, token_path=token_path, accept_form=form)
    return render(request, "quotes/share/summary.html", context, status=400)


@_share_view
@require_POST
def share_reject(request: HttpRequest, link: ShareLink, token_path: str) -> HttpResponse:
    form = RejectForm(request.POST, auto_id="reject_%s")
    if form.is_valid():
        try:
            services.quote_reject(
                link=link, name=form.cleaned_data["name"], reason=form.cleaned_data["reason"]
            )
        except ApplicationError as exc:
            form.add_error(
                None, "; ".join(m for ms in exc.field_errors.values() for m in ms) or exc.message
            )
        else:
            return redirect(token_path)
    link.quote.refresh_from_db()
    context = _share_context(link, token_path=token_path, reject_form=form)
    return render(request, "quotes/share/summary.html", context, status=400)
