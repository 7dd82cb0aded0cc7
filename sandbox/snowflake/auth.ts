// Who may log in, as what role: password, key pair (SNOWFLAKE_JWT) and programmatic access token,
// with Snowflake's error codes and messages for each refusal.
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { verifyKeypairJwt } from './auth-jwt.js';
import type { SandboxUser, SqlEngine } from './contract.js';

export const SANDBOX_ACCOUNT = 'SANDBOX';

/** Snowflake's login error codes (driver: lib/constants/gs_errors.js) and their messages. */
export const LOGIN_ERRORS: Record<string, string> = {
  '390100': 'Incorrect username or password was specified.',
  '390101': 'User temporarily locked. Contact your local system administrator or please try again later.',
  '390102': 'User access disabled. Contact your local system administrator.',
  '390144': 'JWT token is invalid.',
  '390189':
    "Role '{role}' specified in the connect string is not granted to this user. Contact your local system administrator, or attempt to login with another role, e.g. PUBLIC.",
  '390201': 'The requested {what} does not exist or not authorized.',
  '390303': 'Invalid OAuth access token.',
  '394400': 'Programmatic access token is invalid.',
};

export interface LoginRequest {
  accountName: string;
  loginName: string;
  authenticator: string;
  password?: string | undefined;
  token?: string | undefined;
  roleName?: string | undefined;
}

export type LoginOutcome =
  | { ok: true; user: SandboxUser; role: string; method: string }
  | { ok: false; code: string; message: string; reason: string; method: string };

/** An identifier from the connect string: upper-cased unless double-quoted, as Snowflake resolves it. */
export function connectIdentifier(raw: string): string {
  const t = raw.trim();
  if (t.length >= 2 && t.startsWith('"') && t.endsWith('"')) return t.slice(1, -1).replace(/""/g, '"');
  return t.toUpperCase();
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function loginError(code: string, vars: Record<string, string> = {}, message?: string): string {
  let text = message ?? LOGIN_ERRORS[code] ?? 'Login failed.';
  for (const [k, v] of Object.entries(vars)) text = text.replace(`{${k}}`, v);
  // Snowflake appends an incident id to JWT failures, for SYSTEM$GET_LOGIN_FAILURE_DETAILS.
  return code === '390144' ? `${text} [${randomUUID()}]` : text;
}

export function authenticate(engine: SqlEngine, req: LoginRequest, now = Date.now()): LoginOutcome {
  const authenticator = (req.authenticator || 'SNOWFLAKE').toUpperCase();
  const method = authenticator;
  const fail = (code: string, reason: string, vars: Record<string, string> = {}): LoginOutcome => ({
    ok: false,
    code,
    message: loginError(code, vars),
    reason,
    method,
  });

  const account = (req.accountName ?? '').split('.')[0]?.toUpperCase() ?? '';
  const user = engine.findUser(connectIdentifier(req.loginName ?? ''));
  const badCredentials =
    authenticator === 'SNOWFLAKE_JWT'
      ? '390144'
      : authenticator === 'PROGRAMMATIC_ACCESS_TOKEN'
        ? '394400'
        : '390100';
  if (account !== SANDBOX_ACCOUNT) return fail(badCredentials, `unknown account '${req.accountName}'`);
  if (!user) return fail(badCredentials, 'no such user');

  let patRole: string | null = null;
  switch (authenticator) {
    case 'SNOWFLAKE':
    case 'USERNAME_PASSWORD_MFA': {
      if (user.type === 'SERVICE') return fail('390100', 'a SERVICE user cannot sign in with a password');
      if (!user.password || !req.password || !sameSecret(user.password, req.password)) {
        return fail('390100', 'wrong password');
      }
      break;
    }
    case 'SNOWFLAKE_JWT': {
      const why = verifyKeypairJwt(req.token ?? '', req.accountName.toUpperCase(), user, now);
      if (why) return fail('390144', why);
      break;
    }
    case 'PROGRAMMATIC_ACCESS_TOKEN': {
      const secret = req.token ?? req.password ?? '';
      const pat = user.pats.find((p) => secret !== '' && sameSecret(p.secret, secret));
      if (!pat) return fail('394400', 'no such token for this user');
      if (pat.expiresAt <= now) return fail('394400', `token ${pat.name} has expired`);
      patRole = pat.roleRestriction;
      break;
    }
    case 'OAUTH':
      return fail('390303', 'the sandbox issues no Snowflake OAuth tokens');
    default:
      return fail('390100', `authenticator ${authenticator} is not supported by the sandbox`);
  }
  if (user.disabled) return fail('390102', 'user disabled');

  const requested = req.roleName ? connectIdentifier(req.roleName) : null;
  const usable = (r: string) => engine.roleExists(r) && engine.userCanUseRole(user.name, r);
  if (patRole) {
    if ((requested && requested !== patRole) || !usable(patRole)) {
      const role = requested ?? patRole;
      return {
        ok: false,
        code: '390189',
        message: `Role '${role}' specified in the connect string is not granted to this user, or is not permitted for the credentials being used. Contact your local system administrator, or attempt to login with another role, e.g. PUBLIC.`,
        reason: `the token is restricted to role ${patRole}`,
        method,
      };
    }
    return { ok: true, user, role: patRole, method };
  }
  if (requested) {
    if (!usable(requested)) return fail('390189', `role ${requested} not granted`, { role: requested });
    return { ok: true, user, role: requested, method };
  }
  const fallback = user.defaultRole && usable(user.defaultRole) ? user.defaultRole : 'PUBLIC';
  return { ok: true, user, role: fallback, method };
}
