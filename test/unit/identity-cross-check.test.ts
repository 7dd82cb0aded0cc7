// The rules behind the identity cross-check and the query-history answer, on plain data: which check is
// about the token just written, how the history reads such checks, how a connect event learns facts
// after it was recorded, and what the query-history lookup answers for each shape of reply.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cachedTokenInUse } from '../../server/connection/token-in-use.js';
import { appError } from '../../server/errors/index.js';
import {
  HISTORY_ROWS,
  queryHistorySql,
  showsToken,
  tokenInQueryHistory,
} from '../../server/snowflake/query-history.js';
import { SessionChangedError, type SnowflakeSession } from '../../server/snowflake/session.js';
import { type AppEvent, EventLog } from '../../server/status/events.js';
import { historyLines, lastChange } from '../../server/status/history.js';

const UNTIL = '2026-12-01T11:00:00.000Z';

describe('cachedTokenInUse: is the check about the token just written?', () => {
  it('another account in a passing check: the previous account’s cached token, until when if known', () => {
    expect(cachedTokenInUse('bob', { ok: true, seenUserId: 'alice', cachedTokenUntil: UNTIL })).toEqual({
      kind: 'previous_account',
      writtenUserId: 'bob',
      seenUserId: 'alice',
      until: UNTIL,
    });
    expect(cachedTokenInUse('bob', { ok: true, seenUserId: 'alice' })).toMatchObject({ until: null });
  });

  it('a refused token counts as the old one only when Snowflake was seen still holding it', () => {
    expect(
      cachedTokenInUse('alice', { ok: false, failure: 'token_revoked', cachedTokenUntil: UNTIL }),
    ).toEqual({ kind: 'previous_token', writtenUserId: 'alice', until: UNTIL });
    expect(cachedTokenInUse('alice', { ok: false, failure: 'token_revoked' })).toBeUndefined();
    expect(
      cachedTokenInUse('alice', { ok: false, failure: 'other', cachedTokenUntil: UNTIL }),
    ).toBeUndefined();
  });

  it('the same account, or an answer naming nobody, is about the token written', () => {
    expect(cachedTokenInUse('alice', { ok: true, seenUserId: 'alice' })).toBeUndefined();
    expect(cachedTokenInUse('alice', { ok: true })).toBeUndefined();
    expect(cachedTokenInUse(undefined, { ok: true, seenUserId: 'alice' })).toBeUndefined();
  });
});

const ev = (at: string, e: Partial<AppEvent>): AppEvent => ({ at, type: 'check', ...e }) as AppEvent;

describe('history of a write Snowflake has not used yet', () => {
  const log: AppEvent[] = [
    ev('2026-12-01T10:00:00.000Z', { type: 'connect', ok: true, userId: 'alice' }),
    ev('2026-12-01T10:00:01.000Z', { type: 'check', ok: true, seenUserId: 'alice' }),
    ev('2026-12-01T10:10:00.000Z', { type: 'reauthorize', ok: true, userId: 'bob', tokenInHistory: 'shown' }),
    ev('2026-12-01T10:10:01.000Z', { type: 'check', ok: true, seenUserId: 'alice', cachedTokenUntil: UNTIL }),
  ];

  it('says the check answered as another account, and the connect that the history shows the token', () => {
    const [check, connect] = historyLines(log);
    expect(check).toMatchObject({ what: 'End-to-end check answered as another account', tone: 'bad' });
    expect(check!.detail).toBe(
      `as alice, not bob: Snowflake still used the access token it cached before the write (cached until ${UNTIL})`,
    );
    expect(connect!.detail).toContain('Snowflake’s query history shows the token');
  });

  it('a refused cached token: the line says whose token failed', () => {
    const lines = historyLines([
      ev('2026-12-01T10:00:00.000Z', { type: 'reauthorize', ok: true, userId: 'alice' }),
      ev('2026-12-01T10:00:01.000Z', {
        type: 'check',
        ok: false,
        failure: 'token_revoked',
        reason: 'HTTP 401',
        cachedTokenUntil: UNTIL,
      }),
    ]);
    expect(lines[0]).toMatchObject({ what: 'End-to-end check failed', tone: 'bad' });
    expect(lines[0]!.detail).toBe(
      `Snowflake still used the access token it cached before the write (cached until ${UNTIL}), which the provider refused: the token was revoked or expired`,
    );
  });

  it('what changed waits for the latest check to prove the written token', () => {
    const now = new Date('2026-12-01T12:00:00.000Z');
    const afterRevocation = [
      ev('2026-12-01T09:00:00.000Z', { type: 'connect', ok: true, userId: 'alice' }),
      ev('2026-12-01T09:30:00.000Z', { type: 'check', ok: false, failure: 'token_revoked' }),
      ev('2026-12-01T10:10:00.000Z', { type: 'reauthorize', ok: true, userId: 'alice' }),
      ev('2026-12-01T10:10:01.000Z', {
        type: 'check',
        ok: false,
        failure: 'token_revoked',
        cachedTokenUntil: UNTIL,
      }),
    ];
    expect(lastChange(afterRevocation, now)).toBeUndefined();
    const proven = [
      ...afterRevocation,
      ev('2026-12-01T11:01:00.000Z', { type: 'check', ok: true, seenUserId: 'alice' }),
    ];
    expect(lastChange(proven, now)).toMatchObject({ was: expect.stringContaining('revoked or expired') });
    // Answering as another account proves nothing about the written one either.
    const other = [
      ...afterRevocation.slice(0, 3),
      ev('2026-12-01T10:10:01.000Z', { type: 'check', ok: true, seenUserId: 'carol' }),
    ];
    expect(lastChange(other, now)).toBeUndefined();
  });
});

