"""The sandbox's stand-in for Snowpark, as much of it as a stored procedure's handler needs.

A procedure is called as handler(session, *args). `session.sql(text, params=None)` returns a DataFrame
whose collect() sends the statement to the Snowflake stand-in (over the pipe the runner gave this call),
where it runs as the procedure's owner (EXECUTE AS OWNER) on the caller's warehouse, and returns Rows.
A statement Snowflake refuses raises SnowparkSQLException with its code and message. Nothing runs until
collect() (or first()), as in Snowpark.
"""

import datetime
import decimal

from .exceptions import SnowparkClientException, SnowparkSQLException
from .row import Row

__all__ = ["DataFrame", "Row", "Session", "SnowparkClientException", "SnowparkSQLException"]

_EPOCH = datetime.date(1970, 1, 1)


def _bind(value):
    """A Python value as a positional bind, the way the connector sends it (qmark style)."""
    if value is None:
        return {"type": "TEXT", "value": None}
    if isinstance(value, bool):
        return {"type": "BOOLEAN", "value": "true" if value else "false"}
    if isinstance(value, int):
        return {"type": "FIXED", "value": str(value)}
    if isinstance(value, (float, decimal.Decimal)):
        return {"type": "REAL", "value": str(value)}
    if isinstance(value, (datetime.date, datetime.datetime)):
        return {"type": "TEXT", "value": value.isoformat()}
    if isinstance(value, str):
        return {"type": "TEXT", "value": value}
    raise TypeError(f"Unsupported bind parameter type: {type(value).__name__}")


def _value(cell, kind):
    """A result cell (the wire's text format) as Snowpark returns it."""
    if cell is None:
        return None
    if kind == "fixed":
        return int(cell) if cell.lstrip("-").isdigit() else decimal.Decimal(cell)
    if kind == "real":
        return float(cell)
    if kind == "boolean":
        return cell.lower() in ("true", "1")
    if kind == "date":
        if "-" in cell[1:]:
            return datetime.date.fromisoformat(cell[:10])
        return _EPOCH + datetime.timedelta(days=int(cell))
    if kind.startswith("timestamp"):
        return datetime.datetime.fromtimestamp(float(cell), tz=datetime.timezone.utc)
    return cell  # text; VARIANT, OBJECT and ARRAY come back as JSON text, as in Snowpark


class DataFrame:
    def __init__(self, session, query, params):
        self._session = session
        self._query = query
        self._params = list(params or [])

    def collect(self):
        return self._session._run(self._query, self._params)

    def first(self, n=None):
        rows = self.collect()
        if n is None:
            return rows[0] if rows else None
        return rows[:n]

    def count(self):
        return len(self.collect())

    def __repr__(self):
        return f"DataFrame({self._query!r})"


class Session:
    """Made by the sandbox for each procedure call; handlers receive it, never build it."""

    def __init__(self, ask):
        self._ask = ask

    @classmethod
    def _sandbox(cls, ask):
        return cls(ask)

    def sql(self, query, params=None):
        return DataFrame(self, query, params)

    def call(self, sproc_name, *args):
        marks = ", ".join("?" for _ in args)
        rows = self.sql(f"CALL {sproc_name}({marks})", list(args)).collect()
        return rows[0][0] if rows else None

    def _context(self, function):
        rows = self.sql(f"SELECT {function}()").collect()
        return rows[0][0]

    def get_current_role(self):
        return self._context("CURRENT_ROLE")

    def get_current_user(self):
        return self._context("CURRENT_USER")

    def get_current_database(self):
        return self._context("CURRENT_DATABASE")

    def get_current_schema(self):
        return self._context("CURRENT_SCHEMA")

    def get_current_warehouse(self):
        return self._context("CURRENT_WAREHOUSE")

    def _run(self, query, params):
        answer = self._ask({"type": "sql", "text": query, "params": [_bind(p) for p in params]})
        if not answer.get("ok"):
            code = answer.get("code") or "000603"
            raw = answer.get("message") or "SQL execution failed"
            qid = answer.get("queryId") or ""
            raise SnowparkSQLException(
                f"{code} ({answer.get('sqlState') or ''}): {qid}: {raw}",
                error_code="1304",
                sfqid=qid,
                query=query,
                sql_error_code=int(code) if code.isdigit() else None,
                raw_message=raw,
            )
        columns = answer.get("columns") or []
        names = [c["name"] for c in columns]
        kinds = [c["type"] for c in columns]
        return [Row([_value(v, k) for v, k in zip(row, kinds)], names) for row in answer.get("rows") or []]
