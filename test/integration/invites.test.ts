// Invite links (issue 15, "Invite links for people who are not admins"): the admin makes a single-use,
// expiring link for one account; a participant with no admin session opens it, consents on the stand-in,
// and their token lands in that account's secret, nowhere else. The same link is refused the second time,
// an expired or revoked one is refused, the participant reaches nothing else of the app, and a revoke
// while the participant is at the consent page writes nothing.
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consent } from '../../sandbox/oauth/consent.js';
import { ManualClock } from '../../server/clock.js';
import { addAccount } from '../support/accounts.js';
import { type Harness, startHarness } from '../support/app-harness.js';
import { eventually } from '../support/eventually.js';

type Agent = Awaited<ReturnType<Harness['newBrowser']>>;

const FROM = 'Dr. Lee, sleep study';
const ALICE_SECRET = 'FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN_ALICE';

let h: Harness;
const clock = new ManualClock(Date.parse('2026-05-04T09:00:00Z'));

beforeAll(async () => {
  h = await startHarness({ clock, logLevel: 'info' });
  await addAccount(h, 'alice', 'Alice');
});
afterAll(async () => h?.close());

const csrfOf = (html: string) => {
  const m = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!m) throw new Error('no CSRF token on the page');
  return m[1]!;
};

/** The admin makes an invite on /invites; the link is on that one answer. */
async function makeInvite(
  account = 'alice',
  from = FROM,
  app: Harness = h,
): Promise<{ path: string; id: string; token: string; page: string }> {
  const page = await app.agent.get('/invites');
  expect(page.status).toBe(200);
  const res = await app.agent
    .post('/invites')
    .type('form')
    .send({ _csrf: csrfOf(page.text), account, from });
  expect(
    res.status,
    res.text
      .replace(/<[^>]+>/g, ' ')
      .replace(/\s+/g, ' ')
      .slice(0, 900),
  ).toBe(201);
  const link = /<code id="invite-link">([^<]+)<\/code>/.exec(res.text)?.[1];
  const id = /id="invite-created" data-invite-id="([^"]+)"/.exec(res.text)?.[1];
  if (!link || !id) throw new Error('no invite link on the page');
  const u = new URL(link);
  expect(u.origin).toBe(app.config.publicOrigin);
  return { path: u.pathname, id, token: u.pathname.split('/').pop()!, page: res.text };
}

/** A participant opens the link and presses Continue: the provider's URL (the sign-in is started). */
async function startAsParticipant(p: Agent, invitePath: string): Promise<string> {
  const page = await p.get(invitePath);
  expect(page.status, page.text.slice(0, 500)).toBe(200);
  const action = /<form method="post" action="([^"]+)" id="invite-start-form"/.exec(page.text)?.[1];
  expect(action).toBe(`${invitePath}/start`);
  const res = await p
    .post(action!)
    .type('form')
    .send({ _csrf: csrfOf(page.text) });
  expect(res.status, res.text.slice(0, 500)).toBe(303);
  return res.headers.location as string;
}

/** The provider's redirect back, as the participant's browser follows it: their own result page. */
async function callback(p: Agent, authUrl: string, opts: Parameters<typeof consent>[1] = {}) {
  const back = new URL(await consent(authUrl, opts));
  const res = await p.get(`${back.pathname}${back.search}`);
  expect(res.status).toBe(303);
  const location = res.headers.location as string;
  expect(location).toMatch(/^\/invite-result\/[A-Za-z0-9_-]+$/);
  return p.get(location);
}

const eventsFor = (secret: string) => h.services.events.all().filter((e) => e.secret === secret);

