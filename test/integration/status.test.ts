// The status page and /status.json on both stand-ins: cheap checks on every load (no warehouse), each
// cheap check failing with its fix, the end-to-end check turning revocation into needs_reauth, and
// re-authorization with what changed.
import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consent } from '../../sandbox/oauth/consent.js';
import { createApp } from '../../server/app.js';
import { ManualClock } from '../../server/clock.js';
import { buildServices } from '../../server/services.js';
import { exitCodeFor, StatusService } from '../../server/status/service.js';
import { browserLike, type Harness, signInWithLink, startHarness } from '../support/app-harness.js';

interface Check {
  id: string;
  status: 'ok' | 'warning' | 'failed';
  detail: string;
  fix: string | null;
  fixSql: string | null;
  at: string;
}
interface Stmt {
  sqlText: string;
  usedWarehouse?: boolean;
}

const APP_ROLE = 'FITBIT_CONNECT_APP_ROLE';
const SECRET = 'FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN';

async function statusJson(h: Harness): Promise<{ overall: string; checks: Check[]; [k: string]: unknown }> {
  const res = await h.agent.get('/status.json');
  expect(res.status).toBe(200);
  return res.body;
}
const byId = (checks: Check[], id: string) => {
  const c = checks.find((x) => x.id === id);
  if (!c) throw new Error(`no check ${id} in ${checks.map((x) => x.id).join(', ')}`);
  return c;
};
async function statements(h: Harness): Promise<Stmt[]> {
  const body = (await (await fetch(`${h.snowflakeUrl}/sandbox/statements`)).json()) as
    | { statements: Stmt[] }
    | Stmt[];
  return Array.isArray(body) ? body : body.statements;
}
async function stats(h: Harness): Promise<{ statements: number; warehouseStatements: number }> {
  return (await (await fetch(`${h.snowflakeUrl}/sandbox/stats`)).json()) as {
    statements: number;
    warehouseStatements: number;
  };
}

