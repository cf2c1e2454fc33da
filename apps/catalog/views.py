"""Catalog pages: the part browser (one URL: full page, or the table partial for htmx) and
the GPU comparison table. Views only translate; reads live in `selectors`."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import EmptyPage, Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from apps.core.htmx import is_htmx

from . import selectors
from .forms import PartFilterForm

PARTS_PER_PAGE = 50


@login_required
def part_list(request: HttpRequest) -> HttpResponse:
    form = PartFilterForm(request.GET)
    context: dict[str, Any] = {"form": form, "page_obj": None}
    if form.is_valid():
        context.update(_part_page(form))
    template = "catalog/partials/part_table.html" if is_htmx(request) else "catalog/part_list.html"
    return render(request, template, context)


def _part_page(form: PartFilterForm) -> dict[str, Any]:
    """The requested page of parts with their prices; an out-of-range page is a form error."""
    data = form.cleaned_data
    parts = selectors.part_list(search=data["q"].strip(), category=data["category"])
    paginator = Paginator(parts, PARTS_PER_PAGE)
    try:
        page: Page = paginator.page(data["page"] or 1)
    except EmptyPage:
        form.add_error("page", f"There are only {paginator.num_pages} page(s) of results.")
        return {}
    book = selectors.price_book_current()
    prices = selectors.prices_for_parts(book, [p.pk for p in page]) if book else {}
    rows = [(part, prices.get(part.pk)) for part in page]
    return {"page_obj": page, "rows": rows, "book": book}


@login_required
def gpu_compare(request: HttpRequest) -> HttpResponse:
    return render(request, "catalog/gpu_compare.html", {"gpus": selectors.gpu_list()})
