// Two people's accounts side by side, each with its own secret and functions: Connect is offered for an
// added account only once its SQL ran; each connects and is checked on its own; one person revoking the
// app's access leaves the other connected; /status.json and `npm run status` report each, and the worst.
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consent } from '../../sandbox/oauth/consent.js';
import { addAccountInSandbox } from '../support/accounts.js';
import { type Harness, startHarness } from '../support/app-harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ listen: true, logLevel: 'warn' });
});
afterAll(async () => {
  await h?.close();
});

/** Connect (or re-authorize) account `label` as stand-in user `user`, through the browser's own routes. */
async function connectAs(label: string, user: string, via: 'connect' | 'reauthorize' = 'connect') {
  let authUrl: string;
  if (via === 'connect') {
    const start = await h.agent.get(`/connect?account=${label}`);
    expect(start.status).toBe(303);
    authUrl = start.headers.location as string;
  } else {
    const csrf = await h.csrf();
    const start = await h.agent.post('/reauthorize').type('form').send({ _csrf: csrf, account: label });
    expect(start.status).toBe(303);
    authUrl = start.headers.location as string;
  }
  const callback = new URL(await consent(authUrl, { user }));
  const res = await h.agent.get(`${callback.pathname}${callback.search}`);
  expect(res.status).toBe(303);
  return h.resultWhenDone(res.headers.location as string);
}

async function statusOf(label: string) {
  const res = await h.agent.get(`/status.json?account=${label}`);
  expect(res.status).toBe(200);
  return res.body;
}

async function check(label: string) {
  const csrf = await h.csrf();
  const res = await h.agent.post('/check').type('form').send({ _csrf: csrf, account: label });
  expect(res.status).toBe(303);
  expect(res.headers.location).toBe(label === 'default' ? '/status' : `/status?account=${label}`);
}

