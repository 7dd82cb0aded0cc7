import { type Response, Router } from 'express';
import { z } from 'zod';
import { OAUTH_SWITCHES, OAuthBehaviourChange } from './behaviour.js';
import { DATA_TYPES, dataTypeOf, KIND_ALIASES } from './daily-data.js';
import { type FaultSpec, type Faults, faultSchema } from './faults.js';
import type { RequestLog } from './requestlog.js';
import { parseIso } from './steps.js';
import type { Store } from './store.js';

// /sandbox/…: endpoints for tests and demos that act on the stand-in itself. Not part of any provider.

export const clientSchema = z
  .object({
    profile: z.enum(['google-health', 'fitbit']),
    clientId: z.string().min(1),
    clientSecret: z.string().min(1).nullable(),
    name: z.string().min(1),
    redirectUris: z.array(z.url()).min(1),
    status: z.enum(['production', 'testing']).optional(),
    appType: z.enum(['server', 'client', 'personal']).optional(),
  })
  .strict()
  .refine((c) => c.clientSecret !== null || (c.profile === 'fitbit' && c.appType === 'client'), {
    message: 'clientSecret may be null only for a fitbit client app',
  });

/** A day's data arriving late (a device that synced days after): the Health API answers the new value. */
const lateSyncSchema = z
  .object({
    user: z.string().min(1),
    date: z.string().refine((d) => parseIso(d) !== undefined, 'date must be a real yyyy-MM-dd date'),
    kind: z.string().refine((k) => dataTypeOf(k) !== undefined, {
      message: `kind must be one of ${[...DATA_TYPES, ...Object.keys(KIND_ALIASES)].join(', ')}`,
    }),
    value: z.union([
      z.number().nonnegative(),
      z
        .object({
          fatBurn: z.number().int().min(0),
          cardio: z.number().int().min(0),
          peak: z.number().int().min(0),
        })
        .strict(),
      z.null(),
    ]),
  })
  .strict()
  .refine(
    (b) => typeof b.value !== 'object' || b.value === null || dataTypeOf(b.kind) === 'active-zone-minutes',
    {
      message: 'zone minutes by zone are for active-zone-minutes only',
    },
  );

const INDEX = {
  'GET /sandbox/': 'this index',
  'POST /sandbox/reset':
    'back to the seed: clients, users, tokens, clock, faults, counters, request log; switches back to their defaults',
  'GET /sandbox/behaviour': 'the current value of every behaviour switch',
  'POST /sandbox/behaviour': 'JSON with any of the switches below: sets them; answers every switch',
  ...Object.fromEntries(Object.entries(OAUTH_SWITCHES).map(([name, what]) => [`switch ${name}`, what])),
  'POST /sandbox/revoke-all': 'every user revokes access to every client',
  'POST /sandbox/revoke-user': 'JSON {"user"}: that user revokes access to every client (others keep theirs)',
  'POST /sandbox/advance-clock?seconds=N': "move the server's clock forward; expiry rules follow it",
  'GET /sandbox/clock': "the server's clock",
  'POST /sandbox/faults': 'add a fault rule (JSON object or array); see sandbox/README.md',
  'GET /sandbox/faults': 'active fault rules',
  'DELETE /sandbox/faults': 'remove all fault rules',
  'GET /sandbox/requests': 'requests seen, credentials redacted',
  'DELETE /sandbox/requests': 'forget the requests seen',
  'POST /sandbox/clients': 'register a client (JSON SandboxClient)',
  'GET /sandbox/clients': 'registered clients (secrets omitted)',
  'GET /sandbox/users': 'seeded users',
  'POST /sandbox/legacy-gone': 'JSON {"on":true|false}: legacy Fitbit endpoints answer 410',
  'POST /sandbox/late-sync':
    'JSON {"user","date":"yyyy-MM-dd","kind","value"}: that day\'s value of a data type changes (null: no data), as after a late sync',
};

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function invalid(res: Response, error: z.ZodError | string): void {
  res
    .status(400)
    .json({ error: 'invalid_request', details: typeof error === 'string' ? error : z.prettifyError(error) });
}

