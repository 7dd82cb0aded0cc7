// Runs a LANGUAGE PYTHON function the way Snowflake would: the handler in python3 with a time limit,
// a `_snowflake` module for its secrets, and egress limited to its network rules. Calls run in
// long-lived Python workers (runner-worker.ts), each call in a fresh child process of one; token
// exchanges happen here, lazily, when the handler asks. A stored procedure's statements come back the
// same way and run through inv.sql; a worker busy with a procedure is not idle, so the functions its
// statements call run in other workers.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FunctionInvocation, FunctionResult, FunctionRunner, SecretBinding } from './contract.js';
import { SqlError } from './contract.js';
import {
  AccessTokenCache,
  type AccessTokenCacheMode,
  type ExchangeResult,
  exchangeRefreshToken,
  type RotationPolicy,
} from './runner-oauth.js';
import { type Ended, PythonWorker, type WorkerMessage } from './runner-worker.js';

export interface PythonRunnerOptions {
  python?: string; // default 'python3'
  timeoutMs?: number; // default 30000
  /** A stored procedure's limit, covering the statements it runs; default 600000 (10 minutes). */
  procedureTimeoutMs?: number;
  egress?: Record<string, string>;
  /** Read on every exchange, so the policy can be switched while running. */
  rotationPolicy?: () => RotationPolicy;
  /** Read on every get_oauth_access_token; default 'none' (every call refreshes). */
  accessTokenCache?: () => AccessTokenCacheMode;
}

export interface PythonRunner extends FunctionRunner {
  /** Forgets every cached access token (on reset, and when the cache mode changes). */
  clearAccessTokens(): void;
  /** Stops the Python workers (a call still running fails). Later calls are refused. */
  close(): Promise<void>;
}

/** Workers kept warm between calls; a burst of concurrent calls starts more, which stop afterwards. */
const MAX_IDLE_WORKERS = 2;
/** How long a fresh worker may take to start before a call's own time limit begins. */
const STARTUP_ALLOWANCE_MS = 30_000;

/** Snowflake's error for a failing Python UDF: 100357 (P0000) "Python Interpreter Error: …". */
export function pythonError(detail: string): SqlError {
  return new SqlError('100357', 'P0000', `Python Interpreter Error:\n${detail}`);
}

export interface PythonCheck {
  /** e.g. 'Python 3.11.7', or null when the interpreter cannot be started. */
  version: string | null;
  /** Whether `import requests` works, as a handler would run it (same flags, same environment). */
  requests: boolean;
}

/** The hint every "requests is missing" message carries (Snowflake provides it via PACKAGES). */
export const REQUESTS_HINT =
  'install it: apt-get install python3-requests (Debian/Ubuntu) or pip install requests';

const CHECK_SCRIPT = [
  'import platform, sys',
  "print('Python ' + platform.python_version(), flush=True)",
  'try:',
  '    import requests',
  'except ImportError:',
  '    sys.exit(3)',
].join('\n');

const checked = new Map<string, Promise<PythonCheck>>();

/**
 * Starts the interpreter once: its version, and whether handlers will be able to import requests.
 * Asked once per interpreter path and process (every stand-in started in a test run asks again).
 */
export function checkPython(python = 'python3'): Promise<PythonCheck> {
  let answer = checked.get(python);
  if (!answer) {
    answer = probePython(python);
    checked.set(python, answer);
  }
  return answer;
}

