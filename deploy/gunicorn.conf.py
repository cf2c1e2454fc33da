"""gunicorn in production: `gunicorn -c deploy/gunicorn.conf.py config.wsgi:application` (the
`web` service of docker-compose.yml, the Dockerfile's command and bench/_stack.py's stack).

- workers: one process per core this process may run on (its CPU affinity, which a container's
  cpuset limits), at least 2 so a restarting or stuck worker never leaves nobody serving. A
  request is CPU-bound Python (a wizard update ~20 ms, an API sizing ~5 ms) and one process runs
  Python on one core at a time, so more processes than cores add memory and context switches,
  not throughput. `WEB_WORKERS` overrides (e.g. a cgroup CPU quota smaller than the cpuset).
- gthread, `WEB_THREADS` (4) threads a process: a request waiting on PostgreSQL, Redis or a slow
  client does not hold its process's core, and keep-alive connections wait in the worker's
  poller instead of occupying a worker (sync workers close every connection: one TCP handshake
  and accept per request). Every per-process cache of the portal is guarded by a lock, and
  per-request state lives in context variables (apps/core/request_memo.py), so threads are safe.
- keepalive 5 s: API clients (and a proxy that pools upstream connections) reuse connections.
- timeout 60 s, graceful 30 s: no request renders a document (the `pdf` queue does).
- the access log is the portal's own JSON line per request (apps/ops), not gunicorn's.
"""

import os

cores = len(os.sched_getaffinity(0))

bind = os.environ.get("WEB_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_WORKERS") or max(2, cores))
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS") or 4)
keepalive = 5
timeout = 60
graceful_timeout = 30
