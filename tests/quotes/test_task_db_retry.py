"""The render task retries with backoff when the database is away, instead of failing."""

from unittest import mock

import pytest
from django.db import OperationalError

from apps.quotes import services, tasks


class Retried(Exception):
    pass


def test_render_task_retries_with_backoff_when_the_database_is_away() -> None:
    task = tasks.render_quote_pdf
    refused = OperationalError("connection refused")
    with (
        mock.patch.object(services, "pdf_job_run", side_effect=refused),
        mock.patch.object(task, "retry", side_effect=Retried) as retry,
    ):
        with pytest.raises(Retried):
            task.run(42)
    assert retry.call_args.kwargs == {"exc": refused, "countdown": 5}


def test_render_task_returns_the_outcome_when_the_database_answers() -> None:
    task = tasks.render_quote_pdf
    with mock.patch.object(services, "pdf_job_run", return_value=services.RunOutcome("ready")):
        assert task.run(42) == "ready"
