"""The base of the COM stand-in (see ``comexcel``): Excel's error codes as pywin32 hands
them over (the ints of ``xlwings/_xlwindows.py`` ``cell_errors``) and the counted COM
object."""

from __future__ import annotations

import itertools

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


def unwrap(obj):
    """A COM object handed back to COM: xlwings passes its retry wrapper."""
    return getattr(obj, "_inner", obj)


class COM(CDispatch):
    """A COM object: every PascalCase member access is one counted call."""

    _app: object  # the comexcel.Application

    def __getattribute__(self, name):
        if name[:1].isupper():
            object.__getattribute__(self, "_app")._count(name)
        return object.__getattribute__(self, name)

    def __setattr__(self, name, value):
        if name[:1].isupper():
            self._app._count(name)
        object.__setattr__(self, name, value)

    @property
    def Application(self):
        return self._app
