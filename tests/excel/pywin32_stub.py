"""pywin32 stubbed just enough for xlwings' own Windows code (``xlwings._xlwindows`` and
``xlwings.udfs``) to import and run on Linux, over the COM stand-in of ``comexcel``.

Which modules: NOTES.md ("xlwings._xlwindows imports on Linux once these are stubbed"),
checked against the imports at the top of ``xlwings/_xlwindows.py``, ``xlwings/udfs.py``
and ``xlwings/com_server.py`` (0.37.8). Only what xlwings *touches* behaves: the classes
that ``COMRetryObjectWrapper`` tests with ``isinstance`` (``CDispatch``,
``CoClassBaseClass``, ``DispatchBaseClass``) are real classes, and our COM objects derive
from ``CDispatch`` as pywin32's dynamic dispatch objects do, so xlwings wraps them in its
retry wrapper exactly as on Windows; ``pywintypes.com_error`` is an exception;
``win32timezone.TimeZoneInfo.utc()`` is UTC (pywin32 hands dates over with tzinfo=UTC);
``win32process.GetWindowThreadProcessId`` gives ``(thread, pid)``; ``win32api.MessageBox``
is Excel's message box, recorded on the application of the window. Everything else is a
``MagicMock`` that xlwings calls and ignores (ctypes' ``oledll``/``windll``/``PyDLL`` at
import time, gencache, the marshalling of ``ComRange``).

:func:`windows_xlwings` installs the stubs, imports xlwings' Windows modules fresh and
restores ``sys.modules`` and ``ctypes`` afterwards, so that no other test sees them.
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import importlib
import sys
import types
from unittest import mock

#: Excel applications by window handle, for ``win32api.MessageBox``
WINDOWS: dict[int, object] = {}


class CDispatch:
    """pywin32's ``win32com.client.dynamic.CDispatch``: what every late-bound COM object
    is. A COM object is never false (pywin32 defines ``__bool__`` as True)."""

    def __bool__(self) -> bool:
        return True


class CoClassBaseClass:
    pass


class DispatchBaseClass:
    pass


class com_error(Exception):
    def __init__(self, hresult=-2147352567, msg="Exception occurred.", exc=None, arg=None):
        super().__init__(hresult, msg, exc, arg)
        self.hresult, self.excepinfo = hresult, exc


class _TimeZoneInfo:
    @staticmethod
    def utc():
        return dt.UTC


def _message_box(hwnd, prompt, title, style):
    WINDOWS[hwnd].alerts.append((title, prompt))
    return 1  # IDOK


def _modules() -> dict[str, types.ModuleType]:
    def module(name, **attrs):
        m = mock.MagicMock(name=name)
        m.__name__ = name
        m.__spec__ = None
        for k, v in attrs.items():
            setattr(m, k, v)
        return m

    client = module(
        "win32com.client",
        CDispatch=CDispatch,
        CoClassBaseClass=CoClassBaseClass,
        DispatchBaseClass=DispatchBaseClass,
        Dispatch=lambda obj, *a, **k: obj,
        DispatchEx=mock.MagicMock(name="DispatchEx"),
    )
    win32com = module("win32com", client=client)
    return {
        "pywintypes": module(
            "pywintypes",
            com_error=com_error,
            error=com_error,
            TimeType=type("TimeType", (dt.datetime,), {}),
            IID=lambda s: s,
        ),
        "win32api": module("win32api", MessageBox=_message_box),
        "win32con": module("win32con", MB_OK=0, MB_OKCANCEL=1, MB_YESNOCANCEL=3, MB_YESNO=4),
        "pythoncom": module("pythoncom", __file__="pythoncom311.dll", ole_error=com_error),
        "win32com": win32com,
        "win32com.client": client,
        "win32com.client.dynamic": module("win32com.client.dynamic", CDispatch=CDispatch),
        "win32com.client.gencache": module("win32com.client.gencache"),
        "win32com.server": module("win32com.server"),
        "win32com.server.dispatcher": module("win32com.server.dispatcher"),
        "win32com.server.policy": module("win32com.server.policy"),
        "win32com.server.util": module("win32com.server.util"),
        "win32event": module("win32event"),
        "win32gui": module("win32gui"),
        "win32process": module(
            "win32process", GetWindowThreadProcessId=lambda hwnd: (1, 4000 + hwnd)
        ),
        "win32timezone": module("win32timezone", TimeZoneInfo=_TimeZoneInfo),
    }


_XLWINGS_WINDOWS = ("xlwings._xlwindows", "xlwings.udfs", "xlwings.com_server")


@contextlib.contextmanager
def windows_xlwings():
    """``(xlwings, _xlwindows, udfs)`` imported as on Windows, over the stubs above."""
    import xlwings

    saved = {n: sys.modules.get(n) for n in [*_modules(), *_XLWINGS_WINDOWS]}
    saved_ctypes = {n: getattr(ctypes, n, None) for n in ("oledll", "windll", "PyDLL")}
    saved_attrs = {n: getattr(xlwings, n, None) for n in ("_xlwindows", "udfs")}
    engine = None
    try:
        sys.modules.update(_modules())
        for n in _XLWINGS_WINDOWS:
            sys.modules.pop(n, None)
        for n in saved_ctypes:
            setattr(ctypes, n, mock.MagicMock(name=f"ctypes.{n}"))
        xlwindows = importlib.import_module("xlwings._xlwindows")
        # what xlwings/__init__.py does on Windows: the "excel" engine, used by the
        # conversions of UDF arguments and results (no range)
        engine = xlwings.main.Engine(impl=xlwindows.engine)
        xlwings.engines.add(engine)
        # xlwings retries a COM call that raises AttributeError forever (Excel busy); here
        # a missing member of the stand-in must fail at once
        xlwindows.N_COM_ATTEMPTS = 1
        udfs = importlib.import_module("xlwings.udfs")
        yield xlwings, xlwindows, udfs
    finally:
        if engine is not None:
            xlwings.engines.engines.remove(engine)
            del xlwings.engines.engines_by_name["excel"]
        server = sys.modules.get("xlwings.com_server")
        if server is not None and server is not saved["xlwings.com_server"]:
            server.loop.close()
        if (
            "xlwings.udfs" in sys.modules
            and sys.modules["xlwings.udfs"] is not saved["xlwings.udfs"]
        ):
            sys.modules["xlwings.udfs"].com_executor.shutdown()
        for n, m in saved.items():
            if m is None:
                sys.modules.pop(n, None)
            else:
                sys.modules[n] = m
        for n, v in saved_ctypes.items():
            if v is None:
                with contextlib.suppress(AttributeError):
                    delattr(ctypes, n)
            else:
                setattr(ctypes, n, v)
        for n, v in saved_attrs.items():
            if v is None:
                with contextlib.suppress(AttributeError):
                    delattr(xlwings, n)
            else:
                setattr(xlwings, n, v)
        WINDOWS.clear()
