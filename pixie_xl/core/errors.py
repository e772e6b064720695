"""The one family of operational failures (STYLE §6).

Data problems in a sheet or a file are *values* (:class:`~pixie_xl.core.findings.Finding`);
these exceptions are for failures that stop an operation. Each edge turns them into its own
status: the service into ``application/problem+json`` with :attr:`PixieError.code`, the CLI
into an exit status, Excel into an alert.
"""

from __future__ import annotations


class PixieError(Exception):
    """Base of every error Pixie XL raises on purpose.

    ``code`` is stable (tests and clients match on it); the message is for a person.
    """

    code = "pixie_error"
    #: HTTP status the service answers with.
    status = 500

    def __init__(self, message: str, *, code: str | None = None, detail: dict | None = None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.detail = detail or {}


class InvalidInput(PixieError):
    """A value given to the core cannot be used (bad amount, bad date, unknown phasing)."""

    code = "invalid_input"
    status = 422


class AmountError(InvalidInput):
    """A money amount cannot be converted exactly; ``code`` says why."""

    code = "invalid_amount"


class CycleError(InvalidInput):
    """The objects' parent links form a cycle."""

    code = "object_cycle"


class NotFound(PixieError):
    code = "not_found"
    status = 404


class RuleViolation(PixieError):
    """A budget change that rules R1–R7 refuse. ``code`` is the Decision's code."""

    code = "rule_violation"
    status = 409


class StaleVersion(RuleViolation):
    code = "stale_version"


class ValidationFailed(PixieError):
    """A batch was refused because validation found errors; ``findings`` lists them all."""

    code = "validation_failed"
    status = 422

    def __init__(self, message: str, findings: list | tuple = ()):
        super().__init__(message)
        self.findings = list(findings)


class Unauthorized(PixieError):
    code = "unauthorized"
    status = 401


class Forbidden(PixieError):
    code = "forbidden"
    status = 403


class ServerUnreachable(PixieError):
    """The sync service did not answer (CLI exit status 3)."""

    code = "server_unreachable"
    status = 503


class BadFile(PixieError):
    """A file is not a readable workbook or CSV (truncated, wrong headers, hostile XML)."""

    code = "bad_file"
    status = 422
