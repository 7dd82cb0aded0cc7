"""The sandbox function runner's long-lived Python (driven by runner.ts): one per busy call, reused.

Starting python3 and importing requests costs far more than a call itself, so this process does it
once, then forks a child for each invocation. The child runs it (harness.run_child) in a fresh copy
of this clean state: its own _udf_code module, _snowflake secrets, egress rules, cwd and globals;
nothing a handler changes survives its call. This process never runs handler code.

stdin: one invocation per line (JSON). fd 3: JSON lines to the parent: the child's token requests
and result, then, once the child is gone, {"type": "exit"} from here. fd 4: the parent's answers,
read by the child. A call that overruns its time limit is ended by the parent killing this process
group (this process and the child).
"""

import json
import os
import signal
import sys
import traceback

import harness  # also loads _snowflake and sandbox_egress
import snowflake.snowpark  # noqa: F401 - what procedures import, loaded once here like requests

try:
    # What handlers import (Snowflake provides it through PACKAGES); a python3 without it still runs
    # the handlers that do not need it, and those that do fail in their own call, saying why.
    import requests  # noqa: F401
    import urllib3.poolmanager  # noqa: F401
except ImportError:
    pass


def _send(message):
    data = (json.dumps(message) + "\n").encode("utf-8")
    while data:
        data = data[os.write(3, data) :]


def _ended(status):
    code = os.waitstatus_to_exitcode(status)
    if code < 0:
        return {"signal": signal.Signals(-code).name}
    return {"code": code}


def main():
    stdin = sys.stdin.buffer
    while True:
        line = stdin.readline()
        if not line:
            return  # the parent went away
        if not line.strip():
            continue
        inv = json.loads(line)
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            code = 70
            try:
                harness.run_child(inv)
                code = 0
            except BaseException:  # noqa: BLE001 - setting the call up failed: the parent shows this
                traceback.print_exc()
            finally:
                try:
                    sys.stdout.flush()
                    sys.stderr.flush()
                finally:
                    os._exit(code)
        # The call's time limit runs from here: starting python3 and importing requests are not the handler's.
        _send({"type": "started", "id": inv["id"]})
        _, status = os.waitpid(pid, 0)
        _send({"type": "exit", "id": inv["id"], **_ended(status)})


if __name__ == "__main__":
    main()
