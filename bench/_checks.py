"""Consistency checks of the bench database after a fault: no half-written quote."""

from __future__ import annotations

from typing import Any

from _stack import Stack

CHECKS = {
    "quotes_without_lines": "SELECT count(*) FROM quotes_quote q WHERE NOT EXISTS "
    "(SELECT 1 FROM quotes_quoteline l WHERE l.quote_id = q.id)",
    "quotes_whose_subtotal_is_not_the_sum_of_lines": "SELECT count(*) FROM quotes_quote q "
    "WHERE q.subtotal <> "
    "(SELECT coalesce(sum(l.line_total), 0) FROM quotes_quoteline l WHERE l.quote_id = q.id)",
    "quotes_without_status_record": "SELECT count(*) FROM quotes_quote q WHERE NOT EXISTS "
    "(SELECT 1 FROM quotes_quotestatuschange c WHERE c.quote_id = q.id)",
    "sent_quotes_without_pdf_job_or_link_or_audit": "SELECT count(*) FROM quotes_quote q "
    "WHERE q.status = 'sent' AND (NOT EXISTS "
    "(SELECT 1 FROM quotes_pdfjob j WHERE j.quote_id = q.id) OR NOT EXISTS "
    "(SELECT 1 FROM quotes_sharelink s WHERE s.quote_id = q.id) OR NOT EXISTS "
    "(SELECT 1 FROM ops_auditevent a WHERE a.action = 'quote.sent' "
    "AND a.object_id = q.id::text))",
    "number_gaps (counter - quotes numbered)": "SELECT coalesce(sum(c.last_value), 0) "
    "- (SELECT count(DISTINCT number) FROM quotes_quote) "
    "FROM quotes_quotenumbercounter c",
}


def consistency(stack: Stack) -> dict[str, Any]:
    out: dict[str, Any] = {name: int(stack.sql(sql)) for name, sql in CHECKS.items()}
    out["quotes"] = int(stack.sql("SELECT count(*) FROM quotes_quote"))
    return out


def quotes_exist(stack: Stack, ids: list[int]) -> int:
    """How many of the quotes answered 201 are in the database."""
    if not ids:
        return 0
    id_list = ",".join(map(str, ids))
    return int(stack.sql(f"SELECT count(*) FROM quotes_quote WHERE id IN ({id_list})"))
