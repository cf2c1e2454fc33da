"""Writes of the quotes app, one module per concern:

- `numbering`: quote numbers and revision letters;
- `pricing`: the BoM priced into lines, discounts, totals;
- `discounts`: the discount policy (limits per role and organization, manager approval);
- `lifecycle`: create, edit, send, revise, the customer's decision, expiry (the state machine);
- `share_links`: the customer's links;
- `emails`: the customer's e-mail with the link, sent by a worker;
- `pdf_jobs`: the document's render jobs (Celery) and the sweeper;
- `storage`: where documents live and how they are written.

Everything callers use is re-exported here: `from apps.quotes import services` keeps working.
"""

from .discounts import (
    ApprovalRequired,
    approval_status,
    discount_limit,
    effective_discount,
    is_seller_manager,
    quote_discount_approve,
    quote_discount_refuse,
    quote_discount_request,
)
from .emails import approval_request_email_send, link_email_send, share_url
from .lifecycle import (
    DEFAULT_TERMS,
    DEFAULT_VALIDITY_DAYS,
    EDITABLE_FIELDS,
    MAX_VALIDITY_DAYS,
    REVISABLE,
    quote_accept,
    quote_create_from_scenario,
    quote_create_from_workload,
    quote_reject,
    quote_revise,
    quote_send,
    quote_update,
    quotes_expire_due,
)
from .numbering import next_revision_letter, quote_number_next
from .pdf_jobs import (
    RunOutcome,
    pdf_job_record_error,
    pdf_job_request,
    pdf_job_run,
    pdf_jobs_requeue_stale,
    pdf_max_attempts,
)
from .pricing import MAX_LINES
from .share_links import SHARE_LINK_GRACE_DAYS, share_link_create, share_link_revoke
from .storage import document_relpath

__all__ = [
    "approval_request_email_send",
    "link_email_send",
    "share_url",
    "ApprovalRequired",
    "approval_status",
    "discount_limit",
    "effective_discount",
    "is_seller_manager",
    "quote_discount_approve",
    "quote_discount_refuse",
    "quote_discount_request",
    "DEFAULT_TERMS",
    "DEFAULT_VALIDITY_DAYS",
    "EDITABLE_FIELDS",
    "MAX_LINES",
    "MAX_VALIDITY_DAYS",
    "REVISABLE",
    "SHARE_LINK_GRACE_DAYS",
    "RunOutcome",
    "document_relpath",
    "next_revision_letter",
    "pdf_job_record_error",
    "pdf_job_request",
    "pdf_job_run",
    "pdf_jobs_requeue_stale",
    "pdf_max_attempts",
    "quote_accept",
    "quote_create_from_scenario",
    "quote_create_from_workload",
    "quote_number_next",
    "quote_reject",
    "quote_revise",
    "quote_send",
    "quote_update",
    "quotes_expire_due",
    "share_link_create",
    "share_link_revoke",
]
