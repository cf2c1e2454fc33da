"""Pages of a long list (scenarios, quotes): a count query and one page of rows, whatever the
number of rows. A page number that does not exist is said so, never replaced by another."""

from __future__ import annotations

from typing import Any

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator

PER_PAGE = 50


def page_context(rows: Any, raw_page: str | None, *, per_page: int = PER_PAGE) -> dict[str, Any]:
    """`page_obj` (the requested page, None if it does not exist) and `page_error` (why)."""
    paginator = Paginator(rows, per_page)
    try:
        return {"page_obj": paginator.page(raw_page or 1), "page_error": ""}
    except PageNotAnInteger:
        error = f"Page must be a whole number from 1 to {paginator.num_pages}."
    except EmptyPage:
        error = f"There is no page {raw_page}: pages run from 1 to {paginator.num_pages}."
    return {"page_obj": None, "page_error": error}
