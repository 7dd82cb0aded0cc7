// Where the token went, against the Snowflake stand-in through the real driver: after each write the app
// looks its own ALTER SECRET up in its session's query history, once, after the check (on the warehouse
// the check has just used), on the very connection that wrote it; a lookup that fails never fails the
// connect, and one that cannot help (the check could not use Snowflake) is not run at all.
import { afterEach, describe, expect, it } from 'vitest';
import { HISTORY_ROWS } from '../../server/snowflake/query-history.js';
import { SessionChangedError, type StatementRun } from '../../server/snowflake/session.js';
import { type Harness, startHarness } from '../support/app-harness.js';

interface Stmt {
  sqlText: string;
  usedWarehouse?: boolean;
}

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function statements(x: Harness): Promise<Stmt[]> {
  const body = (await (await fetch(`${x.snowflakeUrl}/sandbox/statements`)).json()) as
    | { statements: Stmt[] }
    | Stmt[];
  return Array.isArray(body) ? body : body.statements;
}
// The lookup reads 1000 rows; the warehouse warm-up at /connect reads the same function's first row.
const LOOKUP = `QUERY_HISTORY_BY_SESSION(RESULT_LIMIT => ${HISTORY_ROWS})`;
const isLookup = (s: Stmt) => s.sqlText.includes(LOOKUP);

describe('the query-history lookup after a write', () => {
  it('runs once per connect, after the check, on a warehouse, and its answer reaches the page and /status.json', async () => {
    h = await startHarness({ logLevel: 'warn' });
    const page = await h.connectAndFollow();
    expect(page.text).toContain('id="query-history" data-answer="shown"');
    // In sandbox mode the card says whose answer that is: the stand-in's cautious default.
    expect(page.text).toContain('id="query-history-sandbox"');
    const all = await statements(h);
    // (The setup script ran first: the connect's own statements are the last of each kind.)
    const alter = all.findLastIndex((s) => s.sqlText.startsWith('ALTER SECRET'));
    const check = all.findLastIndex(
      (s) => s.sqlText.startsWith('SELECT') && s.sqlText.includes('FITBIT_CONNECTION_CHECK()'),
    );
    const lookups = all.filter(isLookup);
    expect(lookups).toHaveLength(1);
    expect(lookups[0]).toMatchObject({ usedWarehouse: true });
    expect(all.indexOf(lookups[0]!)).toBeGreaterThan(check);
    expect(check).toBeGreaterThan(alter);
    expect((await h.agent.get('/status.json')).body.lastConnect.tokenInHistory).toBe('shown');
  });

  it('a lookup Snowflake refuses leaves the connect connected, and says the answer is unknown', async () => {
    h = await startHarness({ logLevel: 'warn' });
    await h.snowflakeControl('/sandbox/faults', {
      statements: { count: 1, code: '003001', match: LOOKUP },
    });
    const page = await h.connectAndFollow();
    expect(page.text).toContain('Connected: Snowflake can read your Fitbit data');
    expect(page.text).toContain('id="query-history" data-answer="unknown"');
    expect(page.text).toContain('could not read the session’s query history');
    const s = (await h.agent.get('/status.json')).body;
    expect(s.overall).toBe('connected');
    expect(s.lastConnect.tokenInHistory).toBe('unknown');
  });

  it('is not run when the check could not use Snowflake (it would fail the same way, or wait as long)', async () => {
    h = await startHarness({ logLevel: 'warn' });
    await h.snowflakeControl('/sandbox/faults', {
      statements: { count: 1, code: '000606', match: 'FITBIT_CONNECTION_CHECK' },
    });
    const page = await h.connectAndFollow();
    expect(page.text).toContain('id="query-history" data-answer="unknown"');
    expect((await statements(h)).filter(isLookup)).toHaveLength(0);
  });

  it('the driver says where a statement ran, and a statement bound to that connection refuses any other', async () => {
    h = await startHarness({ logLevel: 'warn' });
    let ran: StatementRun | undefined;
    await h.services.session.execute('SELECT 1', { onRun: (r) => (ran = r) });
    expect(ran?.queryId).toMatch(/\S/);
    expect(ran?.connectionId).toMatch(/\S/);
    const rows = await h.services.session.execute('SELECT 2 AS N', { sameConnectionAs: ran!.connectionId });
    expect(rows).toEqual([{ N: 2 }]);
    await expect(
      h.services.session.execute('SELECT 3', { sameConnectionAs: `${ran!.connectionId}-other` }),
    ).rejects.toBeInstanceOf(SessionChangedError);
  });
});
