"""``cached_property`` without functools' lock (issue 16: the serving search reads hundreds a
sizing, and Python 3.11's takes an RLock on every first read)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar, overload

_T = TypeVar("_T")
_R = TypeVar("_R")


class cached_property(Generic[_T, _R]):  # noqa: N801 - used like functools.cached_property
    """``functools.cached_property`` without its lock: Python 3.11 takes an RLock on every
    first read, and one sizing makes hundreds of them (issue 16). The value is computed on the
    first read and kept in the instance's ``__dict__``, which later reads find first."""

    def __init__(self, fn: Callable[[_T], _R]) -> None:
        self.fn = fn
        self.name = fn.__name__
        self.__doc__ = fn.__doc__

    @overload
    def __get__(self, obj: None, owner: type[Any] | None = None) -> cached_property[_T, _R]: ...

    @overload
    def __get__(self, obj: _T, owner: type[Any] | None = None) -> _R: ...

    def __get__(self, obj: _T | None, owner: type[Any] | None = None) -> Any:
        if obj is None:
            return self
        value = self.fn(obj)
        obj.__dict__[self.name] = value
        return value
