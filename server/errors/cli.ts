// What `npm run connect` tells the person at the terminal: a pasted address it refuses before the sign-in
// sees it (cut off, another redirect URI, another attempt, used already), the redirect URI's port it cannot
// listen on, an account it does not know, and input that ended. The sign-in's own failures (consent
// denied, an expired sign-in, the provider's and Snowflake's errors) are the web's entries, word for word.
import { entry, REDIRECT_URI } from './entry.js';

type CutOff = 'no_query' | 'no_state' | 'short_state' | 'no_code' | 'short_code' | 'partial_address';

const cutOffWhy: Record<CutOff, string> = {
  no_query: 'It ends before the “?” and everything after it: the part that carries the sign-in’s answer.',
  no_state: 'It has no “state=…”, which tells the command which sign-in the answer belongs to.',
  short_state: 'Its “state=…” is shorter than the one this sign-in sent.',
  no_code: 'It has no “code=…”, the one-time code the provider sent (and no error either).',
  short_code:
    'It ends inside or right after the “code=…”: what the provider always sends after the code is missing, so the code is most likely cut short.',
  partial_address: 'It is only the beginning of the redirect URI.',
};

export const cliErrors = {
  cli_callback_not_an_address: entry<{ redirectUri: string }>({
    group: 'sign-in',
    when: '`npm run connect -- --no-browser`: what was pasted is not a web address.',
    status: 400,
    title: 'That is not a web address',
    why: 'The command waits for the address your browser showed after you chose Allow (the page that failed to load). What was pasted could not be read as one.',
    fix: (p) =>
      `Copy the whole address bar of that page (it starts with ${p.redirectUri}?) and paste it here.`,
    examples: [{ params: { redirectUri: REDIRECT_URI } }],
  }),
  cli_callback_cut_off: entry<{ variant: CutOff; redirectUri: string }>({
    group: 'sign-in',
    when: '`npm run connect -- --no-browser`: the pasted address is missing its end (no query, no state, a shorter state, no code).',
    status: 400,
    title: 'The address looks cut off: copy the whole address bar',
    why: (p) =>
      `${cutOffWhy[p.variant]} Nothing was used: the sign-in is still waiting for the whole address.`,
    fix: (p) =>
      `Click into the browser’s address bar, select all of it (Ctrl-A or Cmd-A), copy it and paste it here. It starts with ${p.redirectUri}?state= and is usually a few hundred characters long.`,
    examples: (
      ['no_query', 'no_state', 'short_state', 'no_code', 'short_code', 'partial_address'] as const
    ).map((variant) => ({
      label: variant.replace('_', ' '),
      params: { variant, redirectUri: REDIRECT_URI },
    })),
  }),
  cli_callback_other_redirect: entry<{ got: string; expected: string }>({
    group: 'sign-in',
    when: '`npm run connect -- --no-browser`: the pasted address does not start with this app’s redirect URI (`OAUTH_REDIRECT_URI`).',
    status: 400,
    title: 'This address is for another redirect URI',
    why: (p) =>
      `The pasted address goes to ${p.got}, but this app’s sign-in comes back to ${p.expected}. The provider sends the browser only to the redirect URI the sign-in asked for, so this address belongs to another sign-in (another app, or another setting of OAUTH_REDIRECT_URI). Its code was not used.`,
    fix: (p) =>
      `Open the sign-in address this command printed, choose Allow, and paste the address that page leads to (it starts with ${p.expected}).`,
    examples: [{ params: { got: '<the pasted address’s redirect URI>', expected: REDIRECT_URI } }],
  }),
  cli_callback_other_attempt: entry({
    group: 'sign-in',
    when: '`npm run connect -- --no-browser`: the pasted address answers a sign-in this run of the command did not start (an earlier run, or the web app’s Connect button).',
    status: 400,
    title: 'This address is from another sign-in',
    why: 'Its state does not match any sign-in this command started. Each sign-in can only be finished where it began: an address from an earlier run of the command, or from the web app’s Connect button, cannot finish this one. Its code was not used.',
    fix: 'Open the latest sign-in address this command printed, choose Allow, and paste the address that page leads to.',
  }),
  cli_callback_reused: entry({
    group: 'sign-in',
    when: '`npm run connect -- --no-browser`: the pasted address was pasted (or reached the command) once already.',
    status: 400,
    title: 'This address was used already',
    why: 'Each answer from the provider works once: this one was handed to the sign-in before, which then ended (the app forgets a sign-in once its answer arrives, whatever the outcome). It was refused without using its code again.',
    fix: 'Open the newest sign-in address this command printed, choose Allow, and paste the address that page leads to.',
  }),
  cli_port_taken: entry<{ redirectUri: string; port: number }>({
    group: 'sign-in',
    when: '`npm run connect` (without --no-browser) could not listen on the redirect URI’s port: usually the web app is running.',
    status: 409,
    title: (p) => `Port ${p.port} is in use`,
    why: (p) =>
      `The command receives the sign-in’s answer by listening on the redirect URI, ${p.redirectUri}, but another program already listens on port ${p.port}: most likely this app itself (npm start). Nothing was started.`,
    fix: 'If the app is running, use its Connect Fitbit button (or Re-authorize on its Status page). Otherwise run `npm run connect -- --no-browser` and paste the address back, or stop the program that holds the port.',
    examples: [{ params: { redirectUri: REDIRECT_URI, port: 8787 } }],
  }),
  cli_redirect_not_local: entry<{ redirectUri: string }>({
    group: 'sign-in',
    when: '`npm run connect` (without --no-browser) with an `OAUTH_REDIRECT_URI` that is not a plain-http loopback address the command could listen on.',
    status: 400,
    title: 'The command cannot receive the sign-in at this redirect URI',
    why: (p) =>
      `To receive the sign-in itself, the command listens on the redirect URI, which must then be http on this computer (localhost or 127.0.0.1). ${p.redirectUri} is not. Nothing was started.`,
    fix: 'Run `npm run connect -- --no-browser` and paste the address back, or connect from the web app.',
    examples: [{ params: { redirectUri: REDIRECT_URI } }],
  }),
  cli_account_unknown: entry<{ label: string; known: string; problem?: string }>({
    group: 'sign-in',
    when: '`npm run connect -- --account <label>` named an account this app does not have.',
    status: 404,
    title: (p) => `There is no account “${p.label}”`,
    why: (p) => p.problem ?? `The command knows these accounts: ${p.known}.`,
    fix: (p) =>
      `Use --account with one of ${p.known}, or add “${p.label}” on the Setup page (Add an account), run the SQL it shows, then run the command again.`,
    examples: [
      { label: 'not added', params: { label: '<label>', known: 'default' } },
      {
        label: 'not a label',
        params: {
          label: '<label>',
          known: 'default',
          problem: 'A label is 1 to 24 lower-case letters, digits or "_", starting with a letter.',
        },
      },
    ],
  }),
  cli_input_ended: entry<{ variant: 'no_paste' | 'interrupted' }>({
    group: 'sign-in',
    when: '`npm run connect`: the input ended (Ctrl-D, a closed pipe) or Ctrl-C was pressed before a token was written.',
    status: 400,
    title: (p) => (p.variant === 'interrupted' ? 'Stopped' : 'Nothing was pasted'),
    why: (p) =>
      p.variant === 'interrupted'
        ? 'The command was stopped before a token was written. A token already received was revoked, or only forgotten when revoking would also cut off the token Snowflake holds; the history says which.'
        : 'The input ended before an address was pasted, so the sign-in could not finish. Nothing was written.',
    fix: (p) =>
      p.variant === 'interrupted'
        ? 'Run `npm run connect` again when you are ready (with `-- --no-browser` to paste the address back).'
        : 'Run `npm run connect -- --no-browser` at a terminal, and paste the address when it asks for it.',
    examples: [
      { label: 'input ended', params: { variant: 'no_paste' } },
      { label: 'Ctrl-C', params: { variant: 'interrupted' } },
    ],
  }),
};