describe('status (google-health)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ logLevel: 'warn' });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('before any connect: not connected, the chain is checked; only the network rule is out of sight', async () => {
    const s = await statusJson(h);
    expect(s.overall).toBe('not_connected');
    expect(byId(s.checks, 'snowflake_signin')).toMatchObject({ status: 'ok' });
    expect(byId(s.checks, 'snowflake_signin').detail).toContain('FITBIT_CONNECT_APP');
    expect(byId(s.checks, 'secret')).toMatchObject({ status: 'ok' });
    expect(byId(s.checks, 'secret_owner')).toMatchObject({ status: 'ok' });
    expect(byId(s.checks, 'secret_integration').detail).toContain('FITBIT_OAUTH_INTEGRATION');
    expect(byId(s.checks, 'check_function')).toMatchObject({ status: 'ok' });
    // The setup script lets the app's role read both integrations (USAGE), so they are checked…
    for (const id of [
      'integration_enabled',
      'integration_client_id',
      'integration_endpoints',
      'integration_scopes',
      'eai_enabled',
      'eai_secret',
    ])
      expect(byId(s.checks, id), id).toMatchObject({ status: 'ok' });
    // …while describing a network rule needs OWNERSHIP, which the app's role does not get.
    expect(byId(s.checks, 'network_rule').status).toBe('warning');
    expect(byId(s.checks, 'end_to_end').status).toBe('warning');
  });

  it('connect: connected, even though the app cannot see the network rule (the end-to-end check proved it)', async () => {
    const cb = await h.connect();
    expect(cb.status).toBe(303);
    const s = await statusJson(h);
    expect(s.overall).toBe('connected');
    const e2e = byId(s.checks, 'end_to_end');
    expect(e2e.status).toBe('ok');
    // The passing check proved the rule the app's role cannot read.
    expect(byId(s.checks, 'network_rule')).toMatchObject({ status: 'ok', fix: null });
    expect(byId(s.checks, 'network_rule').detail).toBe(
      `Proven by the end-to-end check at ${e2e.at}: Snowflake reached the API host (health.googleapis.com) through it. (The app’s role cannot read the rule itself: DESCRIBE NETWORK RULE needs OWNERSHIP.)`,
    );
    const setup = await h.agent.get('/setup');
    expect(setup.text).toMatch(/data-check-id="network_rule" data-status="ok"/);
    expect(Date.parse(e2e.at)).toBeGreaterThan(Date.now() - 60_000);
    for (const c of s.checks)
      expect(Object.keys(c)).toEqual(expect.arrayContaining(['id', 'status', 'detail', 'fix', 'at']));
    expect(typeof s.generatedAt).toBe('string');
  });

  it('a page load runs only metadata statements, none of them on a warehouse', async () => {
    const before = (await statements(h)).length;
    const statsBefore = await stats(h);
    const page = await h.agent.get('/status');
    expect(page.status).toBe(200);
    const after = await statements(h);
    const mine = after.slice(before);
    // sign-in facts, secret, function, then the integrations they name; the daily load's task (SHOW TASKS)
    expect(mine.length).toBeGreaterThanOrEqual(5);
    expect(mine.length).toBeLessThanOrEqual(9);
    for (const st of mine) {
      expect(st.usedWarehouse).toBe(false);
      expect(st.sqlText).toMatch(/^(SELECT CURRENT_USER|DESCRIBE |SHOW TASKS )/);
    }
    expect(mine.filter((st) => st.sqlText.startsWith('SHOW TASKS '))).toHaveLength(1);
    expect((await stats(h)).warehouseStatements).toBe(statsBefore.warehouseStatements);
    const json = await h.agent.get('/status.json');
    expect(json.status).toBe(200);
    expect((await stats(h)).warehouseStatements).toBe(statsBefore.warehouseStatements);
  });

  it('after a passing check the page shows the steps chart fetched through Snowflake', async () => {
    const page = await h.agent.get('/status');
    expect(page.text).toContain('id="steps-chart"');
    expect(page.text).toContain('data-days="30"');
    expect((page.text.match(/<rect class="bar"/g) ?? []).length).toBe(30);
    expect(page.text).toContain('Read through Snowflake’s data function');
  });

  describe('each cheap check failing, with its fix', () => {
    beforeAll(async () => {
      // What the page suggests so that a least-privilege app can check the integrations; the stand-in
      // also lets a USAGE grant reveal the network rule (real Snowflake needs OWNERSHIP to describe it).
      await h.admin(`GRANT USAGE ON INTEGRATION FITBIT_OAUTH_INTEGRATION TO ROLE ${APP_ROLE}`);
      await h.admin(`GRANT USAGE ON INTEGRATION FITBIT_EAI TO ROLE ${APP_ROLE}`);
      await h.admin(`GRANT USAGE ON NETWORK RULE FITBIT.PUBLIC.FITBIT_API_RULE TO ROLE ${APP_ROLE}`);
    });

    it('all visible and right: every check ok', async () => {
      const s = await statusJson(h);
      expect(s.checks.filter((c) => c.status !== 'ok')).toEqual([]);
      expect(s.overall).toBe('connected');
      expect(byId(s.checks, 'network_rule').detail).toContain('health.googleapis.com');
    });

    it('wrong client ID in the integration', async () => {
      await h.admin(
        "ALTER SECURITY INTEGRATION FITBIT_OAUTH_INTEGRATION SET OAUTH_CLIENT_ID = 'someone-elses-client'",
      );
      try {
        const s = await statusJson(h);
        const c = byId(s.checks, 'integration_client_id');
        expect(c.status).toBe('failed');
        expect(c.detail).toContain('someone-elses-client');
        expect(c.fixSql).toBe(
          "ALTER SECURITY INTEGRATION FITBIT_OAUTH_INTEGRATION SET OAUTH_CLIENT_ID = 'sandbox-client-id' OAUTH_CLIENT_SECRET = '<the client secret of sandbox-client-id>';",
        );
        expect(s.overall).toBe('misconfigured');
      } finally {
        await h.admin(
          "ALTER SECURITY INTEGRATION FITBIT_OAUTH_INTEGRATION SET OAUTH_CLIENT_ID = 'sandbox-client-id'",
        );
      }
    });

    it('integration disabled', async () => {
      await h.admin('ALTER SECURITY INTEGRATION FITBIT_OAUTH_INTEGRATION SET ENABLED = FALSE');
      try {
        const s = await statusJson(h);
        expect(byId(s.checks, 'integration_enabled')).toMatchObject({
          status: 'failed',
          fixSql: 'ALTER SECURITY INTEGRATION FITBIT_OAUTH_INTEGRATION SET ENABLED = TRUE;',
        });
        expect(s.overall).toBe('misconfigured');
      } finally {
        await h.admin('ALTER SECURITY INTEGRATION FITBIT_OAUTH_INTEGRATION SET ENABLED = TRUE');
      }
    });

    it('token endpoint not the provider’s', async () => {
      await h.admin(
        "ALTER SECURITY INTEGRATION FITBIT_OAUTH_INTEGRATION SET OAUTH_TOKEN_ENDPOINT = 'https://example.com/token'",
      );
      try {
        const c = byId((await statusJson(h)).checks, 'integration_endpoints');
        expect(c.status).toBe('failed');
        expect(c.fixSql).toBe(
          "ALTER SECURITY INTEGRATION FITBIT_OAUTH_INTEGRATION SET OAUTH_TOKEN_ENDPOINT = 'https://oauth2.googleapis.com/token';",
        );
      } finally {
        await h.admin(
          "ALTER SECURITY INTEGRATION FITBIT_OAUTH_INTEGRATION SET OAUTH_TOKEN_ENDPOINT = 'https://oauth2.googleapis.com/token'",
        );
      }
    });

    it('network rule missing the API host', async () => {
      await h.admin("ALTER NETWORK RULE FITBIT.PUBLIC.FITBIT_API_RULE SET VALUE_LIST = ('api.example.com')");
      try {
        const s = await statusJson(h);
        const c = byId(s.checks, 'network_rule');
        expect(c.status).toBe('failed');
        expect(c.detail).toContain('api.example.com');
        expect(c.fixSql).toBe(
          "ALTER NETWORK RULE FITBIT.PUBLIC.FITBIT_API_RULE SET VALUE_LIST = ('api.example.com', 'health.googleapis.com');",
        );
        expect(s.overall).toBe('misconfigured');
      } finally {
        await h.admin(
          "ALTER NETWORK RULE FITBIT.PUBLIC.FITBIT_API_RULE SET VALUE_LIST = ('health.googleapis.com')",
        );
      }
    });

    it('external access integration not allowing the secret', async () => {
      await h.admin('ALTER EXTERNAL ACCESS INTEGRATION FITBIT_EAI UNSET ALLOWED_AUTHENTICATION_SECRETS');
      try {
        const c = byId((await statusJson(h)).checks, 'eai_secret');
        expect(c.status).toBe('failed');
        expect(c.fixSql).toBe(
          `ALTER EXTERNAL ACCESS INTEGRATION FITBIT_EAI SET ALLOWED_AUTHENTICATION_SECRETS = (${SECRET});`,
        );
      } finally {
        await h.admin(
          `ALTER EXTERNAL ACCESS INTEGRATION FITBIT_EAI SET ALLOWED_AUTHENTICATION_SECRETS = (${SECRET})`,
        );
      }
    });

    it('external access integration disabled', async () => {
      await h.admin('ALTER EXTERNAL ACCESS INTEGRATION FITBIT_EAI SET ENABLED = FALSE');
      try {
        expect(byId((await statusJson(h)).checks, 'eai_enabled')).toMatchObject({
          status: 'failed',
          fixSql: 'ALTER EXTERNAL ACCESS INTEGRATION FITBIT_EAI SET ENABLED = TRUE;',
        });
      } finally {
        await h.admin('ALTER EXTERNAL ACCESS INTEGRATION FITBIT_EAI SET ENABLED = TRUE');
      }
    });

    it('secret owned by another role (the app keeps READ, so it sees the owner)', async () => {
      await h.admin(`GRANT OWNERSHIP ON SECRET ${SECRET} TO ROLE SYSADMIN COPY CURRENT GRANTS`);
      await h.admin(`GRANT READ ON SECRET ${SECRET} TO ROLE ${APP_ROLE}`);
      try {
        const s = await statusJson(h);
        const c = byId(s.checks, 'secret_owner');
        expect(c.status).toBe('failed');
        expect(c.detail).toContain('owned by SYSADMIN');
        expect(c.fixSql).toContain(
          `GRANT OWNERSHIP ON SECRET ${SECRET} TO ROLE ${APP_ROLE} COPY CURRENT GRANTS;`,
        );
        expect(s.overall).toBe('misconfigured');
      } finally {
        await h.admin(`GRANT OWNERSHIP ON SECRET ${SECRET} TO ROLE ${APP_ROLE} COPY CURRENT GRANTS`);
        await h.admin(`REVOKE READ ON SECRET ${SECRET} FROM ROLE ${APP_ROLE}`);
      }
    });

    it('secret owned by another role with no grant to the app: invisible, same fix', async () => {
      await h.admin(`GRANT OWNERSHIP ON SECRET ${SECRET} TO ROLE SYSADMIN COPY CURRENT GRANTS`);
      try {
        const c = byId((await statusJson(h)).checks, 'secret');
        expect(c.status).toBe('failed');
        expect(c.detail).toContain('does not exist or role FITBIT_CONNECT_APP_ROLE has no privilege on it');
        expect(c.fixSql).toContain(
          `GRANT OWNERSHIP ON SECRET ${SECRET} TO ROLE ${APP_ROLE} COPY CURRENT GRANTS;`,
        );
      } finally {
        await h.admin(`GRANT OWNERSHIP ON SECRET ${SECRET} TO ROLE ${APP_ROLE} COPY CURRENT GRANTS`);
      }
    });

    it('the page shows each failure with its fix statement', async () => {
      await h.admin('ALTER SECURITY INTEGRATION FITBIT_OAUTH_INTEGRATION SET ENABLED = FALSE');
      try {
        const page = await h.agent.get('/status');
        expect(page.text).toMatch(/data-check-id="integration_enabled" data-status="failed"/);
        expect(page.text).toContain(
          'ALTER SECURITY INTEGRATION FITBIT_OAUTH_INTEGRATION SET ENABLED = TRUE;',
        );
        expect(page.text).toContain('id="overall" data-overall="misconfigured"');
      } finally {
        await h.admin('ALTER SECURITY INTEGRATION FITBIT_OAUTH_INTEGRATION SET ENABLED = TRUE');
      }
    });
  });

  it('revocation: the end-to-end check turns it into needs_reauth; re-authorize shows what changed', async () => {
    expect((await statusJson(h)).overall).toBe('connected');
    await h.oauthControl('/sandbox/revoke-all');
    // Cheap checks cannot see a revoked token: only the end-to-end check can.
    expect((await statusJson(h)).overall).toBe('connected');
    const token = await h.csrf();
    const run = await h.agent.post('/check').type('form').send({ _csrf: token });
    expect(run.status).toBe(303);
    const broken = await statusJson(h);
    expect(broken.overall).toBe('needs_reauth');
    expect(byId(broken.checks, 'end_to_end')).toMatchObject({
      status: 'failed',
      fix: expect.stringContaining('Re-authorize: the token in the secret was revoked or expired'),
    });
    const brokenPage = await h.agent.get('/status');
    expect(brokenPage.text).toMatch(/id="reauthorize" class="primary"/);
    // The chart from the earlier passing check is gone: Snowflake can no longer read that data.
    expect(brokenPage.text).toContain('id="overall" data-overall="needs_reauth"');
    expect(brokenPage.text).not.toContain('id="steps-chart"');
    expect((await h.services.status.report()).chart).toBeNull();

    const cb = await h.connect({ via: 'reauthorize' });
    expect(cb.status).toBe(303);
    // Snowflake keeps the revoked grant's access token cached across the re-authorization's ALTER SECRET
    // (the stand-in's cautious default): the check right after it still fails on that token. The app says
    // so, with the time Snowflake drops it, instead of "needs re-authorization" again.
    const waiting = await statusJson(h);
    expect(waiting.overall).toBe('cached_token');
    const until = (waiting.cachedToken as { until: string }).until;
    expect(waiting.cachedToken).toMatchObject({ kind: 'previous_token', passed: false });
    expect(Date.parse(until)).toBeGreaterThan(Date.now());
    expect(byId(waiting.checks, 'end_to_end')).toMatchObject({
      status: 'warning',
      detail: expect.stringContaining(`until ${until}`),
      fix: expect.stringContaining(`Wait until ${until}, then run the end-to-end check`),
    });
    expect(waiting.change).toBeNull();
    const waitingPage = await h.agent.get('/status');
    expect(waitingPage.text).toContain('id="overall" data-overall="cached_token"');
    expect(waitingPage.text).toContain('id="cached-token"');
    // Its why and what to do are said in full once, in that card: the end-to-end row under "Needs
    // attention" says it in one line and links to the card.
    const why = 'Snowflake uses the refresh token just written only once that token has expired';
    expect(waitingPage.text.split(why)).toHaveLength(2);
    expect(waitingPage.text.split('No statement clears the cached token safely')).toHaveLength(2);
    const row = /<tr data-check-id="end_to_end"[\s\S]*?<\/tr>/.exec(waitingPage.text)![0];
    expect(row).toContain(
      `Snowflake is still using its old cached access token until <time datetime="${until}"`,
    );
    expect(row).toContain('<a href="#cached-token">why, and what to do</a>');
    expect(waitingPage.text).not.toMatch(/id="reauthorize" class="primary"/);

    // Past that time (on the provider's and Snowflake's clocks), the next check proves the new token.
    await h.advanceClocks(3600 + 60);
    await h.agent
      .post('/check')
      .type('form')
      .send({ _csrf: await h.csrf() });
    const fixed = await statusJson(h);
    expect(fixed.overall).toBe('connected');
    expect(fixed.change).toMatchObject({ was: expect.stringContaining('revoked or expired — noticed') });
    const page = await h.agent.get('/status');
    expect(page.text).toContain('id="change"');
    const rows = [...page.text.matchAll(/<tr class="[^"]*" data-type="(\w+)">/g)].map((m) => m[1]);
    // newest first: the check that proved the new token, the check on the old cached token, the
    // re-authorization, the failed check, …, the first connect
    expect(rows.slice(0, 4)).toEqual(['check', 'check', 'reauthorize', 'check']);
    expect(rows).toContain('connect');
    expect(page.text).toContain('End-to-end check failed');
    expect(page.text).toContain('Re-authorized');
    // The passing check after re-authorizing fetched the chart again.
    expect(page.text).toContain('id="steps-chart"');
  });

  it('a new connect hides the chart fetched for the previous one until its own check passes', async () => {
    expect((await h.agent.get('/status')).text).toContain('id="steps-chart"');
    const connected = (await statusJson(h)).lastConnect as { userId: string };
    const recordConnect = (userId: string) =>
      // As the flow records a connect (possibly another account) before its end-to-end check runs.
      h.services.events.append({
        type: 'connect',
        ok: true,
        provider: h.config.provider,
        secret: h.config.snowflake.secret.display,
        userId,
      });
    recordConnect('someone-else');
    expect((await h.agent.get('/status')).text).not.toContain('id="steps-chart"');
    // A check answering as the account Snowflake already had is not someone-else's: no chart of its data.
    await h.services.status.runCheck();
    const other = await h.agent.get('/status');
    expect(other.text).not.toContain('id="steps-chart"');
    expect(other.text).toContain('id="overall" data-overall="cached_token"');
    recordConnect(connected.userId);
    expect((await h.agent.get('/status')).text).not.toContain('id="steps-chart"');
    await h.services.status.runCheck();
    expect((await h.agent.get('/status')).text).toContain('id="steps-chart"');
  });

  it('history survives a restart (JSON lines under the data directory), and holds no token', async () => {
    const { readFileSync } = await import('node:fs');
    const { EventLog } = await import('../../server/status/events.js');
    const again = new EventLog(h.dataDir);
    expect(again.all().map((e) => e.type)).toEqual(
      expect.arrayContaining(['connect', 'check', 'reauthorize']),
    );
    const raw = readFileSync(again.path, 'utf8');
    expect(raw).not.toMatch(/refresh_token|ya29|1\/\/0/);
  });
});

