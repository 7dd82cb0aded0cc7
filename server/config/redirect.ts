// URL and host rules: the redirect URI's exact form, the provider endpoints' scheme, and refusing a
// non-loopback bind without ADMIN_TOKEN (or an open one without a launch token).
import { SETTINGS } from './schema.js';

const S = SETTINGS;

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

export function checkRedirectUri(uri: string, problems: string[]): void {
  const name = S.OAUTH_REDIRECT_URI.name;
  let parsed: URL;
  try {
    parsed = new URL(uri);
  } catch {
    problems.push(`${name} "${uri}" is not a URL. Use e.g. http://localhost:8787/callback.`);
    return;
  }
  // openid-client rebuilds the token request's redirect_uri from a URL object; only a URI already in
  // normal form survives that byte for byte, so insist on it here rather than fail at the provider.
  if (parsed.href !== uri) {
    problems.push(`${name} must be written in normal form: "${parsed.href}" instead of "${uri}".`);
  }
  if (parsed.search || parsed.hash) problems.push(`${name} must not have a query string or fragment.`);
  if (parsed.pathname !== '/callback') {
    problems.push(`${name} must end in /callback (this app serves the callback there), got "${uri}".`);
  }
}

/** A provider endpoint must use https, except on loopback (a local proxy or the stand-in). */
export function checkEndpoint(setting: { name: string }, url: string, problems: string[]): void {
  try {
    const u = new URL(url);
    if (u.protocol !== 'https:' && !isLoopbackHost(u.hostname))
      problems.push(`${setting.name} must use https (only loopback addresses may use http): "${url}".`);
  } catch {
    problems.push(`${setting.name} "${url}" is not a URL.`);
  }
}

/**
 * A non-loopback bind means other people can reach the pages: refuse to start without ADMIN_TOKEN.
 * (A PUBLIC_URL behind a reverse proxy is not checked here: see SECURITY.md, "Not covered".)
 */
export function checkExposure(host: string, adminToken: string | undefined, problems: string[]): void {
  if (adminToken || isLoopbackHost(host)) return;
  problems.push(
    `${S.HOST.name}=${host} makes the app reachable from other computers, so ${S.ADMIN_TOKEN.name} is required (at least 16 random characters, e.g. \`openssl rand -base64 32\`). Or bind to 127.0.0.1.`,
  );
}

/**
 * LAUNCH_TOKEN=off opens the app to anything that reaches its port: only for a loopback app on a computer
 * nobody else uses. With ADMIN_TOKEN it would be a contradiction, and a PUBLIC_URL on another machine
 * means a proxy already reaches it from elsewhere.
 */
export function checkLaunchToken(
  launchToken: 'on' | 'off',
  adminToken: string | undefined,
  publicUrl: string | undefined,
  problems: string[],
): void {
  if (launchToken !== 'off') return;
  if (adminToken)
    problems.push(
      `${S.LAUNCH_TOKEN.name}=off and ${S.ADMIN_TOKEN.name} contradict each other: the app asks for ${S.ADMIN_TOKEN.name} when it is set. Remove one.`,
    );
  let publicHost: string | undefined;
  try {
    publicHost = publicUrl ? new URL(publicUrl).hostname : undefined;
  } catch {
    publicHost = undefined;
  }
  if (publicHost && !isLoopbackHost(publicHost))
    problems.push(
      `${S.LAUNCH_TOKEN.name}=off with ${S.PUBLIC_URL.name}=${publicUrl} would let anyone who reaches that address use the app: set ${S.ADMIN_TOKEN.name} instead.`,
    );
}
