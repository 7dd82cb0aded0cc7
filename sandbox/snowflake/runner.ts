// Runs a LANGUAGE PYTHON function the way Snowflake would: the handler in a python3 subprocess with a
// time limit, a `_snowflake` module for its secrets, and egress limited to its network rules.
// The harness (python/harness.py) talks to us over two extra pipes: fd 3 carries its requests and
// its result, fd 4 our answers. Token exchanges happen here, lazily, when the handler asks.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { FunctionInvocation, FunctionResult, FunctionRunner, SecretBinding } from './contract.js';
import { SqlError } from './contract.js';
import {
  AccessTokenCache,
  type AccessTokenCacheMode,
  type ExchangeResult,
  exchangeRefreshToken,
  type RotationPolicy,
} from './runner-oauth.js';

export const HARNESS_PATH = fileURLToPath(new URL('./python/harness.py', import.meta.url));

export interface PythonRunnerOptions {
  python?: string; // default 'python3'
  timeoutMs?: number; // default 30000
  egress?: Record<string, string>;
  /** Read on every exchange, so the policy can be switched while running. */
  rotationPolicy?: () => RotationPolicy;
  /** Read on every get_oauth_access_token; default 'none' (every call refreshes). */
  accessTokenCache?: () => AccessTokenCacheMode;
}

export interface PythonRunner extends FunctionRunner {
  /** Forgets every cached access token (on reset, and when the cache mode changes). */
  clearAccessTokens(): void;
}

type HarnessMessage =
  | { type: 'token'; alias: string }
  | { type: 'result'; value?: string | null; rows?: (string | null)[][] }
  | { type: 'error'; message: string };

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

/** Starts the interpreter once: its version, and whether handlers will be able to import requests. */
export function checkPython(python = 'python3'): Promise<PythonCheck> {
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
  const timeoutMs = opts.timeoutMs ?? 30_000;
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

  async function run(inv: FunctionInvocation): Promise<FunctionResult> {
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
    return new Promise<FunctionResult>((resolve, reject) => {
      let settled = false;
      const finish = (fn: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        fn();
      };
      const child = spawn(python, ['-E', '-B', '-X', 'utf8', HARNESS_PATH], {
        cwd: dir,
        env: childEnv(),
        stdio: ['pipe', 'pipe', 'pipe', 'pipe', 'pipe'],
      });
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        finish(() =>
          reject(pythonError(`TimeoutError: the handler did not finish within ${timeoutMs} ms ${where}`)),
        );
      }, timeoutMs);
      child.on('error', (err: NodeJS.ErrnoException) => {
        const why =
          err.code === 'ENOENT'
            ? `'${python}' was not found: the Snowflake stand-in runs Python functions with the machine's python3; install it or set the 'python' option`
            : `could not start '${python}': ${err.message}`;
        finish(() => reject(new SqlError('100357', 'P0000', `Python Interpreter Error:\n${why} ${where}`)));
      });
      let stderr = '';
      child.stderr?.on('data', (d: Buffer) => {
        stderr = (stderr + d.toString()).slice(-4000);
      });
      child.stdout?.resume(); // the handler's print() output is not part of the result
      const toHarness = child.stdio[4] as Writable;
      const fromHarness = child.stdio[3] as Readable;
      toHarness.on('error', () => {}); // the harness may exit before reading an answer
      child.stdin?.on('error', () => {});

      const onMessage = async (msg: HarnessMessage) => {
        if (msg.type === 'token') {
          const binding = inv.secrets.find((s) => s.alias === msg.alias);
          const answer: ExchangeResult = binding
            ? await accessToken(binding)
            : { ok: false, error: `Secret '${msg.alias}' is not bound to this function` };
          const line = answer.ok ? { ok: true, token: answer.accessToken } : answer;
          if (!toHarness.destroyed) toHarness.write(`${JSON.stringify(line)}\n`);
        } else if (msg.type === 'error') {
          finish(() => reject(pythonError(msg.message)));
        } else if (inv.kind === 'table') {
          finish(() => resolve({ kind: 'table', rows: msg.rows ?? [] }));
        } else {
          finish(() => resolve({ kind: 'scalar', value: msg.value ?? null }));
        }
      };

      let buffered = '';
      fromHarness.on('data', (d: Buffer) => {
        buffered += d.toString();
        for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
          const line = buffered.slice(0, nl);
          buffered = buffered.slice(nl + 1);
          if (!line.trim()) continue;
          let msg: HarnessMessage;
          try {
            msg = JSON.parse(line) as HarnessMessage;
          } catch {
            continue;
          }
          onMessage(msg).catch((err: unknown) =>
            finish(() => reject(err instanceof Error ? err : new Error(String(err)))),
          );
        }
      });
      child.on('close', (code, signal) => {
        toHarness.destroy();
        const tail = stderr.trim().split('\n').slice(-5).join('\n');
        finish(() =>
          reject(
            pythonError(
              `the Python process ended (${signal ?? `exit code ${code}`}) without a result ${where}${tail ? `\n${tail}` : ''}`,
            ),
          ),
        );
      });

      const payload = {
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
      };
      child.stdin?.end(JSON.stringify(payload));
    });
  }

  return { run, clearAccessTokens: () => cache.clear() };
}
