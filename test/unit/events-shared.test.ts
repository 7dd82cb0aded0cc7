// One history file, two writers: `npm run connect` beside a running app. Each process sees what the other
// appended without a restart, its own lines once, and never half a line.
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EventLog } from '../../server/status/events.js';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('EventLog shared by two processes', () => {
  it('each sees the other’s events and amendments, and its own once', () => {
    dir = mkdtempSync(path.join(tmpdir(), 'fsc-events-'));
    const app = new EventLog(dir);
    const cli = new EventLog(dir);
    app.append({ type: 'started' });
    const written = cli.append({ type: 'connect', ok: true, userId: 'bob', secret: 'S' });
    expect(app.last((e) => e.type === 'connect')?.userId).toBe('bob');
    cli.amend(written, { tokenInHistory: 'redacted' });
    expect(app.last((e) => e.type === 'connect')?.tokenInHistory).toBe('redacted');
    app.append({ type: 'check', ok: true, seenUserId: 'bob', secret: 'S' });
    expect(app.all().map((e) => e.type)).toEqual(['started', 'connect', 'check']);
    expect(cli.all().map((e) => e.type)).toEqual(['started', 'connect', 'check']);
    // A third reader from the file alone agrees.
    expect(new EventLog(dir).all().map((e) => e.type)).toEqual(['started', 'connect', 'check']);
  });

  it('waits for the end of a line another process is halfway through writing', () => {
    dir = mkdtempSync(path.join(tmpdir(), 'fsc-events-'));
    const app = new EventLog(dir);
    const line = JSON.stringify({ at: new Date().toISOString(), type: 'connect', ok: true, userId: 'carol' });
    appendFileSync(path.join(dir, 'events.jsonl'), line.slice(0, 20));
    expect(app.all()).toEqual([]);
    appendFileSync(path.join(dir, 'events.jsonl'), `${line.slice(20)}\n`);
    expect(app.all().map((e) => e.userId)).toEqual(['carol']);
  });

  it('reads a file that shrank (a new sandbox start) afresh', () => {
    dir = mkdtempSync(path.join(tmpdir(), 'fsc-events-'));
    const app = new EventLog(dir);
    app.append({ type: 'connect', ok: true, userId: 'alice', secret: 'S' });
    writeFileSync(path.join(dir, 'events.jsonl'), '');
    expect(app.all()).toEqual([]);
  });
});
