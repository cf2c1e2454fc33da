"""/api/v1/quotes/: create (from a saved scenario or straight from a workload, with
`Idempotency-Key`), list, retrieve, revise, send (answers the customer's link), and the PDF
document: request it, poll its status, download it.

(A little over 400 lines: every quote endpoint of the API, each a thin view, kept together.)
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http.response import HttpResponseBase
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from apps.core.exceptions import ApplicationError
from apps.quotes import selectors, services
from apps.quotes.choices import PdfJobStatus
from apps.quotes.models import PdfJob, Quote
from apps.quotes.services import storage
from apps.sizing import selectors as sizing_selectors
from apps.sizing.gateway import SizingRefused
from apps.sizing.models import Scenario

from ..errors import ApiError, application_error
from ..idempotency import HEADER
from ..serializers.quotes import (
    DiscountDecisionSerializer,
    PdfJobSerializer,
    QuoteCreateSerializer,
    QuoteDetailSerializer,
    QuoteFilter,
    QuotePatchSerializer,
    QuoteSerializer,
    SendResultSerializer,
)
from ..throttles import ReadWriteThrottle, SizingThrottle
from ..writes import answer_in_transaction, create_once
from .common import query
from .sizing import _int_or_404, _valid, price_book_or_400

IDEMPOTENCY_PARAMETER = OpenApiParameter(
    HEADER,
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="Any unique string (a UUID) per intended quote, kept 24 h per token: a retry "
    "with the same key and body returns the first answer (header "
    "`Idempotent-Replayed: true`) instead of a second quote; the same key with "
    "another body answers 422 `idempotency_key_reused`. Without a key, a retry of the same "
    "body by the same caller within 10 minutes (API_CREATE_RETRY_WINDOW_SECONDS) also answers "
    "the quote it made (`Idempotent-Replayed: true`): a creation whose answer was lost is "
    "never made twice. To make two identical quotes on purpose, send distinct keys.",
)
SQL_BIGINT_MAX = 2**63 - 1


@extend_schema_view(
    list=extend_schema(
        parameters=[QuoteFilter],
        description=(
            "The latest revision of each quote of the caller's organization, newest first."
        ),
    ),
    retrieve=extend_schema(description="One revision, with its lines."),
    create=extend_schema(
        request=QuoteCreateSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={201: QuoteDetailSerializer},
        description="A draft quote (revision A) priced with a price book, from a saved "
        "scenario (`scenario`) or from a workload sized and saved as a new "
        "scenario (`workload`).",
    ),
)
class QuoteViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Quotes of the caller's organization."""

    http_method_names = ["get", "post", "patch", "head", "options"]
    throttle_classes = [ReadWriteThrottle, SizingThrottle]
    engine_actions = {"create"}
    lookup_value_regex = r"[0-9]+"
    extra_error_codes = {
        "create": ["409", "422"],
        "partial_update": ["409"],
        "revise": ["409"],
        "send": ["409"],
        "pdf": ["409"],
        "pdf_download": ["409"],
        "discount_request": ["409"],
        "discount_approve": ["409"],
        "discount_refuse": ["409"],
    }

    def get_serializer_class(self) -> Any:
        return QuoteSerializer if self.action == "list" else QuoteDetailSerializer

    def get_queryset(self) -> QuerySet[Quote]:
        if self.action != "list":
            return selectors.quote_list(self.request.user)
        params = query(self.request, QuoteFilter)
        return selectors.quote_rows(
            self.request.user,
            mine=params.get("mine", False),
            status=params.get("status", ""),
            customer=params.get("customer", ""),
            awaiting_approval=params.get("awaiting_approval", False),
        )

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(QuoteDetailSerializer(_quote_or_404(request, pk)).data)

    def create(self, request: Request) -> Response:
        data = _valid(QuoteCreateSerializer, request.data)
        return create_once(
            request,
            lambda request_id: self._create(request, data, request_id),
            replay=_created,
        )

    def _create(
        self, request: Request, data: dict[str, Any], request_id: str
    ) -> tuple[Response, Quote]:
        book = price_book_or_400(data.get("price_book")) or selectors.default_price_book(
            request.user
        )
        if book is None:
            valid = [b.code for b in selectors.price_books_available()]
            message = (
                f"Name the price book: your organization has no default and several are valid "
                f"today ({', '.join(valid)})."
                if valid
                else "No price book is valid today."
            )
            raise ApiError(400, "validation_error", message, {"price_book": [message]})
        extra: dict[str, Any] = {
            k: data[k] for k in ("valid_until", "discount_percent", "terms", "notes") if k in data
        }
        extra["creation_request"] = request_id
        customer = {k: data[k] for k in ("customer_company", "customer_contact", "customer_email")}
        try:
            if "workload" in data:
                quote = services.quote_create_from_workload(
                    user=request.user,
                    workload=data["workload"],
                    scenario_name=data.get("scenario_name") or "API quote",
                    price_book=book,
                    **customer,
                    **extra,
                )
            else:
                quote = services.quote_create_from_scenario(
                    user=request.user,
                    scenario=_visible_scenario(request, data["scenario"]),
                    price_book=book,
                    **customer,
                    **extra,
                )
        except SizingRefused as exc:
            raise application_error(exc, prefix="workload") from None
        except ApplicationError as exc:
            raise application_error(exc) from None
        return _created(quote), quote

    @extend_schema(
        request=QuotePatchSerializer,
        responses={200: QuoteDetailSerializer},
        description="Change a draft: customer, price book, validity, discounts (overall and "
        "per line by id), terms, notes; fields not given stay as they are. Checked "
        "by the portal's quote form: the same limits and messages. 409 unless the "
        "quote is a draft.",
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        from apps.quotes.forms import QuoteForm

        quote = _quote_or_404(request, pk)
        if not quote.is_editable:
            raise ApiError(
                409, "conflict", "Only a draft can be edited; revise the quote instead.", {}
            )
        if not isinstance(request.data, dict):
            raise ApiError(
                400,
                "validation_error",
                "The body must be a JSON object.",
                {"__all__": ["must be a JSON object"]},
            )
        unknown = sorted(set(request.data) - set(QuotePatchSerializer().fields))
        if unknown:
            raise ApiError(
                400,
                "validation_error",
                f"Not editable: {', '.join(unknown)}.",
                {name: ["Not an editable field of a quote."] for name in unknown},
            )
        patch = _valid(QuotePatchSerializer, request.data)
        form = QuoteForm(_form_data(quote, patch), instance=quote)
        if not form.is_valid():
            raise ApiError(
                400, "validation_error", "Some fields need attention.", _form_errors(form)
            )

        def write() -> Response:
            try:
                updated = services.quote_update(
                    user=request.user,
                    quote=quote,
                    data=form.quote_data(),
                    line_discounts=form.line_discounts(),
                )
            except ApplicationError as exc:
                raise application_error(exc) from None
            return Response(QuoteDetailSerializer(_quote_or_404(request, str(updated.pk))).data)

        return answer_in_transaction(write, what="the draft")

    @extend_schema(
        request=None,
        responses={201: QuoteDetailSerializer},
        description="A new draft revision (B, C, …) of a sent, rejected or expired "
        "quote; the revision revised stays unchanged. 409 otherwise.",
    )
    @action(detail=True, methods=["post"])
    def revise(self, request: Request, pk: str) -> Response:
        quote = _quote_or_404(request, pk)

        def write() -> Response:
            try:
                new = services.quote_revise(user=request.user, quote=quote)
            except ApplicationError as exc:
                raise application_error(exc, status_code=409, code="conflict") from None
            return Response(QuoteDetailSerializer(new).data, status=status.HTTP_201_CREATED)

        return answer_in_transaction(write, what="the new revision")

    @extend_schema(
        request=None,
        responses={200: SendResultSerializer},
        description="Send a draft: it becomes immutable, the PDF document is "
        "requested, the customer is e-mailed the link (by a worker, after the answer), and "
        "the link is answered — only here, once. 409 unless the quote is a draft; "
        "409 `approval_required` when its "
        "effective discount is above the caller's limit and no sales manager approved it "
        "at this total (see `discount/approve/`).",
    )
    @action(detail=True, methods=["post"])
    def send(self, request: Request, pk: str) -> Response:
        quote = _quote_or_404(request, pk)

        def write() -> Response:
            try:
                sent, token = services.quote_send(
                    user=request.user, quote=quote, link_base=request.build_absolute_uri("/")
                )
            except services.ApprovalRequired as exc:
                raise application_error(exc, status_code=409, code="approval_required") from None
            except ApplicationError as exc:
                raise application_error(exc, status_code=409, code="conflict") from None
            share_url = request.build_absolute_uri(f"/q/{token}/")
            body = {"quote": QuoteDetailSerializer(sent).data, "share_url": share_url}
            return Response(body, headers={"Cache-Control": "no-store"})

        return answer_in_transaction(write, what="the sending")

    @extend_schema(
        request=DiscountDecisionSerializer,
        responses={200: QuoteDetailSerializer},
        description="The sender asks a sales manager to approve the draft's discount (an "
        "optional note): the draft is listed for the sales managers "
        "(`GET /quotes/?awaiting_approval=true`), who are e-mailed, until one decides. "
        "Asking again while it waits changes nothing. 409 unless a draft whose effective "
        "discount is above the sender's limit and not yet approved at this total.",
    )
    @action(detail=True, methods=["post"], url_path="discount/request", url_name="discount-request")
    def discount_request(self, request: Request, pk: str) -> Response:
        quote = _quote_or_404(request, pk)
        data = _valid(DiscountDecisionSerializer, request.data)

        def write() -> Response:
            try:
                services.quote_discount_request(
                    user=request.user,
                    quote=quote,
                    note=data.get("note", ""),
                    link_base=request.build_absolute_uri("/"),
                )
            except ApplicationError as exc:
                raise application_error(exc, status_code=409, code="conflict") from None
            quote.refresh_from_db()
            return Response(QuoteDetailSerializer(quote).data)

        return answer_in_transaction(write, what="the request")

    @extend_schema(
        request=DiscountDecisionSerializer,
        responses={200: QuoteDetailSerializer},
        description="A sales manager approves the draft's discount at its current total "
        "(recorded in the history and the audit log). 409 unless a draft; 403-style 409 "
        "for a caller who is not a seller's sales manager.",
    )
    @action(detail=True, methods=["post"], url_path="discount/approve", url_name="discount-approve")
    def discount_approve(self, request: Request, pk: str) -> Response:
        return self._discount(request, pk, services.quote_discount_approve)

    @extend_schema(
        request=DiscountDecisionSerializer,
        responses={200: QuoteDetailSerializer},
        description="A sales manager refuses the draft's discount (it stays a draft and "
        "cannot be sent until approved).",
    )
    @action(detail=True, methods=["post"], url_path="discount/refuse", url_name="discount-refuse")
    def discount_refuse(self, request: Request, pk: str) -> Response:
        return self._discount(request, pk, services.quote_discount_refuse)

    def _discount(self, request: Request, pk: str, decide: Any) -> Response:
        quote = _quote_or_404(request, pk)
        data = _valid(DiscountDecisionSerializer, request.data)

        def write() -> Response:
            try:
                decide(user=request.user, quote=quote, note=data.get("note", ""))
            except ApplicationError as exc:
                raise application_error(exc, status_code=409, code="conflict") from None
            quote.refresh_from_db()
            return Response(QuoteDetailSerializer(quote).data)

        return answer_in_transaction(write, what="the decision")

    @extend_schema(
        methods=["GET"],
        request=None,
        responses={200: PdfJobSerializer},
        description="The PDF document's status (poll until `ready`, then follow "
        "`download_url`); 404 until it was requested.",
    )
    @extend_schema(
        methods=["POST"],
        request=None,
        responses={202: PdfJobSerializer},
        description="Ask for the revision's PDF document (sent quotes only; 409 for "
        "a draft). Asking again answers the same job; a failed job is "
        "queued again.",
    )
    @action(detail=True, methods=["get", "post"])
    def pdf(self, request: Request, pk: str) -> Response:
        quote = _quote_or_404(request, pk)
        if request.method == "GET":
            return Response(PdfJobSerializer(_job_or_404(quote), context={"request": request}).data)
        try:
            job = services.pdf_job_request(user=request.user, quote=quote)
        except ApplicationError as exc:
            raise application_error(exc, status_code=409, code="conflict") from None
        # Not in one transaction with the request: the render is sent on commit, and asking
        # again is harmless (it answers the same job).
        job.refresh_from_db()  # an eager worker may have rendered it already
        return Response(
            PdfJobSerializer(job, context={"request": request}).data,
            status=status.HTTP_202_ACCEPTED,
        )

    @extend_schema(
        request=None,
        responses={(200, "application/pdf"): OpenApiTypes.BINARY},
        description="The PDF document (`Content-Disposition: attachment`). 404 "
        "until requested, 409 `pdf_not_ready` while it renders.",
    )
    @action(detail=True, methods=["get"], url_path="pdf/download", url_name="pdf-download")
    def pdf_download(self, request: Request, pk: str) -> HttpResponseBase:
        quote = _quote_or_404(request, pk)
        job = _job_or_404(quote)
        if job.status != PdfJobStatus.READY or not storage.document_exists(job.file_name):
            raise ApiError(
                409,
                "pdf_not_ready",
                f"The document is not ready (status: {job.status}); poll "
                f"/api/v1/quotes/{quote.pk}/pdf/.",
            )
        response = storage.document_response(job.file_name, f"{quote.number}-{quote.revision}.pdf")
        response["Cache-Control"] = "private, no-store"
        return response


def _created(quote: Quote) -> Response:
    """201 with the quote (built inside the creating transaction: see apps/api/writes.py)."""
    return Response(
        QuoteDetailSerializer(quote).data,
        status=status.HTTP_201_CREATED,
        headers={"Location": f"/api/v1/quotes/{quote.pk}/"},
    )


def _form_data(quote: Quote, patch: dict[str, Any]) -> dict[str, Any]:
    """The portal form's data: the draft's current values with the patch applied."""
    data: dict[str, Any] = {
        "customer_company": quote.customer_company,
        "customer_contact": quote.customer_contact,
        "customer_email": quote.customer_email,
        "price_book": quote.price_book_id,
        "valid_until": quote.valid_until.isoformat(),
        "discount_percent": str(quote.discount_percent),
        "terms": quote.terms,
        "notes": quote.notes,
    }
    data.update({f"line_{line.pk}": str(line.discount_percent) for line in quote.lines.all()})
    for key, value in patch.items():
        if key == "price_book":
            book = price_book_or_400(value)
            data["price_book"] = book.pk if book else ""
        elif key == "lines":
            for item in value:
                name = f"line_{item['id']}"
                if name not in data:
                    raise ApiError(
                        400,
                        "validation_error",
                        f"The quote has no line {item['id']}.",
                        {"lines": [f"No line {item['id']} on this quote."]},
                    )
                data[name] = str(item["discount_percent"])
        else:
            data[key] = str(value)
    return data


def _form_errors(form: Any) -> dict[str, list[str]]:
    """The form's errors under the API's field names (`line_7` → `lines.7.discount_percent`)."""
    out: dict[str, list[str]] = {}
    for name, errors in form.errors.items():
        key = f"lines.{name[5:]}.discount_percent" if name.startswith("line_") else name
        out["__all__" if key == "__all__" else key] = [str(e) for e in errors]
    return out


def _quote_or_404(request: Request, pk: Any) -> Quote:
    return selectors.quote_get_for_user(request.user, _int_or_404(pk))


def _job_or_404(quote: Quote) -> PdfJob:
    job = selectors.pdf_job_for(quote)
    if job is None:
        raise ApiError(
            404, "not_found", "No document was requested for this quote; POST to this URL first."
        )
    return job


def _visible_scenario(request: Request, pk: int) -> Scenario:
    """A scenario named in the body: one the caller may see, else a field error (400)."""
    scenario = (
        sizing_selectors.scenario_list(request.user).filter(pk=pk).first()
        if pk <= SQL_BIGINT_MAX
        else None
    )
    if scenario is None:
        raise ApiError(
            400,
            "validation_error",
            "No such scenario.",
            {"scenario": ["No such scenario in your organization."]},
        )
    return scenario
