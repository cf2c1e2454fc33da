"""The Celery application. Settings come from Django settings with the CELERY_ prefix.

`WORKER_NICE` (environment, default 0): the niceness the worker's pool processes run at. A PDF
render is ~1 s of CPU; on a machine that also serves web requests, `WORKER_NICE=10` lets the
scheduler give the web workers the core first (at nice 10 a busy process gets ~1/10 of a
contended core's time against nice 0), so a render delays its document, not every request
(bench/load_mixed.py). Only the pool children are lowered: the main process keeps answering
the broker and control messages at normal priority.
"""

import os
from typing import Any

from celery import Celery
from celery.signals import worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("sizing_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect
def lower_priority(**_: Any) -> None:
    nice = int(os.environ.get("WORKER_NICE") or 0)
    if nice > 0:
        os.nice(nice)
