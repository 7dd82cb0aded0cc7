"""Test helper for the Streamlit dashboard, run with plain python3 (no streamlit, no snowpark here).

  python3 -B dashboard-queries.py queries <streamlit dir> <request>
      the request is JSON: {"config": {...}, "calls": [{"fn": ..., "args": [...], "kwargs": {...}}]};
      imports <dir>/queries.py and prints {"settings", "results": [{"sql", "params"} | {"error"}], "loaded"}:
      each call gets the settings made from "config" as its first argument; "loaded" lists the modules
      that importing queries.py pulled in from streamlit or snowflake (there must be none).
  python3 -B dashboard-queries.py app <file>
      prints what the app file does with SQL, read from its syntax tree: its imports, every string
      constant (f-string pieces included), and the first argument of every `.sql(...)` call.
"""

import ast
import json
import sys


def queries(directory, request):
    sys.path.insert(0, directory)
    import queries as q

    settings = q.settings_from(request.get('config') or {})
    results = []
    for call in request.get('calls') or []:
        try:
            sql, params = getattr(q, call['fn'])(settings, *call.get('args', []), **call.get('kwargs', {}))
            results.append({'sql': sql, 'params': params})
        except ValueError as err:
            results.append({'error': str(err)})
    loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('streamlit', 'snowflake'))
    return {
        'settings': {'database': settings.database, 'schema': settings.schema, 'kinds': list(settings.kinds)},
        'results': results,
        'loaded': loaded,
    }


def app(path):
    with open(path, encoding='utf-8') as f:
        tree = ast.parse(f.read(), filename=path)
    imports, strings, sql_calls = [], [], []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imports.extend(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            imports.append(node.module or '')
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            strings.append(node.value)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == 'sql':
            first = node.args[0] if node.args else None
            sql_calls.append({'line': node.lineno, 'arg': type(first).__name__ if first else None})
    return {'imports': imports, 'strings': strings, 'sql_calls': sql_calls}


if __name__ == '__main__':
    mode, target = sys.argv[1], sys.argv[2]
    print(json.dumps(queries(target, json.loads(sys.argv[3])) if mode == 'queries' else app(target)))