describe('invite links', () => {
  let used: { path: string; id: string; token: string; page: string };
  let participant: Agent;
  /** The participant's form token, from the invite page they opened (it is tied to their browser). */
  let participantCsrf: string;

  it('an invite is used once: the token lands in the invited account’s secret, and the admin sees who', async () => {
    used = await makeInvite();
    participant = await h.newBrowser({ signedIn: false, raw: true });

    // What the participant sees: who is asking, what is shared, how to withdraw it later; nothing else.
    const landing = await participant.get(used.path);
    expect(landing.status).toBe(200);
    expect(landing.text).toContain(FROM);
    expect(landing.text).toContain('daily step counts');
    expect(landing.text).toContain(h.services.profile.accountPermissionsUrl);
    expect(landing.text).toContain(`Continue to ${h.services.profile.displayName}`);
    for (const admin of ['href="/status"', 'href="/setup"', 'href="/invites"', 'href="/"'])
      expect(landing.text).not.toContain(admin);
    participantCsrf = csrfOf(landing.text);

    const authUrl = await startAsParticipant(participant, used.path);
    const done = await callback(participant, authUrl, { user: 'alice' });
    expect(done.status, done.text.slice(0, 800)).toBe(200);
    expect(done.text).toContain(`Done: ${FROM} can now read your data`);
    expect(done.text).toContain('alice@example.com');
    expect(done.text).toContain('You can close this tab');
    expect(done.text).not.toContain('href="/status"');

    // The token is in alice's secret (her own check function answers as her), not in the default one.
    const connects = eventsFor(ALICE_SECRET).filter((e) => e.type === 'connect');
    expect(connects).toHaveLength(1);
    expect(connects[0]).toMatchObject({ ok: true, userId: '4815162342', email: 'alice@example.com' });
    expect(connects[0]!.reason).toContain(`Through an invite from “${FROM}”`);
    expect(eventsFor(h.config.snowflake.secret.display).filter((e) => e.type === 'connect')).toEqual([]);
    const rows = await h.admin('SELECT FITBIT.PUBLIC.FITBIT_CONNECTION_CHECK_ALICE() AS R');
    const r = rows[0]?.R as unknown;
    expect(typeof r === 'string' ? JSON.parse(r) : r).toMatchObject({ healthUserId: '4815162342' });
    await expect(h.admin('SELECT FITBIT.PUBLIC.FITBIT_CONNECTION_CHECK() AS R')).rejects.toThrow();
    // The check after the write runs in the background (for the admin's status page): let it finish.
    await eventually(() => h.services.accounts.get('alice')!.history.lastCheck() !== undefined);

    // The admin sees who connected, and when.
    const invite = h.services.invites.get(used.id)!;
    expect(h.services.invites.state(invite)).toBe('used');
    expect(invite.usedBy).toEqual({ userId: '4815162342', email: 'alice@example.com' });
    const list = await h.agent.get('/invites');
    const row = new RegExp(`id="invite-${used.id}" data-state="used"[\\s\\S]*?</tr>`).exec(list.text)?.[0];
    expect(row).toContain('alice@example.com');
    expect(row).not.toContain('Revoke');
  });

  it('an invite is made only for an account whose Snowflake objects are there', async () => {
    h.services.accounts.add('carol', 'Carol'); // registered, but its SQL was never run
    const page = await h.agent.get('/invites');
    const res = await h.agent
      .post('/invites')
      .type('form')
      .send({ _csrf: csrfOf(page.text), account: 'carol', from: FROM });
    expect(res.status).toBe(409);
    expect(res.text).toContain('data-code="account_not_ready"');
    const unknown = await h.agent
      .post('/invites')
      .type('form')
      .send({ _csrf: csrfOf(page.text), account: 'nobody', from: FROM });
    expect(unknown.status).toBe(404);
    expect(h.services.invites.list().every((i) => i.account === 'alice')).toBe(true);
  });

  it('the link with a trailing slash (a chat app may add one) opens the same invite page', async () => {
    const { path } = await makeInvite();
    const p = await h.newBrowser({ signedIn: false, raw: true });
    const page = await p.get(`${path}/`);
    expect(page.status, page.text.slice(0, 300)).toBe(200);
    expect(page.text).toContain('id="invite-start-form"');
    expect(page.text).toContain(`action="${path}/start"`);
  });

  it('the same link is refused the second time, saying when it was used', async () => {
    const again = await participant.get(used.path);
    expect(again.status).toBe(410);
    expect(again.text).toContain('data-code="invite_used"');
    expect(again.text).toContain('This invite was already used');
    expect(again.text).toContain(`datetime="${h.services.invites.get(used.id)!.usedAt}"`);
    // What to do, said once: ask the sender for a new link.
    const said = again.text.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
    expect(said.match(/the person who sent you the link/g)).toHaveLength(1);
    expect(said).toContain('Ask the person who sent you the link for a new one.');
    // Pressing Continue on the page kept open from before is refused as well, before any sign-in starts.
    const post = await participant.post(`${used.path}/start`).type('form').send({ _csrf: participantCsrf });
    expect(post.status).toBe(410);
    expect(post.text).toContain('data-code="invite_used"');
    expect(h.services.pending.size).toBe(0);
  });

  it('the participant reaches nothing else of the app: status, setup, invites, history, results', async () => {
    for (const p of [
      '/',
      '/status',
      '/setup',
      '/invites',
      '/status?account=alice',
      '/connect',
      '/result/abcdefgh1234',
    ]) {
      const res = await participant.get(p);
      expect([303, 401], `${p} answered ${res.status}`).toContain(res.status);
      if (res.status === 303) expect(res.headers.location).toMatch(/^\/login/);
    }
    const json = await participant.get('/status.json');
    expect(json.status).toBe(401);
    expect(JSON.stringify(json.body)).not.toContain('alice');
    // A browser that never pressed Continue on an invite gets no callback and no invite result either: the
    // result's address gives the participant's "expired" page (a browser the app forgot after a restart
    // lands there too), which shows nothing of any sign-in.
    const stranger = await h.newBrowser({ signedIn: false, raw: true });
    const cb = await stranger.get('/callback?state=abc&code=def');
    expect(cb.status).toBe(303);
    expect(cb.headers.location).toBe('/login');
    const result = await stranger.get(`/invite-result/${'a'.repeat(12)}`);
    expect(result.status).toBe(404);
    expect(result.text).toContain('data-code="invite_result_gone"');
    expect(result.text).not.toContain('<nav>');
    expect(result.text).not.toContain(FROM);
    // Nor any action, with the form token its own browser was given.
    for (const action of ['/invites', `/invites/${used.id}/revoke`, '/reauthorize', '/check']) {
      const res = await participant
        .post(action)
        .type('form')
        .send({ _csrf: participantCsrf, account: 'alice', from: 'x' });
      expect(res.status, `${action} answered ${res.status}`).toBe(401);
    }
  });

  it('an expired invite is refused, and says until when it was valid', async () => {
    const inv = await makeInvite();
    // The app's clock only: invites expire on it (the stand-ins' sessions would not survive 3 days).
    await clock.advance(h.config.inviteTtlMs + 1000);
    const p = await h.newBrowser({ signedIn: false, raw: true });
    const res = await p.get(inv.path);
    expect(res.status).toBe(410);
    expect(res.text).toContain('data-code="invite_expired"');
    expect(res.text).toContain('Ask the person who sent you the link for a new one');
  });

  it('a revoked invite is refused', async () => {
    const inv = await makeInvite();
    const list = await h.agent.get('/invites');
    const res = await h.agent
      .post(`/invites/${inv.id}/revoke`)
      .type('form')
      .send({ _csrf: csrfOf(list.text) });
    expect(res.status).toBe(303);
    const p = await h.newBrowser({ signedIn: false, raw: true });
    const page = await p.get(inv.path);
    expect(page.status).toBe(410);
    expect(page.text).toContain('data-code="invite_revoked"');
    expect((await h.agent.get('/invites')).text).toMatch(
      new RegExp(`id="invite-${inv.id}" data-state="revoked"`),
    );
  });

  it('a revoke while the participant is at the consent page writes nothing, and the invite stays revoked', async () => {
    const inv = await makeInvite();
    const p = await h.newBrowser({ signedIn: false, raw: true });
    const authUrl = await startAsParticipant(p, inv.path);
    const before = eventsFor(ALICE_SECRET).length;
    expect(h.services.invites.revoke(inv.id)).toBe(true);
    const page = await callback(p, authUrl, { user: 'bob' });
    expect(page.status).toBe(410);
    expect(page.text).toContain('data-code="invite_revoked"');
    // Refused before the code was exchanged: no token existed, nothing was written or recorded for alice.
    expect(eventsFor(ALICE_SECRET).slice(before)).toEqual([]);
    expect(h.services.accounts.get('alice')!.history.lastConnectedUser()).toBe('4815162342');
  });

  it('a revoke during the sign-in, after the code exchange, refuses the write and disposes of the token', async () => {
    const inv = await makeInvite();
    const p = await h.newBrowser({ signedIn: false, raw: true });
    const authUrl = await startAsParticipant(p, inv.path);
    // The admin presses Revoke just after the callback's first look at the invite (the exchange is next).
    const store = h.services.invites;
    const requireOpen = store.requireOpen.bind(store);
    store.requireOpen = (id, account) => {
      const open = requireOpen(id, account);
      store.revoke(id);
      return open;
    };
    let page: Awaited<ReturnType<typeof callback>>;
    try {
      page = await callback(p, authUrl, { user: 'bob' });
    } finally {
      store.requireOpen = requireOpen;
    }
    expect(page.status).toBe(410);
    expect(page.text).toContain('data-code="invite_revoked"');
    const alice = eventsFor(ALICE_SECRET);
    expect(alice.filter((e) => e.type === 'connect')).toHaveLength(1); // only the first participant's
    // Bob's token was never written: the disposer revoked it (he is not whom the secret holds).
    const disposed = h.services.events
      .all()
      .filter((e) => e.userId === '7788990011' && (e.type === 'token_revoked' || e.type === 'token_dropped'));
    expect(disposed).toHaveLength(1);
    expect(disposed[0]).toMatchObject({ type: 'token_revoked' });
    expect(disposed[0]!.reason).toContain('invite no longer open');
    expect(h.services.accounts.get('alice')!.history.lastConnectedUser()).toBe('4815162342');
  });

  it('a denied consent leaves the invite open; the participant can open the link again', async () => {
    const inv = await makeInvite();
    const p = await h.newBrowser({ signedIn: false, raw: true });
    const denied = await callback(p, await startAsParticipant(p, inv.path), { decision: 'deny' });
    expect(denied.status).toBe(400);
    expect(denied.text).toContain('data-code="invite_consent_denied"');
    expect(denied.text).toContain('open the invite link again');
    const invite = h.services.invites.get(inv.id)!;
    expect(h.services.invites.state(invite)).toBe('open');
    expect(invite.lastFailure).toMatchObject({ code: 'consent_denied' });
    // The admin sees that the last attempt failed, and why.
    expect((await h.agent.get('/invites')).text).toContain('Last attempt failed');
  });

  it('a failed write holds no token for a participant: it is disposed of at once, and the admin is told', async () => {
    const inv = await makeInvite();
    const p = await h.newBrowser({ signedIn: false, raw: true });
    const authUrl = await startAsParticipant(p, inv.path);
    // The app's role loses the secret while the participant is on the consent page: the write fails.
    await h.admin(`GRANT OWNERSHIP ON SECRET ${ALICE_SECRET} TO ROLE SYSADMIN REVOKE CURRENT GRANTS`);
    let page: Awaited<ReturnType<typeof callback>>;
    try {
      page = await callback(p, authUrl, { user: 'bob' });
    } finally {
      await h.admin(
        `GRANT OWNERSHIP ON SECRET ${ALICE_SECRET} TO ROLE FITBIT_CONNECT_APP_ROLE COPY CURRENT GRANTS`,
      );
    }
    expect(page.status).toBe(502);
    expect(page.text).toContain('data-code="invite_write_failed"');
    expect(page.text).toContain(`${FROM} was told`);
    expect(page.text).not.toContain('/held/');
    // Nothing waits in memory on the participant's browser: the token was revoked (bob is not alice).
    expect(h.services.accounts.get('alice')!.held.size).toBe(0);
    const bob = h.services.events.all().filter((e) => e.userId === '7788990011');
    expect(bob.map((e) => e.type)).toContain('secret_write_failed');
    expect(bob.at(-1)).toMatchObject({ type: 'token_revoked' });
    // The invite is still open (the participant may try again once fixed), and says what failed.
    const invite = h.services.invites.get(inv.id)!;
    expect(h.services.invites.state(invite)).toBe('open');
    expect(invite.lastFailure?.code).not.toBe('invite_write_failed');
    expect((await h.agent.get('/invites')).text).toContain(invite.lastFailure!.title);
  });

  it('a sign-in that took too long says so; the invite still works', async () => {
    const inv = await makeInvite();
    const p = await h.newBrowser({ signedIn: false, raw: true });
    const authUrl = await startAsParticipant(p, inv.path);
    await clock.advance(h.config.flowTtlMs + 1000);
    const page = await callback(p, authUrl);
    expect(page.status).toBe(400);
    expect(page.text).toContain('data-code="invite_sign_in_expired"');
    expect(h.services.invites.state(h.services.invites.get(inv.id)!)).toBe('open');
  });

  it('keeps only a fingerprint of each link: never the token, in the file or the log', () => {
    const file = path.join(h.config.dataDir, 'invites.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain(used.token);
    expect(text).toContain('"tokenHash"');
    const logs = h.logs.join('');
    expect(logs).not.toContain(used.token);
    expect(logs).toContain('/invite/[redacted]');
  });

  it('the other refusals, each in the participant’s (or the admin’s) words', async () => {
    // The admin must say who is asking: the participant sees it first.
    const page = await h.agent.get('/invites');
    const noFrom = await h.agent
      .post('/invites')
      .type('form')
      .send({ _csrf: csrfOf(page.text), account: 'alice', from: '  ' });
    expect(noFrom.text).toContain('data-code="invite_from_invalid"');
    // Revoking an invite that does not exist.
    const gone = await h.agent
      .post('/invites/AAAAAAAAAAAAAAAA/revoke')
      .type('form')
      .send({ _csrf: csrfOf(page.text) });
    expect(gone.text).toContain('data-code="invite_not_found"');

    // Scopes left out at the consent screen: what is missing, and that the link works again.
    const inv = await makeInvite();
    const p = await h.newBrowser({ signedIn: false, raw: true });
    const partial = await callback(p, await startAsParticipant(p, inv.path), {
      scopes: [h.config.oauth.scopes[0]!],
    });
    expect(partial.text).toContain('data-code="invite_scope_missing"');
    expect(h.services.invites.state(h.services.invites.get(inv.id)!)).toBe('open');

    // A Continue from a page of another browser (its form token): the page is out of date.
    const q = await h.newBrowser({ signedIn: false, raw: true });
    const opened = await p.get(inv.path);
    const stale = await q
      .post(`${inv.path}/start`)
      .type('form')
      .send({ _csrf: csrfOf(opened.text) });
    expect(stale.text).toContain('data-code="invite_page_stale"');

    // The account's objects went away after the invite was made: the participant is told, nothing starts.
    await h.admin('USE ROLE ACCOUNTADMIN');
    await h.admin(
      'ALTER EXTERNAL ACCESS INTEGRATION FITBIT_EAI SET ALLOWED_AUTHENTICATION_SECRETS = (FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN)',
    );
    try {
      const r = await h.newBrowser({ signedIn: false, raw: true });
      const landing = await r.get(inv.path);
      const notReady = await r
        .post(`${inv.path}/start`)
        .type('form')
        .send({ _csrf: csrfOf(landing.text) });
      expect(notReady.text).toContain('data-code="invite_not_ready"');
    } finally {
      await h.admin(
        'ALTER EXTERNAL ACCESS INTEGRATION FITBIT_EAI SET ALLOWED_AUTHENTICATION_SECRETS = (FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN, FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN_ALICE)',
      );
    }
  });

  it('hands the link over: a Copy button, a link that wraps, and a warning that localhost works only here', async () => {
    const { page } = await makeInvite();
    expect(page).toContain(
      '<button type="button" class="copy" data-copy="invite-link" id="copy-invite-link">',
    );
    expect(page).toContain('<script src="/public/app.js" defer></script>');
    // Not a <pre> (which scrolls it out of sight at a phone's width): a paragraph the link wraps in.
    expect(page).toMatch(/<p class="invite-link"><code id="invite-link">/);
    expect(page).not.toMatch(/<pre[^>]*>\s*<code id="invite-link">/);
    // The harness's app is on localhost: a link only this computer can open, and the page says what to set.
    const warning = /<div id="invite-loopback">[\s\S]*?<\/section>/.exec(page)?.[0];
    expect(warning).toContain('data-code="invite_link_loopback"');
    expect(warning).toContain('PUBLIC_URL');
    // A warning about what is ahead, not a failure: amber, not red.
    expect(warning).toContain('<section class="card warn" data-code="invite_link_loopback">');
    expect(page).not.toContain('Send it to the person yourself');
  });

  it('says when the link expires the same way in its card and in the list, to the minute', async () => {
    // The clock ticks between the invite's making and each time the page reads it, as a real one does.
    const now = clock.now.bind(clock);
    let ticks = 0;
    clock.now = () => now() + ticks++;
    let made: Awaited<ReturnType<typeof makeInvite>>;
    try {
      made = await makeInvite();
    } finally {
      clock.now = now;
    }
    const card = /id="invite-created"[\s\S]*?<\/section>/.exec(made.page)?.[0] ?? '';
    const row = new RegExp(`id="invite-${made.id}"[\\s\\S]*?</tr>`).exec(made.page)?.[0] ?? '';
    const inTtl = `<span class="ago">(in ${h.config.inviteTtlMs / 86_400_000} days)</span>`;
    expect(card).toContain(inTtl);
    expect(row).toContain(inTtl);
  });
});

describe('an app whose redirect URI is not on PUBLIC_URL', () => {
  it('warns on the invites page: participants elsewhere could not come back', async () => {
    const other = await startHarness({
      tweak: (c) => ({ ...c, publicOrigin: 'https://fitbit.example.org' }),
    });
    try {
      const page = await other.agent.get('/invites');
      expect(page.status).toBe(200);
      expect(page.text).toContain('data-code="invite_redirect_elsewhere"');
      // Its links are on a name other computers reach: no loopback warning.
      expect(page.text).not.toContain('invite_link_loopback');
    } finally {
      await other.close();
    }
  });
});

describe('an invite for an account already connected as someone else', () => {
  const ALICE = '4815162342';
  let app: Harness;
  beforeAll(async () => {
    app = await startHarness({ logLevel: 'info' });
    // The admin connected the default account as alice; Snowflake caches her access token (the defaults).
    await app.connect({ user: 'alice' });
  });
  afterAll(async () => app?.close());

  it('the form names who holds it, and points to Setup to add a separate account', async () => {
    const form = await app.agent.get('/invites');
    const holders = /<ul class="invite-holders"[\s\S]*?<\/ul>/.exec(form.text)?.[0] ?? '';
    expect(holders).toMatch(
      /data-account="default"><strong>default<\/strong> is connected as <strong class="account-email">alice@example.com<\/strong>/,
    );
    expect(holders).toContain('an invite for it replaces that connection without asking');
    expect(form.text).toMatch(/id="invite-add-first">[^<]*add a separate account[^<]*<a href="\/setup">/);
    expect(form.text).toMatch(/<option value="default">default — connected as alice@example.com<\/option>/);
  });

  it('the participant is told their access was saved and when Snowflake switches to it; the admin sees whom it replaced', async () => {
    const inv = await makeInvite('default', FROM, app);
    expect(/id="invite-created-replaces">[\s\S]*?<\/p>/.exec(inv.page)?.[0]).toContain('alice@example.com');
    const p = await app.newBrowser({ signedIn: false, raw: true });
    const done = await callback(p, await startAsParticipant(p, inv.path), { user: 'bob' });
    expect(done.status, done.text.slice(0, 800)).toBe(200);
    // Snowflake's check still answered as alice: not "can now read your data", but saved, and until when.
    const inUse = app.services.history.cachedTokenInUse();
    expect(inUse).toMatchObject({ kind: 'previous_account', seenUserId: ALICE });
    expect(done.text).not.toContain('can now read your data');
    expect(done.text).toContain('data-note="invite_saved_cached_token"');
    expect(done.text).toContain(`datetime="${new Date(inUse!.until!).toISOString()}"`);
    expect(done.text).toContain('bob@example.com');
    // Whose data it still reads is none of the participant's business.
    expect(done.text).not.toContain('alice@example.com');
    expect(done.text).not.toContain(ALICE);

    // The admin's list flags the invite that replaced alice's connection.
    expect(app.services.invites.get(inv.id)!.replaced).toEqual({ userId: ALICE, email: 'alice@example.com' });
    const list = await app.agent.get('/invites');
    const row = new RegExp(`id="invite-${inv.id}" data-state="used"[\\s\\S]*?</tr>`).exec(list.text)?.[0];
    expect(row).toMatch(
      /class="invite-replaced">This use replaced the connection of <strong class="account-email">alice@example.com<\/strong>/,
    );
  });
});

describe('the done page while the check after the write is still running', () => {
  let app: Harness;
  afterAll(async () => app?.close());

  it('answers "saved, not confirmed yet" after a short wait, then loads itself again until the outcome', async () => {
    // A warehouse that takes 10 s to wake (the warm-up at Continue starts it): the check is still running when
    // the page stops waiting (1.5 s), by a margin of seconds even on a busy machine.
    app = await startHarness({ sandboxLatency: 'realistic', logLevel: 'warn' });
    await app.snowflakeControl('/sandbox/latency-model', { resumeMs: 10_000, coldStartMs: 0 });
    const warehouse = app.config.snowflake.connection.warehouse!;
    await app.admin(`ALTER WAREHOUSE ${warehouse} SUSPEND`);
    const inv = await makeInvite('default', FROM, app);
    const p = await app.newBrowser({ signedIn: false, raw: true });
    const back = new URL(await consent(await startAsParticipant(p, inv.path)));
    const cb = await p.get(`${back.pathname}${back.search}`);
    expect(cb.status).toBe(303);
    const location = cb.headers.location as string;
    const first = await p.get(location);
    expect(first.status).toBe(200);
    expect(first.text).toContain('data-note="invite_saved_unchecked"');
    expect(first.text).toContain('checks again by itself');
    // The participant's pages run no script: a meta refresh brings the outcome.
    expect(first.text).toMatch(/<meta http-equiv="refresh" content="3" id="invite-done-refresh">/);
    let last = first;
    await eventually(async () => {
      last = await p.get(location);
      return !last.text.includes('id="invite-done-refresh"');
    });
    expect(last.text).not.toContain('invite_saved_unchecked');
  }, 60_000);
});

describe('the done page once the app has forgotten the outcome', () => {
  let app: Harness;
  afterAll(async () => app?.close());

  it('says the page expired and to open the link again, not that nothing was shared', async () => {
    const own = new ManualClock(Date.parse('2026-05-04T09:00:00Z'));
    app = await startHarness({ clock: own, logLevel: 'warn' });
    const inv = await makeInvite('default', FROM, app);
    const p = await app.newBrowser({ signedIn: false, raw: true });
    const back = new URL(await consent(await startAsParticipant(p, inv.path)));
    const cb = await p.get(`${back.pathname}${back.search}`);
    const location = cb.headers.location as string;
    expect((await p.get(location)).status).toBe(200);
    // The app keeps an outcome 30 minutes; the participant's browser stays let in longer.
    await own.advance(31 * 60_000);
    const later = await p.get(location);
    expect(later.status).toBe(404);
    expect(later.text).toContain('data-code="invite_result_gone"');
    expect(later.text).not.toContain('Nothing was shared');
    // What it points to tells the truth: the link says when it was used.
    const again = await p.get(inv.path);
    expect(again.text).toContain('data-code="invite_used"');
  });
});
