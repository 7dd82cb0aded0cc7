// /status and /status.json against a Snowflake stand-in whose DESCRIBE answers have other shapes (the
// stand-in's reshape fault: a column dropped, a value blanked, a property renamed): each answers 200, the
// affected check is "unknown" with what was seen, and every other check is judged as before. Then each
// party's view of the tokens' expiry, as /status.json and the page show it.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/app-harness.js';

interface Check {
  id: string;
  status: 'ok' | 'warning' | 'failed' | 'unknown';
  detail: string;
  fixSql: string | null;
  unseen: boolean;
}
interface Report {
  overall: string;
  checks: Check[];
  expiries: {
    provider: { at: string | null } | null;
    snowflake: {
      refreshToken: { at: string | null; origin: string | null; counted: boolean; unreadable: string | null };
      accessToken: { at: string | null; unreadable: string | null };
    } | null;
    refreshTokenValidity: { seconds: number | null; unreadable: string | null } | null;
    earliest: { at: string; from: string; passed: boolean; soon: boolean } | null;
    warnAheadHours: number;
  } | null;
}

const SECRET = 'FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN';
const byId = (r: Report, id: string) => {
  const c = r.checks.find((x) => x.id === id);
  if (!c) throw new Error(`no check ${id} in ${r.checks.map((x) => x.id).join(', ')}`);
  return c;
};
const notOk = (r: Report) => r.checks.filter((c) => c.status !== 'ok').map((c) => `${c.id}:${c.status}`);

describe('status against odd DESCRIBE answers', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ logLevel: 'warn' });
    expect((await h.connect()).status).toBe(303);
  });
  afterAll(async () => {
    await h?.close();
  });
  afterEach(async () => {
    await h.snowflakeControl('/sandbox/faults', { clear: true });
  });

  const reshape = async (...rules: object[]) => {
    const res = await h.snowflakeControl('/sandbox/faults', { reshape: rules });
    expect(res.status).toBe(200);
  };
  /** Both views answer 200; the JSON is returned, the page must show the row's status. */
  const both = async (id: string, status: string): Promise<Report> => {
    const json = await h.agent.get('/status.json');
    expect(json.status, json.text.slice(0, 300)).toBe(200);
    const page = await h.agent.get('/status');
    expect(page.status, page.text.slice(0, 300)).toBe(200);
    expect(page.text).toContain(`data-check-id="${id}" data-status="${status}"`);
    return json.body as Report;
  };

  it('the shapes as the stand-in gives them: all ok, connected', async () => {
    const r = (await h.agent.get('/status.json')).body as Report;
    expect(notOk(r)).toEqual([]);
    expect(r.overall).toBe('connected');
  });

  it('the fault reshapes what anyone reads, until cleared', async () => {
    await reshape({ match: 'DESCRIBE SECRET', dropColumns: ['integration_name'] });
    expect(Object.keys((await h.admin(`DESCRIBE SECRET ${SECRET}`))[0] ?? {})).not.toContain(
      'integration_name',
    );
    await h.snowflakeControl('/sandbox/faults', { clear: true });
    expect(Object.keys((await h.admin(`DESCRIBE SECRET ${SECRET}`))[0] ?? {})).toContain('integration_name');
  });

  it('DESCRIBE SECRET without integration_name: that check is unknown, the others intact', async () => {
    await reshape({ match: 'DESCRIBE SECRET', dropColumns: ['integration_name'] });
    const r = await both('secret_integration', 'unknown');
    expect(byId(r, 'secret_integration')).toMatchObject({
      status: 'unknown',
      unseen: true,
      detail:
        'DESCRIBE SECRET answered without an integration_name column, so the secret’s security integration is not checked here.',
      fixSql: `DESCRIBE SECRET ${SECRET};`,
    });
    for (const id of [
      'secret',
      'secret_owner',
      'token_expiry',
      'check_function',
      'eai_enabled',
      'eai_secret',
    ])
      expect(byId(r, id).status, id).toBe('ok');
    // The passing end-to-end check since the connect settles what could not be read.
    expect(r.overall).toBe('connected');
  });

  it('DESCRIBE SECRET with an empty integration name', async () => {
    await reshape({ match: 'DESCRIBE SECRET', blank: ['integration_name'] });
    const r = await both('secret_integration', 'unknown');
    expect(byId(r, 'secret_integration').detail).toContain(
      'DESCRIBE SECRET answered an empty integration_name',
    );
    expect(notOk(r)).toEqual(['secret_integration:unknown']);
  });

  it('DESCRIBE INTEGRATION with a property renamed and another blank: those two unknown, the rest judged', async () => {
    await reshape({
      match: 'DESCRIBE INTEGRATION FITBIT_OAUTH_INTEGRATION',
      renameProperties: { OAUTH_CLIENT_ID: 'CLIENT_ID' },
      blank: ['ENABLED'],
    });
    const r = await both('integration_client_id', 'unknown');
    expect(byId(r, 'integration_client_id').detail).toContain(
      'DESCRIBE INTEGRATION answered without the OAUTH_CLIENT_ID property',
    );
    expect(byId(r, 'integration_enabled')).toMatchObject({
      status: 'unknown',
      detail: expect.stringContaining('DESCRIBE INTEGRATION answered an empty ENABLED'),
      fixSql: 'DESC INTEGRATION FITBIT_OAUTH_INTEGRATION;',
    });
    expect(notOk(r).sort()).toEqual(['integration_client_id:unknown', 'integration_enabled:unknown']);
  });

  it('DESCRIBE FUNCTION without its secrets property: the check function is unknown', async () => {
    await reshape({ match: 'DESCRIBE FUNCTION', renameProperties: { secrets: 'secret_map' } });
    const r = await both('check_function', 'unknown');
    expect(byId(r, 'check_function').detail).toContain('DESCRIBE FUNCTION answered without a secrets column');
    expect(notOk(r)).toEqual(['check_function:unknown']);
  });

  it('no user or warehouse from CURRENT_USER(): once a 500 (an identifier part cannot be empty), now unknown', async () => {
    await reshape({ match: 'SELECT CURRENT_USER', blank: ['U', 'W'] });
    const r = await both('snowflake_signin', 'unknown');
    expect(byId(r, 'snowflake_signin').detail).toContain('CURRENT_USER() answered an empty name');
    expect(byId(r, 'warehouse').fixSql).toContain(
      `ALTER USER ${h.config.snowflake.connection.username} SET DEFAULT_WAREHOUSE`,
    );
    expect(byId(r, 'secret').status).toBe('ok');
  });

  it('DESCRIBE SECRET without its expiry columns: the expiry is unknown and says which', async () => {
    await reshape({
      match: 'DESCRIBE SECRET',
      dropColumns: ['oauth_refresh_token_expiry_time', 'oauth_access_token_expiry_time'],
    });
    const r = await both('token_expiry', 'unknown');
    expect(byId(r, 'token_expiry').detail).toContain(
      'DESCRIBE SECRET answered without an oauth_refresh_token_expiry_time column',
    );
    expect(r.expiries?.snowflake?.refreshToken.unreadable).toContain('oauth_refresh_token_expiry_time');
    const page = await h.agent.get('/status');
    expect(page.text).toMatch(
      /id="expiry-snowflake-refresh"[^>]*>not known: DESCRIBE SECRET answered without/,
    );
  });

  it('an unknown counts as a warning until an end-to-end check since the last connect passes', async () => {
    await reshape({ match: 'DESCRIBE FUNCTION', renameProperties: { secrets: 'secret_map' } });
    // A connect whose check has not run yet (as the flow records it just before running the check), of
    // the account Snowflake's check answers as (another one's check would prove nothing about it).
    h.services.events.append({
      type: 'connect',
      ok: true,
      provider: h.config.provider,
      secret: h.config.snowflake.secret.display,
      userId: h.services.history.lastConnectedUser(),
    });
    expect(((await h.agent.get('/status.json')).body as Report).overall).toBe('warning');
    expect((await h.services.status.runCheck()).ok).toBe(true);
    expect(((await h.agent.get('/status.json')).body as Report).overall).toBe('connected');
  });
});

