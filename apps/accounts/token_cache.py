"""API token authentication, cached in the shared cache for a short time (`TTL_SECONDS`).

An authenticated API request then costs no query: the token row, its user and organization
come back from one cache read (which also reads the keys other modules read once per request,
`apps.core.request_memo.read_along`: the catalog revision). Revocation is honoured at once
by every worker and replica:

- Every entry carries the *auth version* current when it was read from the database; the
  version lives in the same shared cache and is read with the entry (one `get_many`). An entry
  of another version is ignored.
- `invalidate()` draws a new version, now and again once the transaction commits (so an entry
  filled from the database between the two, with the old rows, is never trusted). It runs on
  every save or delete of a token, a user (except the `last_login` stamp) or an organization
  (`apps.accounts.apps`), and from `api_token_revoke` (a queryset update sends no signal).
  Writes that bypass both (a raw `QuerySet.update()` of those tables) are seen after
  `TTL_SECONDS` at the latest.
- While the cache is away every request reads the database (`apps.core.cache`).

Entries hold field values, not pickled models, and never the user's password hash; the key
names the SHA-256 of the token (never the token) and the shape of the three tables, so a
deploy that adds a column ignores the previous release's entries.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, transaction

from apps.core import request_memo

from .models import ApiToken, Organization, User

TTL_SECONDS = 30
VERSION_KEY = "api-token-auth:version"

_TOKEN = [f.attname for f in ApiToken._meta.concrete_fields]
_USER = [f.attname for f in User._meta.concrete_fields if f.attname != "password"]
_ORG = [f.attname for f in Organization._meta.concrete_fields]
_SHAPE = hashlib.sha256(repr((_TOKEN, _USER, _ORG)).encode()).hexdigest()[:8]


def _key(token_hash: str) -> str:
    return f"api-token-auth:{_SHAPE}:{token_hash}"


def lookup(token_hash: str) -> tuple[str | None, ApiToken | None]:
    """(current auth version, the cached row or None). The version is None when the cache is
    unavailable (then nothing should be stored)."""
    key = _key(token_hash)
    found = cache.get_many(request_memo.with_read_along([VERSION_KEY, key]))
    request_memo.keep_read_along(found)
    version = found.get(VERSION_KEY)
    if version is None:
        fresh = secrets.token_hex(8)
        version = fresh if cache.add(VERSION_KEY, fresh, timeout=None) else cache.get(VERSION_KEY)
        return version, None
    entry = found.get(key)
    if entry is None or entry[0] != version:
        return version, None
    return version, _unpack(entry)


def store(version: str | None, row: ApiToken) -> None:
    if version is not None:
        cache.set(_key(row.token_hash), _pack(version, row), TTL_SECONDS)


def invalidate() -> None:
    """Every cached token authentication is stale, in every process (module docstring)."""
    _new_version()
    transaction.on_commit(_new_version)


def _new_version() -> None:
    cache.set(VERSION_KEY, secrets.token_hex(8), timeout=None)


def _pack(version: str, row: ApiToken) -> tuple[Any, ...]:
    user = row.user
    org = user.organization
    return (
        version,
        tuple(getattr(row, name) for name in _TOKEN),
        tuple(getattr(user, name) for name in _USER),
        None if org is None else tuple(getattr(org, name) for name in _ORG),
    )


def _unpack(entry: tuple[Any, ...]) -> ApiToken:
    _, token_values, user_values, org_values = entry
    row = ApiToken.from_db(DEFAULT_DB_ALIAS, _TOKEN, token_values)
    user = User.from_db(DEFAULT_DB_ALIAS, _USER, user_values)
    org = None if org_values is None else Organization.from_db(DEFAULT_DB_ALIAS, _ORG, org_values)
    User._meta.get_field("organization").set_cached_value(user, org)
    ApiToken._meta.get_field("user").set_cached_value(row, user)
    return row
