// Errors of the connect journey itself: the one-time state, the consent screen, what the sign-in returned,
// and a held token that is gone.
import type { PermissionInWords as MissingPermission } from '../providers/scope-words.js';
import { detailOf, entry, PROVIDER, REDIRECT_URI } from './entry.js';

/** "a", "a and b", "a, b and c". */
const listed = (items: readonly string[]) =>
  items.length > 1 ? `${items.slice(0, -1).join(', ')} and ${items.at(-1)}` : (items[0] ?? '');

/** What stops working without these permissions, in one or two sentences ending in a space. */
function lostWithout(missing: readonly MissingPermission[]): string {
  const data = [...new Set(missing.flatMap((m) => m.data))];
  const lost = [
    ...(data.length > 0 ? [`Snowflake cannot read your ${listed(data)}`] : []),
    ...(missing.some((m) => m.identity)
      ? ['neither the app nor Snowflake’s check can tell whose account it is']
      : []),
  ];
  const needed = missing.filter((m) => m.data.length > 0 || m.identity);
  // A scope nothing shipped reads with is required because OAUTH_SCOPES lists it (the integration allows it).
  const listedOnly = missing.filter((m) => !needed.includes(m)).map((m) => m.name);
  const them = (n: number) => (n > 1 ? 'them' : 'it');
  return [
    ...(lost.length > 0 ? [`Without ${them(needed.length)}, ${listed(lost)}. `] : []),
    ...(listedOnly.length > 0
      ? [`OAUTH_SCOPES lists ${listed(listedOnly)}, so the connection requires ${them(listedOnly.length)}. `]
      : []),
  ].join('');
}