function status(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'scripts/status.ts', '--url', h.baseUrl!, ...args],
      {
        env: { PATH: process.env.PATH, HOME: process.env.HOME, ADMIN_TOKEN: h.accessToken! },
        timeout: 60_000,
      },
      (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('two accounts side by side', () => {
  it('an added account is not offered Connect until Snowflake shows its objects', async () => {
    h.services.accounts.add('alice', 'Alice');
    const refused = await h.agent.get('/connect?account=alice');
    expect(refused.status).toBe(409);
    expect(refused.text).toContain('This account’s Snowflake objects are not ready');
    const page = await h.agent.get('/status?account=alice');
    expect(page.status).toBe(200);
    expect(page.text).toContain('id="account-not-ready"');
    expect(page.text).not.toContain('href="/connect?account=alice"');
    const json = await statusOf('alice');
    const row = json.accounts.find((a: { label: string }) => a.label === 'alice');
    expect(row).toMatchObject({ label: 'alice', person: 'Alice', ready: false, overall: 'not_connected' });
    expect(row.secret).toMatch(/FITBIT_OAUTH_TOKEN_ALICE$/);
    // An unknown label is the user's error, not a crash.
    expect((await h.agent.get('/status?account=nobody')).status).toBe(404);
    expect((await h.agent.get('/connect?account=nobody')).status).toBe(404);
  });

  it('once its SQL ran, each account connects and is checked on its own secret', async () => {
    await addAccountInSandbox({ config: h.config, services: h.services, admin: h.admin }, 'alice');
    const page = await h.agent.get('/status?account=alice');
    expect(page.text).toContain('href="/connect?account=alice"');

    const def = await connectAs('default', 'bob');
    expect(def.text).toContain('Connected');
    const mine = await connectAs('alice', 'alice');
    expect(mine.text).toContain('Connected');

    const a = await statusOf('alice');
    const d = await statusOf('default');
    expect(a.secret).toMatch(/FITBIT_OAUTH_TOKEN_ALICE$/);
    expect(d.secret).toMatch(/FITBIT_OAUTH_TOKEN$/);
    expect(a.lastConnect.email).toBe('alice@example.com');
    expect(d.lastConnect.email).toBe('bob@example.com');
    // Each check function read its own secret: Snowflake answered as that account's person.
    expect(a.lastCheck).toMatchObject({ ok: true, seenUserId: a.lastConnect.userId });
    expect(d.lastCheck).toMatchObject({ ok: true, seenUserId: d.lastConnect.userId });
    expect(a.lastConnect.userId).not.toBe(d.lastConnect.userId);
    expect(a.overall).toBe('connected');
    expect(d.overall).toBe('connected');
    expect(a.worst).toBe('connected');

    // The history of each account is its own.
    const statements = (await (await fetch(`${h.snowflakeUrl}/sandbox/statements`)).json()) as {
      sqlText: string;
    }[];
    const writes = statements.filter((s) => /^ALTER SECRET/i.test(s.sqlText)).map((s) => s.sqlText);
    expect(writes.some((t) => /FITBIT_OAUTH_TOKEN_ALICE SET/.test(t))).toBe(true);
    expect(writes.some((t) => /FITBIT_OAUTH_TOKEN SET/.test(t))).toBe(true);
  });

  it('one person revoking the app leaves the other account working; the worst verdict is what counts', async () => {
    await h.oauthControl('/sandbox/revoke-user', { user: 'bob' });
    await check('default');
    await check('alice');
    const d = await statusOf('default');
    const a = await statusOf('alice');
    expect(d.overall).toBe('needs_reauth');
    expect(a.overall).toBe('connected');
    expect(a.lastCheck).toMatchObject({ ok: true });
    expect(d.worst).toBe('needs_reauth');
    expect(d.accounts.map((r: { label: string; overall: string }) => [r.label, r.overall])).toEqual([
      ['default', 'needs_reauth'],
      ['alice', 'connected'],
    ]);

    const page = await h.agent.get('/status?account=alice');
    expect(page.text).toMatch(/data-account="default" data-overall="needs_reauth"/);
    expect(page.text).toMatch(/data-account="alice" data-overall="connected"/);

    // npm run status: the default account in full, a line per account, and the worst account's exit code.
    const cli = await status([]);
    expect(cli.code).toBe(1);
    expect(cli.stdout).toContain('accounts (worst: needs_reauth):');
    expect(cli.stdout).toMatch(/alice \(Alice\): connected/);
    const alice = await status(['--account', 'alice']);
    expect(alice.stdout).toMatch(/^account alice: overall: connected/);
    expect(alice.code).toBe(1); // still the worst account's

    // Re-authorizing the default account mends it without touching alice's. Snowflake may keep using the
    // access token it cached for the revoked grant until it expires (the stand-in's cautious default):
    // the page says so, and the check after that expiry proves the new token.
    const again = await connectAs('default', 'bob', 'reauthorize');
    expect(again.status).toBe(200);
    expect(['connected', 'cached_token']).toContain((await statusOf('default')).overall);
    await h.advanceClocks(3600 + 60);
    await check('default');
    await check('alice');
    expect((await statusOf('default')).overall).toBe('connected');
    expect((await statusOf('alice')).overall).toBe('connected');
    const both = await status([]);
    expect(both.code).toBe(0);
  });
});

describe('a held token of an added account', () => {
  it('Save writes that account’s secret; the Cancel that lost the race hears why', async () => {
    const csrf = await h.csrf();
    const start = await h.agent.post('/reauthorize').type('form').send({ _csrf: csrf, account: 'alice' });
    expect(start.status, start.text.slice(0, 400)).toBe(303);
    const callback = new URL(await consent(start.headers.location as string, { user: 'bob' }));
    const cb = await h.agent.get(`${callback.pathname}${callback.search}`);
    expect(
      cb.status,
      cb.text
        .replace(/<[^>]+>/g, ' ')
        .replace(/\s+/g, ' ')
        .slice(0, 600),
    ).toBe(303);
    const page = await h.agent.get(cb.headers.location as string);
    // Another person than the one alice's secret holds: the app asks first, and holds the token meanwhile.
    expect(page.text).toContain('This is a different account');
    const id = /action="\/held\/([^/]+)\/save"/.exec(page.text)![1]!;
    const saved = await h.agent.post(`/held/${id}/save`).type('form').send({ _csrf: csrf });
    expect(saved.status).toBe(303);
    await h.resultWhenDone(saved.headers.location as string);
    const lost = await h.agent.post(`/held/${id}/cancel`).type('form').send({ _csrf: csrf });
    expect(lost.status).toBe(409);
    expect(lost.text).toMatch(/That token is already being saved|was saved/);
    expect((await statusOf('alice')).lastConnect.email).toBe('bob@example.com');
    expect((await statusOf('alice')).secret).toMatch(/FITBIT_OAUTH_TOKEN_ALICE$/);
    expect((await statusOf('default')).lastConnect.email).toBe('bob@example.com');
  });
});

describe('sandbox mode plays the administrator', () => {
  it('Add an account, then Run it on the sandbox: the account is offered Connect', async () => {
    const csrf = await h.csrf();
    // Two people added before either's SQL ran: carol's SQL must not depend on dave's.
    for (const label of ['carol', 'dave']) {
      const added = await h.agent.post('/setup/accounts').type('form').send({ _csrf: csrf, label });
      expect(added.status).toBe(303);
    }
    const setup = await h.agent.get('/setup');
    expect(setup.text).toContain('action="/setup/accounts/carol/run"');
    expect((await h.agent.get('/status?account=carol')).text).toContain('id="account-not-ready"');
    const ran = await h.agent.post('/setup/accounts/carol/run').type('form').send({ _csrf: csrf });
    expect(ran.status).toBe(303);
    expect(ran.headers.location).toBe('/status?account=carol');
    const page = await h.agent.get('/status?account=carol');
    expect(page.text).toContain('href="/connect?account=carol"');
    // The others stay allowed: the integration lists every account's secret.
    const alice = await statusOf('alice');
    expect(alice.accounts.find((a: { label: string }) => a.label === 'alice').ready).toBe(true);
    // Only a registered, non-default label runs anything.
    expect(
      (await h.agent.post('/setup/accounts/default/run').type('form').send({ _csrf: csrf })).status,
    ).toBe(404);
    expect((await h.agent.post('/setup/accounts/zed/run').type('form').send({ _csrf: csrf })).status).toBe(
      404,
    );
  });
});

describe('removing an account', () => {
  it('Remove: the app stops managing it, shows the SQL that drops its objects, and the others carry on', async () => {
    const csrf = await h.csrf();
    const aliceBefore = (await statusOf('alice')).overall;
    const removed = await h.agent.post('/setup/accounts/dave/remove').type('form').send({ _csrf: csrf });
    expect(removed.status).toBe(200);
    expect(removed.text).toContain('id="account-removed"');
    expect(removed.text).toMatch(/DROP SECRET IF EXISTS FITBIT\.PUBLIC\.FITBIT_OAUTH_TOKEN_DAVE/);
    // The integration's list it renders keeps every remaining account's secret, and not dave's.
    expect(removed.text).toMatch(/ALLOWED_AUTHENTICATION_SECRETS = \([^)]*FITBIT_OAUTH_TOKEN_ALICE[^)]*\)/);
    expect(removed.text).not.toMatch(/ALLOWED_AUTHENTICATION_SECRETS = \([^)]*_DAVE[^)]*\)/);
    expect((await h.agent.get('/status?account=dave')).status).toBe(404);
    expect(h.services.accounts.registry.list().map((e) => e.label)).toEqual(['default', 'alice', 'carol']);
    expect((await statusOf('alice')).overall).toBe(aliceBefore);
    // The default account cannot be removed.
    expect(
      (await h.agent.post('/setup/accounts/default/remove').type('form').send({ _csrf: csrf })).status,
    ).toBe(404);
  });
});
