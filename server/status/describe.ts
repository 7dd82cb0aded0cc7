// What the app's own Snowflake session can read about the chain, each read classified: seen, could not be
// seen (missing, or the app's role has no privilege on it: Snowflake gives one answer for both), answered
// in a shape the reader does not know (odd: what was seen), or failed for another reason (network,
// sign-in). The statements and their parsing live in snowflake/chain-reader.ts.
import type { AppConfig } from '../config/index.js';
import { type AppError, isAppError } from '../errors/index.js';
import {
  type ChainReader,
  type FunctionFacts,
  type IntegrationFacts,
  isUnreadable,
  type NetworkRuleFacts,
  nameProblem,
  parseList,
  type SecretFacts,
  type SessionFacts,
  UnexpectedAnswer,
} from '../snowflake/chain-reader.js';

export type Seen<T> =
  | { kind: 'ok'; value: T }
  | { kind: 'unseen'; error: AppError }
  | { kind: 'error'; error: AppError }
  /** Snowflake answered, but not in a shape the app can read: `seen` says what it saw. */
  | { kind: 'odd'; seen: string };

/** Everything the reads found, before it is judged. */
export interface ChainFacts {
  session: Seen<SessionFacts>;
  secret?: Seen<SecretFacts>;
  checkFunction?: Seen<FunctionFacts>;
  integration?: { name: string; seen: Seen<IntegrationFacts> };
  eais: { name: string; seen: Seen<IntegrationFacts> }[];
  rules: { name: string; seen: Seen<NetworkRuleFacts> }[];
}

/** Never throws: whatever a read does becomes one of the four kinds, so one read cannot fail the page. */
async function seen<T>(read: () => Promise<T>): Promise<Seen<T>> {
  try {
    return { kind: 'ok', value: await read() };
  } catch (e) {
    if (e instanceof UnexpectedAnswer) return { kind: 'odd', seen: e.seen };
    if (!isAppError(e)) {
      const what = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      return { kind: 'odd', seen: `reading it failed unexpectedly (${what.slice(0, 200)})` };
    }
    if (e.code === 'snowflake_object_missing' || e.code === 'snowflake_privilege')
      return { kind: 'unseen', error: e };
    return { kind: 'error', error: e };
  }
}

/** Describes a name another answer printed, unless it is no name at all (then odd, without a statement). */
function seenByName<T>(name: string, listedBy: string, read: () => Promise<T>): Promise<Seen<T>> {
  const problem = nameProblem(name);
  if (problem)
    return Promise.resolve({
      kind: 'odd',
      seen: `${listedBy} listed “${name}”, which is not a name the app can describe (${problem})`,
    });
  return seen(read);
}

/** The names the chain's first reads printed last time: the integration, the EAIs, their network rules. */
interface ChainNames {
  integration?: string;
  eais: string[];
  rules: string[];
}

// Per reader (one per app): what the last load found, so that the next reads it all at once.
const lastNames = new WeakMap<ChainReader, ChainNames>();

/**
 * Runs the reads concurrently on the one warm session. The names the secret and the function print
 * (integration, EAIs, then the EAIs' rules) are needed to read those objects; they seldom change, so the
 * names the last load found are read right away, together with the sign-in, secret and function: an
 * unchanged chain costs one round trip. A name that changed is read once the answer that prints it is in
 * (and the early read of the old one is dropped), as the first load reads everything.
 */
export async function readChain(reader: ChainReader, config: AppConfig): Promise<ChainFacts> {
  const integrations = new Map<string, Promise<Seen<IntegrationFacts>>>();
  const rules = new Map<string, Promise<Seen<NetworkRuleFacts>>>();
  const integrationRead = (name: string, listedBy: string) => {
    let read = integrations.get(name);
    if (!read) {
      read = seenByName(name, listedBy, () => reader.integration(name));
      integrations.set(name, read);
    }
    return read;
  };
  const ruleRead = (name: string) => {
    let read = rules.get(name);
    if (!read) {
      read = seenByName(name, 'DESCRIBE INTEGRATION', () => reader.networkRule(name));
      rules.set(name, read);
    }
    return read;
  };
  const guess = lastNames.get(reader);
  const first = Promise.all([
    seen(() => reader.sessionFacts()),
    seen(() => reader.secret(config.snowflake.secret)),
    seen(() => reader.checkFunction(config.snowflake.checkFunction)),
  ]);
  if (guess) {
    if (guess.integration) void integrationRead(guess.integration, 'DESCRIBE SECRET');
    for (const n of guess.eais) void integrationRead(n, 'DESCRIBE FUNCTION');
    for (const n of guess.rules) void ruleRead(n);
  }
  const [session, secret, checkFunction] = await first;
  const facts: ChainFacts = { session, eais: [], rules: [] };
  // Signed out or unreachable: every other read would fail the same way.
  if (session.kind === 'error') return facts;
  facts.secret = secret;
  facts.checkFunction = checkFunction;
  // The reader has checked that the secret's integration is a name; an unreadable one is judged as such.
  const integrationName =
    secret.kind === 'ok' && !isUnreadable(secret.value.integration) ? secret.value.integration : undefined;
  const eaiNames =
    checkFunction.kind === 'ok' && !isUnreadable(checkFunction.value.externalAccessIntegrations)
      ? checkFunction.value.externalAccessIntegrations
      : [];
  const [integration, ...eais] = await Promise.all([
    integrationName ? integrationRead(integrationName, 'DESCRIBE SECRET') : undefined,
    ...eaiNames.map((n) => integrationRead(n, 'DESCRIBE FUNCTION')),
  ]);
  if (integrationName && integration) facts.integration = { name: integrationName, seen: integration };
  facts.eais = eaiNames.map((name, i) => ({ name, seen: eais[i]! }));
  const ruleNames = [
    ...new Set(
      facts.eais.flatMap((e) => (e.seen.kind === 'ok' ? parseList(e.seen.value.ALLOWED_NETWORK_RULES) : [])),
    ),
  ];
  const ruleFacts = await Promise.all(ruleNames.map(ruleRead));
  facts.rules = ruleNames.map((name, i) => ({ name, seen: ruleFacts[i]! }));
  // Only names a statement could be written with are worth reading early next time.
  const nameable = (n: string) => nameProblem(n) === null;
  lastNames.set(reader, {
    integration: integrationName,
    eais: eaiNames.filter(nameable),
    rules: ruleNames.filter(nameable),
  });
  return facts;
}