export const signInErrors = {
  state_invalid: entry({
    group: 'sign-in',
    when: 'The callback URL was opened without its `state` (by hand, or by another page).',
    status: 400,
    title: 'This sign-in cannot be finished',
    why: 'The provider’s answer carries no state, so the app cannot tell which sign-in it belongs to. This happens when the callback URL is opened by hand or by another page.',
    fix: 'Start the connection again from this app.',
    retryConnect: true,
  }),
  state_expired: entry({
    group: 'sign-in',
    when: 'The sign-in was older than 10 minutes, used already (a reload), or the app restarted in between.',
    status: 400,
    title: 'This sign-in expired, start again',
    why: 'The app does not know this sign-in: it was already used, it is older than 10 minutes, or the app restarted since it began. Each sign-in works once.',
    fix: 'Start the connection again.',
    retryConnect: true,
  }),
  state_other_browser: entry({
    group: 'sign-in',
    when: 'The callback reached a browser without the cookie of the one that started the sign-in.',
    status: 400,
    title: 'This sign-in was started in another browser',
    why: 'The sign-in can only be finished in the browser that started it (a cookie ties the two together). The cookie is missing or different here, so the app refused it without using the code.',
    fix: 'Start the connection again in this browser, and finish it here.',
    retryConnect: true,
  }),
  consent_denied: entry<{ provider: string }>({
    group: 'sign-in',
    when: 'Deny was chosen on the provider’s consent screen.',
    status: 400,
    title: 'Access was not granted',
    why: (p) =>
      `You (or the account’s administrator) chose Deny on the ${p.provider} consent screen, so no token was issued. Nothing was written to Snowflake.`,
    fix: 'Connect again and choose Allow, keeping every requested permission ticked.',
    retryConnect: true,
    examples: [{ params: { provider: PROVIDER } }],
  }),
  issuer_mismatch: entry<{ expected: string; got: string }>({
    group: 'sign-in',
    when: 'The authorization response carried an `iss` other than the provider’s issuer (`OAUTH_ISSUER`): an answer from another authorization server, or a proxy that shows its own issuer.',
    status: 400,
    title: 'The answer came from another authorization server',
    why: (p) =>
      `The sign-in’s answer says it was issued by ${p.got}, but this app signs in with ${p.expected}. An answer from another server is refused before its code is used (a defence against mix-up attacks), so nothing was exchanged or written.`,
    fix: (p) =>
      `Start the connection again from this app. If you sign in through a proxy that sends its own issuer, set OAUTH_ISSUER=${p.got} and restart the app.`,
    retryConnect: true,
    examples: [{ params: { expected: 'https://accounts.google.com', got: '<the iss the answer carried>' } }],
  }),
  provider_callback_error: entry<{
    provider: string;
    error: string;
    description?: string;
    redirectUri: string;
  }>({
    group: 'sign-in',
    when: 'The provider sent the browser back with `?error=…` (e.g. `invalid_scope`, `server_error`, `redirect_uri_mismatch`) instead of a code; its error and description are on the page.',
    status: 400,
    title: (p) => `${p.provider} returned an error instead of a code`,
    why: (p) => `The provider answered "${p.error}"${detailOf(p.description)}.`,
    fix: (p) =>
      p.error === 'redirect_uri_mismatch'
        ? `Register ${p.redirectUri} exactly as the client’s redirect URI, or set OAUTH_REDIRECT_URI to the registered one.`
        : 'Connect again; if it repeats, the provider’s message says what to change.',
    retryConnect: true,
    examples: [
      {
        label: 'any error',
        params: {
          provider: PROVIDER,
          error: '<error>',
          description: '<description>',
          redirectUri: REDIRECT_URI,
        },
      },
      {
        label: '`redirect_uri_mismatch`',
        params: {
          provider: PROVIDER,
          error: 'redirect_uri_mismatch',
          description: '<description>',
          redirectUri: REDIRECT_URI,
        },
      },
    ],
  }),
  scope_missing: entry<{ missing: readonly MissingPermission[] }>({
    group: 'sign-in',
    when: 'A permission was unticked on the consent screen; the page names it and what Snowflake cannot read without it. The token obtained was revoked (or dropped), nothing was written.',
    status: 403,
    title: 'A permission the connection needs was not granted',
    why: (p) =>
      `The consent screen lets you untick permissions, and ${p.missing.length > 1 ? 'these were' : 'this one was'} not granted: ${listed(p.missing.map((m) => `${m.name} (${m.scope})`))}. ${lostWithout(p.missing)}Nothing was written to Snowflake.`,
    fix: (p) =>
      `Connect again and leave every permission on the consent screen ticked, ${listed(p.missing.map((m) => m.name))} included.`,
    retryConnect: true,
    examples: [
      {
        label: 'a permission the daily data is read under',
        params: {
          missing: [{ scope: '<scope>', name: '<permission>', data: ['<data kinds>'], identity: false }],
        },
      },
      {
        label: 'a permission the sign-in’s identity call needs (legacy Fitbit `profile`)',
        params: { missing: [{ scope: '<scope>', name: '<permission>', data: [], identity: true }] },
      },
      {
        label: 'a permission only `OAUTH_SCOPES` adds',
        params: { missing: [{ scope: '<scope>', name: '<permission>', data: [], identity: false }] },
      },
    ],
  }),
  no_refresh_token: entry<{ variant: 'offline_consent' | 'other'; permissionsUrl: string }>({
    group: 'sign-in',
    when: 'The token response had no refresh token: no offline access, or a proxy dropped `access_type` / `prompt`.',
    status: 502,
    title: 'The provider did not return a refresh token',
    why: (p) =>
      p.variant === 'offline_consent'
        ? 'Google returns a refresh token only for offline access when the consent screen was shown. The app asks for both (access_type=offline, prompt=consent), so a proxy or an older grant for this client interfered, or the client is of a type that gets no refresh tokens.'
        : 'The provider’s answer had no refresh token, so Snowflake would have nothing to use.',
    fix: (p) =>
      `Remove the app’s earlier access at ${p.permissionsUrl}, then connect again. If you set OAUTH_AUTHORIZATION_URL to a proxy, make sure it passes access_type and prompt through.`,
    retryConnect: true,
    examples: [
      {
        label: 'Google Health API',
        params: { variant: 'offline_consent', permissionsUrl: '<account permissions page>' },
      },
      {
        label: 'legacy Fitbit Web API',
        params: { variant: 'other', permissionsUrl: '<account permissions page>' },
      },
    ],
  }),
  different_account: entry<{ previousUserId: string; userId: string }>({
    group: 'sign-in',
    when: 'You signed in as another user than the one whose token the secret holds: the app asks before replacing it (a question, not a failure).',
    status: 200,
    title: 'This is a different account',
    why: (p) =>
      `The secret now holds the token of user ${p.previousUserId}; you signed in as ${p.userId}. Writing replaces the connection for everything that uses the secret.`,
    fix: 'Choose “Write this account’s token” to switch, or “Cancel” to keep the current connection (the new token is then revoked or dropped).',
    examples: [{ params: { previousUserId: '<previous user>', userId: '<you>' } }],
  }),
  held_token_gone: entry({
    group: 'sign-in',
    when: '“Retry saving” (or “Write this account’s token”) was pressed for a token the app no longer holds: it was saved, expired (and was revoked or dropped), the app restarted, or this is another browser.',
    status: 410,
    title: 'There is no token waiting to be saved',
    why: 'The token from that sign-in is no longer held: it was saved already, it was held longer than allowed and was revoked (or dropped), the app restarted, or this is another browser.',
    fix: 'Start the connection again.',
    retryConnect: true,
  }),
};