export function controlRouter(store: Store, faults: Faults, log: RequestLog): Router {
  const r = Router();
  const clock = () => ({ now: new Date(store.now()).toISOString(), offsetSeconds: store.clockOffsetSeconds });

  r.get(['/sandbox', '/sandbox/'], (_req, res) => {
    res.json({ endpoints: INDEX });
  });

  r.post('/sandbox/reset', (_req, res) => {
    store.reset();
    faults.clear();
    log.clear();
    res.json({ ok: true });
  });

  r.post('/sandbox/revoke-all', (_req, res) => {
    const live = [...store.grants.values()].filter((g) => !g.revoked).length;
    store.revokeAll();
    res.json({ revokedGrants: live });
  });

  r.post('/sandbox/revoke-user', (req, res) => {
    const user = (req.body as Record<string, unknown> | undefined)?.user;
    if (typeof user !== 'string' || !store.users.some((u) => u.id === user)) {
      res.status(400).json({ error: 'give {"user": "<a seeded user id>"} (GET /sandbox/users lists them)' });
      return;
    }
    res.json({ revokedGrants: store.revokeUser(user) });
  });

  r.post('/sandbox/advance-clock', (req, res) => {
    const raw: unknown = req.query.seconds ?? (req.body as Record<string, unknown> | undefined)?.seconds;
    const seconds = Number(raw);
    if (raw === undefined || raw === '' || !Number.isFinite(seconds) || seconds < 0) {
      return invalid(res, 'seconds must be a number ≥ 0 (query ?seconds=N or JSON {"seconds":N})');
    }
    store.advanceClock(seconds);
    res.json(clock());
  });

  r.get('/sandbox/clock', (_req, res) => {
    res.json(clock());
  });

  r.post('/sandbox/faults', (req, res) => {
    const parsed = z.union([faultSchema, z.array(faultSchema)]).safeParse(req.body);
    if (!parsed.success) return invalid(res, parsed.error);
    const specs: FaultSpec[] = Array.isArray(parsed.data) ? parsed.data : [parsed.data];
    res.status(201).json({ faults: specs.map((s) => faults.add(s)) });
  });

  r.get('/sandbox/faults', (_req, res) => {
    res.json({ faults: faults.list() });
  });

  r.delete('/sandbox/faults', (_req, res) => {
    faults.clear();
    res.json({ ok: true });
  });

  r.get('/sandbox/requests', (_req, res) => {
    res.json({ requests: log.list() });
  });

  r.delete('/sandbox/requests', (_req, res) => {
    log.clear();
    res.json({ ok: true });
  });

  r.post('/sandbox/clients', (req, res) => {
    const parsed = clientSchema.safeParse(req.body);
    if (!parsed.success) return invalid(res, parsed.error);
    store.addClient(parsed.data);
    res.status(201).json({ clientId: parsed.data.clientId });
  });

  r.get('/sandbox/clients', (_req, res) => {
    res.json({
      clients: [...store.clients.values()].map(({ clientSecret, ...c }) => ({
        ...c,
        hasSecret: clientSecret !== null,
      })),
    });
  });

  r.get('/sandbox/users', (_req, res) => {
    res.json({ users: store.users });
  });

  r.get('/sandbox/behaviour', (_req, res) => {
    res.json(store.behaviour);
  });

  r.post('/sandbox/behaviour', (req, res) => {
    const parsed = OAuthBehaviourChange.safeParse(req.body);
    if (!parsed.success) return invalid(res, parsed.error);
    store.behaviour = { ...store.behaviour, ...definedOnly(parsed.data) };
    res.json(store.behaviour);
  });

  r.post('/sandbox/legacy-gone', (req, res) => {
    const parsed = z.object({ on: z.boolean() }).safeParse(req.body);
    if (!parsed.success) return invalid(res, parsed.error);
    store.legacyGone = parsed.data.on;
    res.json({ legacyGone: store.legacyGone });
  });

  r.post('/sandbox/late-sync', (req, res) => {
    const parsed = lateSyncSchema.safeParse(req.body);
    if (!parsed.success) return invalid(res, parsed.error);
    const { user, date, kind, value } = parsed.data;
    if (!store.user(user)) return invalid(res, `no user "${user.slice(0, 40)}" (see GET /sandbox/users)`);
    const dataType = dataTypeOf(kind)!;
    store.setLateSync(user, dataType, date, value);
    res.json({ user, date, dataType, value });
  });

  r.use('/sandbox', (_req, res) => {
    res.status(404).json({ error: 'not_found', endpoints: INDEX });
  });

  return r;
}
