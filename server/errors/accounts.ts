// Errors of several accounts: adding one, naming one, and connecting one whose objects are not there yet.
import { entry } from './entry.js';

export const accountErrors = {
  account_label_invalid: entry<{ label: string; problem: string }>({
    group: 'accounts',
    when: 'The label given for a new account is not one the naming rule accepts (it becomes part of Snowflake object names).',
    status: 400,
    title: 'That label cannot name an account',
    why: (p) => `“${p.label}”: ${p.problem}`,
    fix: 'Choose a short lower-case label such as the person’s first name (“alice”) or a study code (“p07”).',
    examples: [{ params: { label: '<label>', problem: '<what the rule says>' } }],
  }),
  account_exists: entry<{ label: string }>({
    group: 'accounts',
    when: 'An account with that label is already registered.',
    status: 409,
    title: 'That account is already there',
    why: (p) => `The app already manages an account labelled “${p.label}”.`,
    fix: 'Use the existing account (its row on the Status page), or choose another label.',
    examples: [{ params: { label: '<label>' } }],
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
