// How many round trips a status load's reads cost: the first load reads what each answer names after it (three
// rounds); later loads read the names the last one found together with the rest (one round), and a name that
// changed is read once the answer naming it is in. Counted by answering the statements in rounds, no clock.
import { describe, expect, it } from 'vitest';
import { ChainReader } from '../../server/snowflake/chain-reader.js';
import type { SnowflakeSession } from '../../server/snowflake/session.js';
import { readChain } from '../../server/status/describe.js';
import { config } from './status-fixtures.js';

let integrationName = 'FITBIT_OAUTH_INTEGRATION';

function answer(sql: string): unknown {
  if (sql.startsWith('SELECT CURRENT_USER')) return [{ U: 'APP', R: 'APP_ROLE', W: 'WH' }];
  if (sql.startsWith('DESCRIBE SECRET'))
    return [{ owner: 'APP_ROLE', secret_type: 'OAUTH2', integration_name: integrationName }];
  if (sql.startsWith('DESCRIBE FUNCTION'))
    return [{ property: 'external_access_integrations', value: '[FITBIT_EAI]' }];
  if (sql === 'DESCRIBE INTEGRATION FITBIT_EAI')
    return [{ property: 'ALLOWED_NETWORK_RULES', property_value: 'FITBIT.PUBLIC.FITBIT_API_RULE' }];
  if (sql.startsWith('DESCRIBE INTEGRATION')) return [{ property: 'ENABLED', property_value: 'true' }];
  if (sql.startsWith('DESCRIBE NETWORK RULE'))
    return [{ owner: 'SYSADMIN', type: 'HOST_PORT', mode: 'EGRESS', value_list: 'health.googleapis.com' }];
  throw new Error(`unexpected statement ${sql}`);
}

/** A session that holds every statement until the test answers the ones sent so far: one round trip. */
function roundTripSession() {
  const pending: { sql: string; resolve: (rows: unknown) => void }[] = [];
  const session = {
    execute: (sql: string) => new Promise((resolve) => pending.push({ sql, resolve })),
  } as unknown as SnowflakeSession;
  /** Runs `load`, answering in rounds; returns the statements of each round. */
  async function rounds<T>(load: Promise<T>): Promise<{ result: T; rounds: string[][] }> {
    let done = false;
    let result: T | undefined;
    void load.then((r) => {
      done = true;
      result = r;
    });
    const out: string[][] = [];
    for (;;) {
      await new Promise((r) => setImmediate(r));
      if (done) return { result: result as T, rounds: out };
      const round = pending.splice(0);
      out.push(round.map((p) => p.sql).sort());
      for (const p of round) p.resolve(answer(p.sql));
    }
  }
  return { session, rounds };
}

describe('the status reads, in round trips', () => {
  it('first load: three rounds; next loads: one; a changed name costs a round more, once', async () => {
    const { session, rounds } = roundTripSession();
    const reader = new ChainReader(session);
    const first = await rounds(readChain(reader, config()));
    expect(first.rounds).toEqual([
      [
        'DESCRIBE FUNCTION FITBIT.PUBLIC.FITBIT_CONNECTION_CHECK()',
        'DESCRIBE SECRET FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN',
        'SELECT CURRENT_USER() AS U, CURRENT_ROLE() AS R, CURRENT_WAREHOUSE() AS W',
      ],
      ['DESCRIBE INTEGRATION FITBIT_EAI', 'DESCRIBE INTEGRATION FITBIT_OAUTH_INTEGRATION'],
      ['DESCRIBE NETWORK RULE FITBIT.PUBLIC.FITBIT_API_RULE'],
    ]);

    const second = await rounds(readChain(reader, config()));
    expect(second.rounds).toEqual([first.rounds.flat().sort()]);
    expect(second.result).toEqual(first.result);

    integrationName = 'NEW_OAUTH_INTEGRATION';
    const third = await rounds(readChain(reader, config()));
    expect(third.rounds).toEqual([
      first.rounds.flat().sort(),
      ['DESCRIBE INTEGRATION NEW_OAUTH_INTEGRATION'],
    ]);
    expect(third.result.integration?.name).toBe('NEW_OAUTH_INTEGRATION');
    expect((await rounds(readChain(reader, config()))).rounds).toHaveLength(1);
  });
});
