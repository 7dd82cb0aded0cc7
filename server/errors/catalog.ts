// Every failure a user can meet, keyed by its stable code: the HTTP status and the three things the
// error page shows (title, why, the exact fix). Texts that depend on the situation are functions of a
// small params object. The entries live by group (sign-in.ts, provider.ts, snowflake.ts, guards.ts,
// custody.ts, cli.ts); docs/troubleshooting.md is generated from them (npm run docs), so a code and its
// explanation cannot drift apart.
import { accountErrors } from './accounts.js';
import { cliErrors } from './cli.js';
import { custodyErrors } from './custody.js';
import type { Entry, ErrorExample, ErrorGroup, Text } from './entry.js';
import { guardErrors } from './guards.js';
import { inviteErrors } from './invites.js';
import { pipelineErrors } from './pipeline.js';
import { providerErrors } from './provider.js';
import { signInErrors } from './sign-in.js';
import { snowflakeErrors } from './snowflake.js';

export type { ErrorGroup } from './entry.js';

export const catalog = {
  ...signInErrors,
  ...providerErrors,
  ...snowflakeErrors,
  ...guardErrors,
  ...custodyErrors,
  ...pipelineErrors,
  ...accountErrors,
  ...cliErrors,
  ...inviteErrors,
};

/** Each group's entries as written, for the test that no code is defined twice (a spread hides that). */
export const catalogParts: readonly Record<string, unknown>[] = [
  signInErrors,
  providerErrors,
  snowflakeErrors,
  guardErrors,
  custodyErrors,
  pipelineErrors,
  accountErrors,
  cliErrors,
  inviteErrors,
];

export type ErrorCode = keyof typeof catalog;

/** The params a code's texts take (`{}` when none). */
export type ErrorParams<C extends ErrorCode> = (typeof catalog)[C] extends Entry<infer P> ? P : never;

/** What a code and its params say: everything the page shows except the upstream error. */
export interface ErrorText {
  status: number;
  title: string;
  why: string;
  fix: string;
  fixSql?: string;
  retryConnect: boolean;
}

const text = <P>(t: Text<P>, p: P): string => (typeof t === 'function' ? t(p) : t);

export function errorText<C extends ErrorCode>(code: C, params: ErrorParams<C>): ErrorText {
  const e = catalog[code] as unknown as Entry<ErrorParams<C>>;
  const retry = e.retryConnect;
  return {
    status: typeof e.status === 'function' ? e.status(params) : e.status,
    title: text(e.title, params),
    why: text(e.why, params),
    fix: text(e.fix, params),
    fixSql: e.fixSql?.(params),
    retryConnect: typeof retry === 'function' ? retry(params) : (retry ?? false),
  };
}

/** One code as the docs describe it: each situation rendered with placeholders. */
export interface ErrorDoc {
  code: ErrorCode;
  group: ErrorGroup;
  when: string;
  situations: (Omit<ErrorText, 'status'> & { label?: string; status: string })[];
}

export function errorDocs(): ErrorDoc[] {
  return (Object.keys(catalog) as ErrorCode[]).map((code) => {
    const e = catalog[code] as unknown as Entry<unknown>;
    const examples: readonly ErrorExample<unknown>[] = e.examples ?? [{ params: {} }];
    return {
      code,
      group: e.group,
      when: e.when,
      situations: examples.map((x) => {
        const t = errorText(code, x.params as ErrorParams<typeof code>);
        return { ...t, label: x.label, status: x.status ?? String(t.status) };
      }),
    };
  });
}