describe('status: legacy fitbit answering 410 Gone', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ provider: 'fitbit', logLevel: 'warn' });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('says the legacy API was turned off and walks the admin to google-health', async () => {
    expect((await h.connect()).status).toBe(303);
    await h.oauthControl('/sandbox/legacy-gone', { on: true });
    const token = await h.csrf();
    await h.agent.post('/check').type('form').send({ _csrf: token });
    const s = await statusJson(h);
    expect(s.overall).toBe('misconfigured');
    expect(s.legacyGone).toBe(true);
    expect(byId(s.checks, 'legacy_provider').status).toBe('warning');
    const page = await h.agent.get('/status');
    expect(page.text).toContain('The legacy Fitbit Web API was turned off');
    expect(page.text).toContain('PROVIDER=google-health');
    expect(page.text).toContain('legacyUserId');
  });
});

describe('status: CHECK_INTERVAL schedule', () => {
  let h: Harness;
  // The schedule runs on the app's clock: the test moves it, and each advance() returns once the
  // checks that fell due have finished.
  const clock = new ManualClock();
  beforeAll(async () => {
    h = await startHarness({ logLevel: 'warn', clock, tweak: (c) => ({ ...c, checkIntervalSeconds: 1 }) });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('runs nothing before a connect, then the end-to-end check on the interval', async () => {
    await clock.advance(1500);
    expect(h.services.events.all().filter((e) => e.type === 'check')).toHaveLength(0);
    expect((await h.connect()).status).toBe(303);
    const afterConnect = h.services.events.all().filter((e) => e.type === 'check').length;
    await clock.advance(2600);
    expect(h.services.events.all().filter((e) => e.type === 'check').length).toBeGreaterThanOrEqual(
      afterConnect + 2,
    );
  });
});

describe('status: a Testing-status client, then published and re-authorized', () => {
  let h: Harness;
  let published: ReturnType<typeof buildServices> | undefined;
  beforeAll(async () => {
    h = await startHarness({ clientStatus: 'testing', logLevel: 'warn' });
  });
  afterAll(async () => {
    await published?.shutdown();
    await h?.close();
  });

  it('the last connect’s “no expiry” wins over the 7-day date the secret kept from before', async () => {
    expect((await h.connect()).status).toBe(303);
    const testing = await statusJson(h);
    expect(testing.overall).toBe('warning');
    expect(testing.expiry).toMatchObject({ testingClient: true, passed: false });
    const testingExpiry = (testing.expiry as { at: string }).at;

    // The admin publishes the client (the stand-in's client becomes "In production"), sets
    // OAUTH_CLIENT_STATUS=production and restarts the app (same data directory), then re-authorizes.
    const client = {
      profile: 'google-health',
      clientId: h.config.oauth.clientId,
      clientSecret: h.config.oauth.clientSecret,
      name: 'published',
      redirectUris: [h.config.oauth.redirectUri],
      status: 'production',
    };
    expect(
      (
        await fetch(`${h.oauthUrl}/sandbox/clients`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(client),
        })
      ).status,
    ).toBe(201);
    const config = { ...h.config, oauth: { ...h.config.oauth, clientStatus: 'production' as const } };
    published = buildServices(config, h.services.log);
    const agent = browserLike(supertest.agent(createApp(published)));
    agent.set('Host', 'localhost:8787');
    await signInWithLink(agent, h.accessToken!);
    const start = await agent.get('/connect');
    expect(start.status).toBe(303);
    const back = new URL(await consent(start.headers.location as string));
    const written = await agent.get(`${back.pathname}${back.search}`);
    expect(written.status).toBe(303);
    await h.resultWhenDone(written.headers.location as string, agent); // the check after the write

    // A write without an expiry leaves the secret's earlier one in place: make sure it is there.
    const expiryOf = async () =>
      (await h.admin(`DESCRIBE SECRET ${SECRET}`))[0]?.oauth_refresh_token_expiry_time ?? null;
    if (!(await expiryOf()))
      await h.admin(`ALTER SECRET ${SECRET} SET OAUTH_REFRESH_TOKEN_EXPIRY_TIME = '${testingExpiry}'`);
    expect(await expiryOf()).not.toBeNull();

    // Eight days on (the app's clock), the token from the published client still works. No check ran in
    // those days, which PROOF_MAX_AGE would call unproven: this is about the expiry, so that limit is
    // set out of the way (test/integration/proof-age.test.ts covers it).
    const later = new Date(Date.now() + 8 * 86400_000);
    const clocked = new StatusService(
      { ...config, proofMaxAgeSeconds: 30 * 86400 },
      published.profile,
      published.session,
      published.history,
      published.endToEnd,
      published.events,
      published.log,
      () => later,
    );
    for (const s of [published.status, clocked]) {
      const r = await s.report();
      expect(r.expiry).toBeNull();
      expect(r.overall).toBe('connected');
      const item = r.checks.find((c) => c.id === 'token_expiry');
      expect(item?.status).toBe('ok');
      expect(item?.detail).toContain('No expiry is known');
    }
  });
});

describe('status: a rate limit during the end-to-end check, and another configuration’s events', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ logLevel: 'warn' });
    expect((await h.connect()).status).toBe(303);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('429 from the API: needs attention (warning, exit 1), not broken', async () => {
    await h.oauthControl('/sandbox/faults', {
      path: '/v4/users/me/identity',
      status: 429,
      headers: { 'Retry-After': '30' },
    });
    try {
      const r = await h.services.status.runCheck();
      expect(r.failure).toBe('rate_limited');
    } finally {
      await fetch(`${h.oauthUrl}/sandbox/faults`, { method: 'DELETE' });
    }
    const s = await statusJson(h);
    expect(s.overall).toBe('warning');
    expect(exitCodeFor(s.overall as Parameters<typeof exitCodeFor>[0])).toBe(1);
    expect(byId(s.checks, 'end_to_end')).toMatchObject({
      status: 'warning',
      fix: expect.stringContaining('wait a minute and run the check again'),
    });
    expect(h.services.status.overall()).toBe('warning');
    // The last check did not pass: the unreadable network rule is a warning with its fix again.
    expect(byId(s.checks, 'network_rule')).toMatchObject({ status: 'warning' });
    expect(byId(s.checks, 'network_rule').fixSql).toContain('DESC NETWORK RULE');
    // Once the limit passes, the next check clears it.
    expect((await h.services.status.runCheck()).ok).toBe(true);
    expect((await statusJson(h)).overall).toBe('connected');
  });

  it('the history shows only this provider’s and secret’s events, as the verdict counts them', async () => {
    const base = { ok: true, userId: 'stranger@example.com' } as const;
    h.services.events.append({
      ...base,
      type: 'connect',
      provider: 'fitbit',
      secret: h.config.snowflake.secret.display,
    });
    h.services.events.append({
      ...base,
      type: 'connect',
      provider: h.config.provider,
      secret: 'OTHER.PUBLIC.SECRET',
    });
    h.services.events.append({
      type: 'check',
      ok: false,
      failure: 'other',
      provider: 'fitbit',
      secret: 'X.Y.Z',
    });
    expect(h.services.status.overall()).toBe('connected');
    const lines = h.services.status.history(50);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.map((l) => l.detail).join('\n')).not.toContain('stranger@example.com');
    expect(lines[0]).toMatchObject({ type: 'check', what: 'End-to-end check passed' });
    const page = await h.agent.get('/status');
    expect(page.text).not.toContain('stranger@example.com');
  });
});
