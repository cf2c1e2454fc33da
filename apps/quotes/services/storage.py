"""Document storage: where a revision's PDF lives and how it is written (atomically, so a
reader never sees half a file and two renders of one job leave one document)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from django.conf import settings

from ..models import Quote


def document_relpath(quote: Quote) -> str:
    """The one file name of a revision's document: renders of the same job overwrite it."""
    return f"quotes/{quote.number[2:6]}/{quote.number}-{quote.revision}.pdf"


def document_write(relpath: str, data: bytes) -> None:
    """Write `data` under MEDIA_ROOT/relpath atomically (temp file, fsync, rename)."""
    target = Path(settings.MEDIA_ROOT) / relpath
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, target)