describe('status: each party’s view of the tokens’ expiry', () => {
  let h: Harness;
  afterAll(async () => {
    await h?.close();
  });

  it('a Testing client: the provider’s 7 days, as Snowflake shows it, warned a day ahead', async () => {
    h = await startHarness({ clientStatus: 'testing', logLevel: 'warn' });
    expect((await h.connect()).status).toBe(303);
    const r = (await h.agent.get('/status.json')).body as Report;
    const x = r.expiries!;
    const seven = Date.now() + 7 * 86400_000;
    expect(Math.abs(Date.parse(x.provider!.at!) - seven)).toBeLessThan(120_000);
    expect(x.snowflake?.refreshToken).toMatchObject({ origin: 'provider', counted: true, unreadable: null });
    expect(x.earliest).toMatchObject({ from: 'provider', passed: false, soon: false });
    expect(x.warnAheadHours).toBe(24);
    expect(x.refreshTokenValidity).toMatchObject({ unreadable: null });
    const page = await h.agent.get('/status');
    expect(page.text).toContain('id="expiry-views"');
    expect(page.text).toMatch(/id="expiry-snowflake-refresh" data-origin="provider"/);
    expect(page.text).toContain('id="expiry-earliest" data-from="provider" data-soon="false"');
    expect(page.text).toContain('publish the Google client');
    // The fix says when ("before then"); its label does not say it again.
    const card = /<section class="card[^"]*" id="expiry"[\s\S]*?<\/section>/.exec(page.text)![0];
    expect(card.match(/before then/gi)).toHaveLength(1);
    expect(card).toContain('<strong>What to do:</strong> Re-authorize before then;');
  });
});
