// Errors of several accounts: adding one on /setup (a label the naming rule refuses, one already taken, a
// person's name that cannot be shown as given), naming one that is not there, and connecting one whose
// objects are not there yet.
import { entry } from './entry.js';

export const accountErrors = {
  account_label_invalid: entry<{ label: string; problem: string }>({
    group: 'accounts',
    when: 'The "Add an account" form on /setup was sent with a label the naming rule refuses (server/accounts/names.ts).',
    status: 400,
    title: 'That label cannot name an account',
    why: (p) =>
      `The label “${p.label}” was refused: ${p.problem} The label becomes part of the account’s Snowflake object names (its secret and functions), so only these characters are allowed. Nothing was added.`,
    fix: 'Go back to the Setup page and add the account again with a label such as “alice” or “p07”.',
    examples: [
      {
        params: {
          label: '<label>',
          problem:
            'A label is 1 to 24 lower-case letters, digits or "_", starting with a letter (e.g. "alice" or "p07").',
        },
      },
    ],
  }),
  account_exists: entry<{ label: string }>({
    group: 'accounts',
    when: 'The "Add an account" form on /setup was sent with the label of an account already registered.',
    status: 409,
    title: 'That account already exists',
    why: (p) =>
      `An account labelled “${p.label}” is already registered; each label names one secret and one set of functions, so it cannot be added twice. Nothing was changed.`,
    fix: 'Use the existing account (its SQL is on the Setup page), or add the new person with another label.',
    examples: [{ params: { label: '<label>' } }],
  }),
  account_person_invalid: entry({
    group: 'accounts',
    when: 'The "Add an account" form on /setup was sent with a person’s name longer than 80 characters or with line breaks or control characters.',
    status: 400,
    title: 'That name cannot be shown',
    why: 'The person’s name is shown on the status and setup pages and in the SQL’s comment: it must be one line of at most 80 characters. Nothing was added.',
    fix: 'Go back to the Setup page and give a shorter name (or none: the label alone is enough).',
  }),
  account_unknown: entry<{ label: string }>({
    group: 'accounts',
    when: 'A page, link or command named an account label the app does not manage.',
    status: 404,
    title: 'No such account',
    why: (p) => `The app manages no account labelled “${p.label}”.`,
    fix: 'Add it on the Setup page (Accounts), run the SQL shown there, then connect it; or check the label for a typo.',
    examples: [{ params: { label: '<label>' } }],
  }),
  account_not_ready: entry<{ label: string; missing: string }>({
    group: 'accounts',
    when: 'Connect was asked for an account whose Snowflake objects (its secret, the integration’s allowed secrets, its functions) are not all there yet.',
    status: 409,
    title: 'This account’s Snowflake objects are not ready',
    why: (p) =>
      `The account “${p.label}” needs objects only an administrator can create, and Snowflake does not show them all yet: ${p.missing}. Connecting now would write a token nothing can use.`,
    fix: 'Run the account’s SQL from the Setup page (Accounts) as an administrator, then press Connect again: the app checks the objects first.',
    examples: [{ params: { label: '<label>', missing: '<what is missing>' } }],
  }),
};
