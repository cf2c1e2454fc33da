"""How long "Send" takes on the embedded default (issue 13: under 500 ms), and that the
customer's e-mail and the PDF come after the answer.

Starts the embedded default as it runs (tests/quotes/embedded.py: a file SQLite database in a
temporary directory, gunicorn with 2 workers, config.settings.local: tasks eager in a
background thread, e-mails to a file outbox), creates --quotes draft quotes through the API,
sends them one after the other and prints the send latency (min, median, max) against the
500 ms target, then how long the outbox and the PDF documents took to follow.

    .venv/bin/python bench/bench_send.py [--quotes 10]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.quotes.embedded import embedded_server  # noqa: E402

TARGET_S = 0.5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quotes", type=int, default=10)
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as tmp,
        embedded_server(Path(tmp), settings_module="config.settings.local", workers=2) as portal,
    ):
        ids = []
        for n in range(args.quotes + 1):
            code, body = portal.create_quote(f"Bench {n}")
            assert code == 201, body
            ids.append(body["id"])
        portal.call("POST", f"/api/v1/quotes/{ids.pop(0)}/send/")  # warm-up
        latencies = []
        sent_at = time.perf_counter()
        for quote_id in ids:
            started = time.perf_counter()
            code, body = portal.call("POST", f"/api/v1/quotes/{quote_id}/send/")
            latencies.append(time.perf_counter() - started)
            assert code == 200, body
        while not portal.outbox.exists() or len(list(portal.outbox.iterdir())) < len(ids) + 1:
            time.sleep(0.2)
        mails_s = time.perf_counter() - sent_at
        while any(
            portal.call("GET", f"/api/v1/quotes/{q}/")[1]["pdf_status"] != "ready" for q in ids
        ):
            time.sleep(0.5)
        pdfs_s = time.perf_counter() - sent_at
    median = statistics.median(latencies)
    print(f"send (POST /api/v1/quotes/<id>/send/), {len(latencies)} quotes, embedded default:")
    print(
        f"  min {min(latencies) * 1000:.0f} ms, median {median * 1000:.0f} ms, "
        f"max {max(latencies) * 1000:.0f} ms; target {TARGET_S * 1000:.0f} ms; "
        f"median/target {median / TARGET_S:.2f}"
    )
    print(f"  all {len(ids) + 1} e-mails in the outbox {mails_s:.1f} s after the first send")
    print(f"  all {len(ids)} PDFs ready {pdfs_s:.1f} s after the first send (after the answers)")
    print("PASS" if median < TARGET_S else "FAIL")


if __name__ == "__main__":
    main()
