"""The base of the COM stand-in (see ``comexcel``): Excel's error codes as pywin32 hands
them over (the ints of ``xlwings/_xlwindows.py`` ``cell_errors``) and the counted COM
object."""

from __future__ import annotations

import collections
import contextlib
import itertools
import types

from tests.excel.pywin32_stub import CDispatch

ERRORS = {
    "#DIV/0!": -2146826281,
    "#N/A": -2146826246,
    "#NAME?": -2146826259,
    "#NULL!": -2146826288,
    "#NUM!": -2146826252,
    "#REF!": -2146826265,
    "#VALUE!": -2146826273,
}
XL_COLOR_INDEX_NONE = -4142
XL_CALCULATION_AUTOMATIC = -4105
RANGE_IID = "{00020846-0000-0000-C000-000000000046}"
HWNDS = itertools.count(1001)


def _inside(app, method):
    def call(_self, *args, **kwargs):
        with app.inside(None):
            return method(*args, **kwargs)

    return call


def unwrap(obj):
    """A COM object handed back to COM: xlwings passes its retry wrapper."""
    return getattr(obj, "_inner", obj)


class COM(CDispatch):
    """A COM object: every PascalCase member read, written or called from outside the
    stand-in is one counted call (what the stand-in does inside to answer is not)."""

    _app: object  # the comexcel.Application

    def __getattribute__(self, name):
        if not name[:1].isupper():
            return object.__getattribute__(self, name)
        app = object.__getattribute__(self, "_app")
        with app.inside(name):
            value = object.__getattribute__(self, name)
        if isinstance(value, types.MethodType):
            return types.MethodType(_inside(app, value), self)
        return value

    def __setattr__(self, name, value):
        if not name[:1].isupper():
            return object.__setattr__(self, name, value)
        with self._app.inside(name):
            object.__setattr__(self, name, value)

    def __call__(self, *args):
        """The default member (``Item``), as ``rng(1, 1)`` or ``sheets("Pixie")`` call it."""
        return self.Item(*args)

    @property
    def Application(self):
        return self._app


class Counter:
    """The COM calls an Application received: ``com_calls`` and ``calls`` by member."""

    def __init__(self):
        self.com_calls = 0
        self.calls: collections.Counter[str] = collections.Counter()
        self._depth = 0

    @contextlib.contextmanager
    def inside(self, name):
        """Count ``name`` if the call comes from outside, then answer it inside."""
        if name is not None and self._depth == 0:
            self.com_calls += 1
            self.calls[name] += 1
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1
