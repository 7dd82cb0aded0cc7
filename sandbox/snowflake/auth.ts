// Who may log in, as what role: password (with MFA passcode when enrolled), key pair (SNOWFLAKE_JWT),
// programmatic access token and OAuth access token, with Snowflake's error codes and messages for each
// refusal.
import { timingSafeEqual } from 'node:crypto';
import { verifyKeypairJwt } from './auth-jwt.js';
import { signInState, withIncident } from './auth-state.js';
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
  '390127': 'Incorrect passcode was specified.',
  '390303': 'Invalid OAuth access token.',
  '390309': 'The user you were trying to authenticate as differs from the user tied to the access token.',
  '390318': 'OAuth access token expired.',
  '394508':
    'Failed to authenticate: MFA with TOTP is required. To authenticate, provide both your password and a current TOTP passcode.',
  '394400': 'Programmatic access token is invalid.',
};

export interface LoginRequest {
  accountName: string;
  loginName: string;
  authenticator: string;
  password?: string | undefined;
  token?: string | undefined;
  /** PASSCODE (USERNAME_PASSWORD_MFA), or the password's tail when passcodeInPassword is true. */
  passcode?: string | undefined;
  passcodeInPassword?: boolean | undefined;
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

/** Refusals Snowflake tags with an incident id. */
const INCIDENT_CODES = new Set(['390144', '390303', '390318']);

export function loginError(code: string, vars: Record<string, string> = {}, message?: string): string {
  let text = message ?? LOGIN_ERRORS[code] ?? 'Login failed.';
  for (const [k, v] of Object.entries(vars)) text = text.replace(`{${k}}`, v);
  return INCIDENT_CODES.has(code) ? withIncident(text) : text;
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
  const state = signInState(engine);
  const badCredentials =
    authenticator === 'SNOWFLAKE_JWT'
      ? '390144'
      : authenticator === 'PROGRAMMATIC_ACCESS_TOKEN'
        ? '394400'
        : authenticator === 'OAUTH'
          ? '390303'
          : '390100';
  if (account !== SANDBOX_ACCOUNT) return fail(badCredentials, `unknown account '${req.accountName}'`);

  // An OAuth access token names its user: LOGIN_NAME is optional, and must match when given.
  let oauthRole: string | null | undefined;
  let loginName = connectIdentifier(req.loginName ?? '');
  if (authenticator === 'OAUTH') {
    const check = state.oauth.check(req.token ?? '', now);
    if (!check.ok) return fail(check.code, check.reason);
    if (loginName && loginName !== check.token.user) {
      return fail('390309', `the token belongs to ${check.token.user}, not ${loginName}`);
    }
    loginName = check.token.user;
    oauthRole = check.token.role;
  }
  const user = engine.findUser(loginName);
  if (!user) return fail(badCredentials, 'no such user');

  let patRole: string | null = null;
  switch (authenticator) {
    case 'SNOWFLAKE':
    case 'USERNAME_PASSWORD_MFA': {
      if (user.type === 'SERVICE') return fail('390100', 'a SERVICE user cannot sign in with a password');
      const enrolled = state.mfa.isEnrolled(user.name);
      const expected = state.mfa.current(user.name);
      let password = req.password ?? '';
      let passcode = req.passcode;
      if (req.passcodeInPassword && enrolled && expected) {
        passcode = password.slice(-expected.length);
        password = password.slice(0, -expected.length);
      }
      if (!user.password || !password || !sameSecret(user.password, password)) {
        return fail('390100', 'wrong password');
      }
      // Not enrolled: Snowflake ignores a passcode. Enrolled: the sandbox has no Duo push to approve,
      // so a login without a passcode is refused as a TOTP login is.
      if (enrolled) {
        if (!passcode) return fail('394508', 'MFA enrolled, no passcode given');
        if (!expected || !sameSecret(expected, passcode)) {
          return fail('390127', expected ? 'wrong passcode' : 'the passcode was already used');
        }
        state.mfa.consume(user.name);
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
      // The token's `session:role:` scope fixes the role, as a PAT's role restriction does.
      patRole = oauthRole ?? null;
      break;
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