function probePython(python: string): Promise<PythonCheck> {
  return new Promise((resolve) => {
    const child = spawn(python, ['-E', '-B', '-c', CHECK_SCRIPT], {
      env: childEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.resume();
    child.on('error', () => resolve({ version: null, requests: false }));
    child.on('close', (code) => {
      const version = /^Python \S+/.exec(out.trim())?.[0] ?? null;
      resolve({ version: code === 0 || code === 3 ? version : null, requests: code === 0 });
    });
  });
}

// What python3 needs to start and find its packages, nothing else: in sandbox mode the parent is the app,
// whose environment may hold credentials a handler must not see (in Snowflake it would not exist).
// No proxies (they would bypass the egress mapping) and no PYTHON* (they would change what is imported).
const CHILD_ENV_ALLOWED = [
  /^PATH$/,
  /^HOME$/,
  /^LANG$/,
  /^LANGUAGE$/,
  /^LC_[A-Z_]+$/,
  /^TZ$/,
  /^TMPDIR$/,
  /^TMP$/,
  /^TEMP$/,
  /^PYENV(_[A-Z_]+)?$/,
  /^VIRTUAL_ENV$/,
  /^LD_LIBRARY_PATH$/,
  /^DYLD_LIBRARY_PATH$/,
  /^SYSTEMROOT$/i,
];

export function childEnv(parent: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(parent)) {
    if (v !== undefined && CHILD_ENV_ALLOWED.some((re) => re.test(k))) env[k] = v;
  }
  env.PYTHONDONTWRITEBYTECODE = '1';
  env.PYTHONUNBUFFERED = '1';
  return env;
}

export function createPythonRunner(opts: PythonRunnerOptions = {}): PythonRunner {
  const python = opts.python ?? 'python3';
  const functionTimeoutMs = opts.timeoutMs ?? 30_000;
  const procedureTimeoutMs = opts.procedureTimeoutMs ?? 600_000;
  const egress = Object.fromEntries(Object.entries(opts.egress ?? {}).map(([h, u]) => [h.toLowerCase(), u]));
  const policy = opts.rotationPolicy ?? (() => 'persist' as const);
  const cacheMode = opts.accessTokenCache ?? (() => 'none' as const);
  const cache = new AccessTokenCache();

  async function accessToken(binding: SecretBinding): Promise<ExchangeResult> {
    const caching = cacheMode() === 'until-expiry';
    const cached = caching ? cache.get(binding) : undefined;
    if (cached !== undefined) return { ok: true, accessToken: cached };
    const answer = await exchangeRefreshToken(binding, { egress, rotationPolicy: policy() });
    if (caching && answer.ok) cache.put(binding, answer.accessToken, answer.expiresIn);
    return answer;
  }

  const idle: PythonWorker[] = [];
  const workers = new Set<PythonWorker>();
  let nextCall = 1;
  let closed = false;

  function acquire(): PythonWorker {
    for (let w = idle.pop(); w; w = idle.pop()) if (w.idle) return w;
    const w = new PythonWorker(python, childEnv());
    workers.add(w);
    void w.closed.then(() => {
      workers.delete(w);
      const i = idle.indexOf(w);
      if (i >= 0) idle.splice(i, 1);
    });
    return w;
  }

  function release(w: PythonWorker): void {
    if (!w.idle) return;
    if (closed || idle.length >= MAX_IDLE_WORKERS) {
      w.stop();
      return;
    }
    w.ref(false);
    idle.push(w);
  }

  async function run(inv: FunctionInvocation): Promise<FunctionResult> {
    if (closed) throw pythonError('the function runner was stopped');
    // The call's working directory: the handler's files (and its source, for tracebacks) go there.
    const dir = await mkdtemp(join(tmpdir(), 'sf-sandbox-udf-'));
    try {
      return await runIn(dir, inv);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  function runIn(dir: string, inv: FunctionInvocation): Promise<FunctionResult> {
    const name = inv.functionName.split('.').pop() ?? inv.functionName;
    const where = `in function ${name} with handler ${inv.handler}`;
    const timeoutMs = inv.timeoutMs ?? (inv.kind === 'procedure' ? procedureTimeoutMs : functionTimeoutMs);
    return new Promise<FunctionResult>((resolve, reject) => {
      let settled = false;
      const finish = (fn: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        fn();
      };
      const id = nextCall++;
      const worker = acquire();
      const expire = () => {
        // The worker is ended with the call; the next call starts a fresh one.
        worker.kill();
        finish(() =>
          reject(pythonError(`TimeoutError: the handler did not finish within ${timeoutMs} ms ${where}`)),
        );
      };
      // Until the worker says the handler started, a fresh worker may still be starting python3 and
      // importing requests (slow on a busy machine): that time is the runner's, not the handler's.
      let timer = setTimeout(expire, timeoutMs + STARTUP_ALLOWANCE_MS);

      const onMessage = async (msg: WorkerMessage) => {
        if (msg.type === 'started') {
          clearTimeout(timer);
          timer = setTimeout(expire, timeoutMs);
        } else if (msg.type === 'token') {
          const binding = inv.secrets.find((s) => s.alias === msg.alias);
          const answer: ExchangeResult = binding
            ? await accessToken(binding)
            : { ok: false, error: `Secret '${msg.alias}' is not bound to this function` };
          if (!settled) worker.answer(id, answer.ok ? { ok: true, token: answer.accessToken } : answer);
        } else if (msg.type === 'sql') {
          // A procedure's statement: it may call functions of its own, in other workers, while this waits.
          const answer = inv.sql
            ? await inv.sql(msg.text, Array.isArray(msg.params) ? msg.params : [])
            : {
                ok: false,
                code: '000002',
                sqlState: '0A000',
                message: 'Only a procedure may run SQL.',
                queryId: '',
              };
          if (!settled) worker.answer(id, answer);
        } else if (msg.type === 'error') {
          finish(() => reject(pythonError(msg.message)));
        } else if (inv.kind === 'table') {
          finish(() => resolve({ kind: 'table', rows: msg.rows ?? [] }));
        } else {
          finish(() => resolve({ kind: 'scalar', value: msg.value ?? null }));
        }
      };
      const onEnded = (how: Ended) => {
        release(worker);
        if (how.spawnError) {
          const err = how.spawnError;
          const why =
            err.code === 'ENOENT'
              ? `'${python}' was not found: the Snowflake stand-in runs Python functions with the machine's python3; install it or set the 'python' option`
              : `could not start '${python}': ${err.message}`;
          finish(() => reject(new SqlError('100357', 'P0000', `Python Interpreter Error:\n${why} ${where}`)));
          return;
        }
        const tail = how.stderr.trim().split('\n').slice(-5).join('\n');
        finish(() =>
          reject(
            pythonError(
              `the Python process ended (${how.signal ?? `exit code ${how.code}`}) without a result ${where}${tail ? `\n${tail}` : ''}`,
            ),
          ),
        );
      };

      worker.start(
        id,
        {
          cwd: dir,
          functionName: inv.functionName,
          kind: inv.kind,
          handler: inv.handler,
          body: inv.body,
          returnType: inv.returnType,
          tableColumns: inv.tableColumns,
          argTypes: inv.argTypes,
          args: inv.args,
          aliases: inv.secrets.map((s) => s.alias),
          allowedHosts: inv.allowedHosts,
          egress,
        },
        {
          message: (msg) => {
            onMessage(msg).catch((err: unknown) =>
              finish(() => reject(err instanceof Error ? err : new Error(String(err)))),
            );
          },
          ended: onEnded,
        },
      );
    });
  }

  async function close(): Promise<void> {
    closed = true;
    const all = [...workers];
    for (const w of all) {
      if (w.idle) w.stop();
      else w.kill();
    }
    await Promise.all(all.map((w) => w.closed));
  }

  return { run, clearAccessTokens: () => cache.clear(), close };
}