describe('EventLog.amend', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('adds facts to an event in memory and on disk, keeping its place; a reload folds them back in', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fsc-amend-'));
    dirs.push(dir);
    const log = new EventLog(dir);
    const c = log.append({ type: 'connect', ok: true, userId: 'alice' });
    log.append({ type: 'check', ok: true });
    log.amend(c, { accessTokenCachedUntil: UNTIL });
    log.amend(c, { tokenInHistory: 'redacted' });
    expect(log.all().map((e) => e.type)).toEqual(['connect', 'check']);
    expect(log.all()[0]).toMatchObject({ accessTokenCachedUntil: UNTIL, tokenInHistory: 'redacted' });
    const again = new EventLog(dir);
    expect(again.all()).toEqual(log.all());
    // Append-only: the amendments are lines of their own.
    expect(readFileSync(again.path, 'utf8').trim().split('\n')).toHaveLength(4);
  });
});

/** A session that answers the lookup with the given rows (or error): the real driver is tested elsewhere. */
function answering(rows: Record<string, unknown>[] | Error): SnowflakeSession {
  return {
    execute: async (sql: string, opts: { sameConnectionAs?: string }) => {
      expect(sql).toBe(queryHistorySql('FITBIT'));
      expect(opts.sameConnectionAs).toBe('conn-1');
      if (rows instanceof Error) throw rows;
      return rows;
    },
  } as unknown as SnowflakeSession;
}

describe('tokenInQueryHistory: one word, never the text', () => {
  const token = '1//0gExampleRefreshTokenValue';
  const write = { queryId: 'q-2', connectionId: 'conn-1' };
  const rows = (text: unknown) => [
    { QUERY_ID: 'q-3', QUERY_TEXT: 'SELECT 1' },
    { QUERY_ID: 'q-2', QUERY_TEXT: text },
  ];

  it('reads the write’s own row, by query id, in any column case', async () => {
    expect(
      await tokenInQueryHistory(
        answering(rows(`ALTER SECRET S SET OAUTH_REFRESH_TOKEN = '${token}'`)),
        write,
        'FITBIT',
        token,
      ),
    ).toEqual({ answer: 'shown' });
    expect(
      await tokenInQueryHistory(
        answering(rows("ALTER SECRET S SET OAUTH_REFRESH_TOKEN = '***'")),
        write,
        'FITBIT',
        token,
      ),
    ).toEqual({ answer: 'redacted' });
    expect(
      await tokenInQueryHistory(
        answering([{ query_id: 'q-2', query_text: `… ${token} …` }]),
        write,
        'FITBIT',
        token,
      ),
    ).toEqual({ answer: 'shown' });
  });

  it('not_found and unknown say why in words that hold no query text', async () => {
    expect(
      await tokenInQueryHistory(answering([{ QUERY_ID: 'q-9', QUERY_TEXT: token }]), write, 'FITBIT', token),
    ).toEqual({
      answer: 'not_found',
      reason: `the write was not among the session’s last ${HISTORY_ROWS} statements`,
    });
    expect((await tokenInQueryHistory(answering(rows(null)), write, 'FITBIT', token)).answer).toBe('unknown');
    expect(await tokenInQueryHistory(answering(new SessionChangedError()), write, 'FITBIT', token)).toEqual({
      answer: 'unknown',
      reason: 'the session that wrote the token was signed in again',
    });
    const denied = appError('snowflake_error', {
      step: 's',
      code: '003001',
      message: 'Insufficient privileges',
    });
    expect(await tokenInQueryHistory(answering(denied), write, 'FITBIT', token)).toEqual({
      answer: 'unknown',
      reason: 'QUERY_HISTORY_BY_SESSION failed (snowflake_error)',
    });
    expect((await tokenInQueryHistory(answering([]), undefined, 'FITBIT', token)).answer).toBe('unknown');
  });

  it('the lookup names the function through the secret’s database, and compares whole tokens only', () => {
    expect(queryHistorySql('FITBIT')).toBe(
      'SELECT QUERY_ID, QUERY_TEXT FROM TABLE(FITBIT.INFORMATION_SCHEMA.QUERY_HISTORY_BY_SESSION(RESULT_LIMIT => 1000))',
    );
    expect(queryHistorySql('my db')).toContain('TABLE("my db".INFORMATION_SCHEMA.');
    expect(showsToken(`x ${token} y`, token)).toBe(true);
    expect(showsToken(`x ${token.slice(0, 10)}*** y`, token)).toBe(false);
    expect(showsToken('anything', '')).toBe(false);
  });
});
