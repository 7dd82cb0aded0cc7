// What a person is told about a token's custody when something else got there first: a stop under way,
// another action on the same held token, a number from the provider the app would not write.
import { entry, PROVIDER } from './entry.js';

type Stopping = 'refused' | 'no_token' | 'not_saved' | 'write_running' | 'written';
type ClaimedBy = 'save' | 'cancel' | 'expiry' | 'shutdown';

const stoppingWhy: Record<Stopping, (provider: string) => string> = {
  refused: () =>
    'The app is shutting down and starts nothing new. Nothing was written; a token still waiting to be saved is disposed of by the stop (revoked, or only forgotten when revoking would also cut off the token Snowflake holds), and the history says which.',
  no_token: (provider) =>
    `The app stopped while ${provider} was still answering this sign-in: no token reached the app and nothing was written. A token that arrives after all is revoked (or only forgotten when revoking would also cut off the token Snowflake holds).`,
  not_saved: (provider) =>
    `The app stopped before the token from ${provider} was saved. It is revoked at ${provider}, or only forgotten when revoking would also cut off the token Snowflake holds for the same account; the history says which. Nothing was written.`,
  write_running: () =>
    'The app stopped while Snowflake was still running the write (ALTER SECRET). The app asked Snowflake to cancel it, but a statement Snowflake has received may still take effect, so the token was forgotten, not revoked: revoking it could break a token Snowflake now holds. The history records it.',
  written: () =>
    'The token was written into the secret, but the app stopped before Snowflake’s end-to-end check had finished.',
};

const claimedTitle: Record<ClaimedBy, string> = {
  save: 'That token is already being saved',
  cancel: 'That token was cancelled',
  expiry: 'That token’s time ran out',
  shutdown: 'That token was disposed of as the app stopped',
};

const claimedWhy: Record<ClaimedBy, string> = {
  save: 'Another action (a second click, or another tab) took this token first and is writing it into the secret, or has written it. This one did nothing: each held token goes to exactly one action.',
  cancel:
    'It was cancelled first (a second click, or another tab): the app revoked it, or only forgot it when revoking would also cut off the token Snowflake holds. Nothing was written: each held token goes to exactly one action.',
  expiry:
    'It waited longer than HELD_TOKEN_TTL_SECONDS and was revoked, or only forgotten when revoking would also cut off the token Snowflake holds. Nothing was written.',
  shutdown:
    'The app is stopping and disposed of every token waiting to be saved (revoked, or only forgotten when revoking would also cut off the token Snowflake holds). Nothing was written.',
};

export const custodyErrors = {
  app_stopping: entry<{ variant: Stopping; provider: string }>({
    group: 'sign-in',
    when: 'The app was stopped (Ctrl-C, SIGTERM) while this sign-in, Save or Cancel was under way: it waits up to 20 s for it, then ends it so that the stop stays bounded, and every token ends written, revoked or forgotten, as the history records.',
    status: 503,
    title: 'The app is stopping',
    why: (p) => stoppingWhy[p.variant](p.provider),
    fix: (p) =>
      p.variant === 'written'
        ? 'Start the app again and run the end-to-end check on the status page.'
        : p.variant === 'write_running'
          ? 'Start the app again and open the status page: its end-to-end check shows whose token the secret holds. If it is not the account you signed in with, connect again.'
          : 'Start the app again, then connect again.',
    examples: (['refused', 'no_token', 'not_saved', 'write_running', 'written'] as const).map((variant) => ({
      label: variant.replace('_', ' '),
      params: { variant, provider: PROVIDER },
    })),
  }),
  held_token_claimed: entry<{ by: ClaimedBy }>({
    group: 'sign-in',
    when: 'Save and Cancel (or the hold running out, or the app stopping) acted on the same held token at the same moment, e.g. from two tabs or a double click: the token goes to exactly one of them, and this action came second.',
    status: 409,
    title: (p) => claimedTitle[p.by],
    why: (p) => claimedWhy[p.by],
    fix: (p) =>
      p.by === 'save'
        ? 'Wait for the other tab’s result, or open the status page: it shows whose token the secret holds.'
        : 'Connect again if you still want to write a token.',
    retryConnect: (p) => p.by !== 'save',
    examples: (['save', 'cancel', 'expiry', 'shutdown'] as const).map((by) => ({
      label: by,
      params: { by },
    })),
  }),
  provider_number_refused: entry<{
    provider: string;
    claim: string;
    field: string;
    range: string;
    instead: string;
  }>({
    group: 'provider',
    when: 'The provider’s token answer carried a number outside the range the app believes, e.g. `refresh_token_expires_in` of `1e300`, a negative one, or centuries. The token is still written, without that number; the result page and the history say so.',
    status: 200,
    title: (p) => `${p.provider} sent a number the app did not believe`,
    why: (p) => `${p.provider} said ${p.claim} (${p.field}): ${p.range}, so ${p.instead}.`,
    fix: 'Nothing to do for this connection: the token works and was written. Without a known expiry the app cannot warn before it ends, but the end-to-end check says when it stops working. If it keeps happening, something between the app and the provider rewrites its answers: check any proxy named in the OAuth URLs.',
    examples: [
      {
        params: {
          provider: PROVIDER,
          claim: 'the refresh token lives 1e+300 s',
          field: 'refresh_token_expires_in',
          range: 'a believable lifetime is between a minute and ten years',
          instead: 'no expiry was written',
        },
      },
    ],
  }),
};
