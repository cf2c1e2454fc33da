"""The partner REST API, `/api/v1/`: cross-cutting pieces (authentication, permissions, one
error format, throttles, pagination, idempotency, request ids, the OpenAPI schema) and the
API views of every resource.

API views only translate: they validate input with serializers, call the apps' services and
selectors (the same code paths as the wizard and the CLI) and serialize what they return.
Tenant rules are never written here: every object is looked up through the apps' selectors,
which scope by organization (another organization's object answers 404).
"""
