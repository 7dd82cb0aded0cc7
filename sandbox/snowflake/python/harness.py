"""Runs one call of a Snowflake Python function or procedure for the sandbox, in a child forked by worker.py.

The child gets the invocation from the worker; fd 3 carries JSON lines to the parent (token requests, a
procedure's statements, then one result or error), fd 4 the parent's answers. The handler's own stdout
and stderr are left alone, so print() in a handler cannot corrupt the result.
"""

import datetime
import decimal
import json
import os
import sys
import traceback
import types

import _snowflake
import sandbox_egress

UDF_FILE = "_udf_code.py"  # the module name Snowflake's tracebacks show


def _open_channels(call_id):
    out = os.fdopen(3, "w", encoding="utf-8", buffering=1)
    inp = os.fdopen(4, "r", encoding="utf-8")

    def send(message):
        out.write(json.dumps({**message, "id": call_id}) + "\n")
        out.flush()

    def ask(request):
        send(request)
        while True:
            line = inp.readline()
            if not line:
                raise RuntimeError("the sandbox closed the secrets channel")
            answer = json.loads(line)
            # An answer meant for an earlier call (one that ended while its question was open) is skipped.
            if answer.get("id") == call_id:
                return answer

    return send, ask


def _to_python(value, sql_type):
    if value is None:
        return None
    base = sql_type.upper().split("(")[0].strip()
    if base == "DATE" and isinstance(value, str):
        return datetime.date.fromisoformat(value[:10])
    if base.startswith("TIMESTAMP") and isinstance(value, str):
        return datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if base in ("VARIANT", "OBJECT", "ARRAY") and isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    if base in ("NUMBER", "NUMERIC", "DECIMAL", "INT", "INTEGER", "BIGINT", "SMALLINT", "TINYINT"):
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str):
            return int(value) if value.lstrip("-").isdigit() else decimal.Decimal(value)
    if base in ("FLOAT", "DOUBLE", "REAL", "FLOAT4", "FLOAT8") and not isinstance(value, float):
        return float(value)
    return value


def _json_default(value):
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _cell(value, kind):
    """One value as the JSON result format carries it: a string, or None for SQL NULL."""
    if value is None:
        return None
    if kind in ("variant", "object", "array"):
        return json.dumps(value, default=_json_default)
    if kind == "date":
        if isinstance(value, datetime.datetime):
            return value.date().isoformat()
        if isinstance(value, datetime.date):
            return value.isoformat()
        return str(value)[:10]
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        return json.dumps(value, default=_json_default)
    return str(value)


def _scalar_kind(return_type):
    base = return_type.upper().split("(")[0].strip()
    if base in ("VARIANT", "OBJECT", "ARRAY"):
        return "variant"
    if base == "DATE":
        return "date"
    return "text"


def _load_handler(body, handler):
    # Compiled under a relative name, so tracebacks show "_udf_code.py" as Snowflake's do; the file is
    # written too (cwd is the call's temp dir) so tracebacks can quote its lines.
    with open(UDF_FILE, "w", encoding="utf-8") as f:
        f.write(body)
    module = types.ModuleType("_udf_code")
    module.__file__ = UDF_FILE
    sys.modules["_udf_code"] = module
    exec(compile(body, UDF_FILE, "exec"), module.__dict__)
    target = module
    for part in handler.split("."):
        target = getattr(target, part)
    return target


def _run(inv, ask):
    handler = _load_handler(inv["body"], inv["handler"])
    args = [_to_python(v, t) for v, t in zip(inv["args"], inv["argTypes"])]
    if inv["kind"] == "procedure":
        # A stored procedure's first argument is a Snowpark session; its statements go to the parent.
        from snowflake.snowpark import Session

        value = handler(Session._sandbox(ask), *args)
        return {"type": "result", "value": _cell(value, _scalar_kind(inv["returnType"]))}
    if inv["kind"] == "table":
        instance = handler()
        kinds = [c["type"] for c in inv["tableColumns"]]
        rows = []
        produced = [instance.process(*args)]
        if hasattr(instance, "end_partition"):
            produced.append(instance.end_partition())
        for batch in produced:
            for row in batch or ():
                row = tuple(row)
                if len(row) != len(kinds):
                    raise ValueError(
                        f"The row has {len(row)} values but the function returns {len(kinds)} columns"
                    )
                rows.append([_cell(v, k) for v, k in zip(row, kinds)])
        return {"type": "result", "rows": rows}
    value = handler(*args)
    return {"type": "result", "value": _cell(value, _scalar_kind(inv["returnType"]))}


def _format_error(exc, inv):
    """Snowflake's shape: the traceback from the handler's module down, then the function's name."""
    tb = exc.__traceback__
    while tb is not None and os.path.basename(tb.tb_frame.f_code.co_filename) != UDF_FILE:
        tb = tb.tb_next
    here = os.path.dirname(os.path.abspath(__file__))
    # Frames of the sandbox's own modules (this harness, its Snowpark stand-in) are left out.
    frames = [f for f in traceback.extract_tb(tb) if not os.path.abspath(f.filename).startswith(here + os.sep)]
    lines = traceback.format_exception_only(type(exc), exc)
    if frames:
        stack = traceback.StackSummary.from_list(frames).format()
        lines = ["Traceback (most recent call last):\n", *stack, *lines]
    if isinstance(exc, ModuleNotFoundError) and (exc.name or "").split(".")[0] == "requests":
        # Snowflake provides requests (PACKAGES = ('requests')); the sandbox uses the machine's python3.
        lines.append(
            "The sandbox runs functions with the machine's python3, which cannot import 'requests': "
            "install it: apt-get install python3-requests (Debian/Ubuntu) or pip install requests\n"
        )
    name = inv["functionName"].split(".")[-1]
    return "".join(lines) + f" in function {name} with handler {inv['handler']}"


def run_child(inv):
    """The forked child's whole life: one invocation in a fresh copy of the worker, then report."""
    # The worker's stdin carries the next invocations: the handler must not read them.
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    os.chdir(inv["cwd"])  # the call's own temp dir, removed by the parent afterwards
    send, ask = _open_channels(inv["id"])
    sandbox_egress.install(inv.get("egress", {}), inv.get("allowedHosts", []))
    _snowflake._configure(ask, {alias: "OAUTH2" for alias in inv.get("aliases", [])})
    try:
        send(_run(inv, ask))
    except BaseException as exc:  # noqa: BLE001 - every failure becomes the function's error
        send({"type": "error", "message": _format_error(exc, inv)})
