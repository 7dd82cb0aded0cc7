// Drives the stand-in's consent page over real HTTP, as a browser would, for tests that have no
// browser: GET the authorization URL, read the form, POST the decision, return the redirect Location.

export interface ConsentOptions {
  decision?: 'allow' | 'deny'; // default allow
  user?: string; // seeded user id; default the first (the one with a legacy Fitbit ID)
  scopes?: string[]; // the scopes left ticked; default all requested
}

export class ConsentPageError extends Error {
  constructor(
    readonly status: number,
    readonly pageText: string,
  ) {
    super(`The sandbox showed an error page (HTTP ${status}) instead of redirecting: ${pageText}`);
    this.name = 'ConsentPageError';
  }
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeHtml(s: string): string {
  return s.replace(/&(#\d+|#x[0-9a-f]+|[a-z]+);/gi, (m, e: string) => {
    if (e.startsWith('#x') || e.startsWith('#X'))
      return String.fromCodePoint(Number.parseInt(e.slice(2), 16));
    if (e.startsWith('#')) return String.fromCodePoint(Number(e.slice(1)));
    return ENTITIES[e.toLowerCase()] ?? m;
  });
}

function pageText(html: string): string {
  const body = /<body[^>]*>([\s\S]*)<\/body>/i.exec(html)?.[1] ?? html;
  return decodeHtml(body.replace(/<[^>]+>/g, ' '))
    .replace(/\s+/g, ' ')
    .trim();
}

function attr(tag: string, name: string): string | undefined {
  const m = new RegExp(`\\s${name}="([^"]*)"`, 'i').exec(tag);
  return m?.[1] === undefined ? undefined : decodeHtml(m[1]);
}

interface ConsentForm {
  action: string;
  hidden: Array<[string, string]>;
  users: string[];
  scopes: string[];
}

function readForm(html: string, pageUrl: string): ConsentForm | undefined {
  const form = /<form\b[^>]*>/i.exec(html)?.[0];
  const action = form ? attr(form, 'action') : undefined;
  if (!action) return undefined;
  const inputs = html.match(/<input\b[^>]*>/gi) ?? [];
  const hidden: Array<[string, string]> = [];
  const users: string[] = [];
  const scopes: string[] = [];
  for (const tag of inputs) {
    const type = attr(tag, 'type');
    const name = attr(tag, 'name');
    const value = attr(tag, 'value') ?? '';
    if (!name) continue;
    if (type === 'hidden') hidden.push([name, value]);
    else if (type === 'radio' && name === 'user') users.push(value);
    else if (type === 'checkbox' && name === 'scope') scopes.push(value);
  }
  return { action: new URL(action, pageUrl).href, hidden, users, scopes };
}

async function fail(res: Response): Promise<never> {
  throw new ConsentPageError(res.status, pageText(await res.text()));
}

export async function consent(authorizationUrl: string, opts: ConsentOptions = {}): Promise<string> {
  const page = await fetch(authorizationUrl, { redirect: 'manual' });
  const location = page.headers.get('location');
  // A request refused without showing consent (e.g. prompt=none) redirects straight away.
  if (page.status >= 300 && page.status < 400 && location) return new URL(location, authorizationUrl).href;
  if (page.status !== 200) return fail(page);
  const form = readForm(await page.text(), authorizationUrl);
  if (!form) throw new ConsentPageError(page.status, 'no consent form on the page');
  const user = opts.user ?? form.users[0];
  if (!user || !form.users.includes(user)) {
    throw new Error(
      `User ${String(user)} is not offered on the consent page (offered: ${form.users.join(', ')})`,
    );
  }
  const body = new URLSearchParams(form.hidden);
  body.set('user', user);
  for (const s of opts.scopes ?? form.scopes) body.append('scope', s);
  body.set('decision', opts.decision ?? 'allow');
  const res = await fetch(form.action, { method: 'POST', body, redirect: 'manual' });
  const target = res.headers.get('location');
  if (res.status >= 300 && res.status < 400 && target) {
    // Keep the fragment (Fitbit's '#_=_') exactly as sent.
    return /^[a-z][a-z0-9+.-]*:/i.test(target) ? target : new URL(target, form.action).href;
  }
  return fail(res);
}
