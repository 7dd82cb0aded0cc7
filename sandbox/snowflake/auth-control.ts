// Control endpoints for the sign-in state tests need and Snowflake sets up elsewhere: an OAuth access
// token as Snowflake's authorization server would issue it (POST /sandbox/oauth-tokens), and a user's
// MFA enrolment with the passcode their authenticator app would show (POST /sandbox/mfa).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { connectIdentifier } from './auth.js';
import { OAUTH_TOKEN_VALIDITY_S, signInState } from './auth-state.js';
import type { SqlEngine } from './contract.js';
import { controlInput, type Send } from './control-input.js';

const OAuthTokenInput = z
  .object({
    user: z.string().min(1),
    /** The `session:role:` scope; omitted = the user's default role at login. */
    role: z.string().min(1).optional(),
    expiresInSeconds: z.number().int().min(-3600).max(86_400).optional(),
  })
  .strict();

const MfaInput = z
  .object({
    user: z.string().min(1),
    /** The next valid passcode (digits); null un-enrols the user. */
    passcode: z
      .string()
      .regex(/^\d{6,8}$/, 'a passcode is 6 to 8 digits')
      .nullable(),
  })
  .strict();

export const SIGNIN_CONTROL_INDEX = {
  'POST /sandbox/oauth-tokens':
    'JSON {"user","role"?,"expiresInSeconds"?}: an OAuth access token for AUTHENTICATOR=OAUTH, shown once',
  'POST /sandbox/mfa':
    'JSON {"user","passcode"}: enrol the user in MFA; the passcode is valid once (null un-enrols)',
};

/** Handles the sign-in control endpoints; false when the path is not one of them. */
export async function handleSignInControl(
  engine: SqlEngine,
  req: IncomingMessage,
  res: ServerResponse,
  key: string,
  send: Send,
  now: number,
): Promise<boolean> {
  if (key !== 'POST /sandbox/oauth-tokens' && key !== 'POST /sandbox/mfa') return false;
  const reply = (payload: unknown, status = 200): true => {
    send(res, payload, status);
    return true;
  };
  const state = signInState(engine);

  if (key === 'POST /sandbox/oauth-tokens') {
    const input = await controlInput(req, res, send, OAuthTokenInput);
    if (!input) return true;
    const user = engine.findUser(connectIdentifier(input.user));
    if (!user) return reply({ error: 'no_such_user', user: input.user }, 400);
    const role = input.role ? connectIdentifier(input.role) : null;
    // Snowflake's authorization server only issues a token for a role the user may use.
    if (role && !(engine.roleExists(role) && engine.userCanUseRole(user.name, role))) {
      return reply({ error: 'role_not_granted', user: user.name, role }, 400);
    }
    const validity = input.expiresInSeconds ?? OAUTH_TOKEN_VALIDITY_S;
    const token = state.oauth.mint(user.name, role, validity, now);
    return reply({
      access_token: token,
      token_type: 'Bearer',
      expires_in: validity,
      username: user.name,
      scope: role ? `session:role:${role}` : 'session:role-any',
    });
  }

  const input = await controlInput(req, res, send, MfaInput);
  if (!input) return true;
  const user = engine.findUser(connectIdentifier(input.user));
  if (!user) return reply({ error: 'no_such_user', user: input.user }, 400);
  if (input.passcode === null) state.mfa.unenrol(user.name);
  else state.mfa.enrol(user.name, input.passcode);
  return reply({ user: user.name, enrolled: state.mfa.isEnrolled(user.name) });
}

/** POST /sandbox/reset: forget issued tokens and enrolments, as the catalog goes back to its seed. */
export function resetSignInState(engine: SqlEngine): void {
  const state = signInState(engine);
  state.oauth.clear();
  state.mfa.clear();
}
