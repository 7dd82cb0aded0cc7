// What a participant is told when their sign-in fails: the catalog's participant wording for each cause,
// never an admin's page (nothing there is theirs to fix).
import { describe, expect, it } from 'vitest';
import { appError } from '../../server/errors/index.js';
import { participantError } from '../../server/invites/answers.js';

describe('participantError', () => {
  it('says each cause in the participant’s words', () => {
    const said = (e: Parameters<typeof participantError>[0]) => participantError(e, 'Google Health API').code;
    expect(said(appError('consent_denied', { provider: 'Google Health API' }))).toBe('invite_consent_denied');
    expect(said(appError('state_expired'))).toBe('invite_sign_in_expired');
    expect(said(appError('invite_used', { usedAt: new Date(0).toISOString() }))).toBe('invite_used');
    // Anything else (a Snowflake refusal, a provider error): the connection did not complete, and why.
    const other = participantError(appError('secret_write_failed', { detail: 'x' }), 'Google Health API');
    expect(other.code).toBe('invite_sign_in_failed');
    expect(other.why).toContain(appError('secret_write_failed', { detail: 'x' }).title);
  });
});
