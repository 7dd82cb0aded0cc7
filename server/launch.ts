// What `npm start` tells the person who started it: the link to open (with this start's launch token,
// as Jupyter does), and, at a terminal, the browser opened on it. Opening is best effort: no opener,
// no display or a failing one only means the printed link is the way in.
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type AppConfig, SETTINGS } from './config/index.js';
import type { Logger } from './log.js';

/** The address to open: with the launch token when there is one (ADMIN_TOKEN is never put in a link). */
export function launchUrl(config: Pick<AppConfig, 'publicOrigin' | 'launchToken' | 'adminToken'>): string {
  const base = `${config.publicOrigin}/`;
  return config.launchToken && !config.adminToken ? `${base}?token=${config.launchToken}` : base;
}

/** The lines printed on stdout once the app listens. */
export function launchMessage(
  config: Pick<AppConfig, 'publicOrigin' | 'launchToken' | 'adminToken' | 'mode'>,
): string {
  const url = launchUrl(config);
  const lines = [`\nfitbit-snowflake-connect is running (${config.mode} mode). Open this link to use it:\n`];
  lines.push(`    ${url}\n`);
  if (config.launchToken && !config.adminToken)
    lines.push(
      `The link signs your browser in: without its token, no other program or person on this computer\ncan use the app. The token changes at every start.\n`,
    );
  else if (config.adminToken)
    lines.push(`Sign in with the ${SETTINGS.ADMIN_TOKEN.name} the app was started with.\n`);
  else
    lines.push(
      `${SETTINGS.LAUNCH_TOKEN.name}=off: anything on this computer that reaches this port can use the app.\n`,
    );
  return `${lines.join('\n')}\n`;
}

/** The command that opens a file or URL in the default browser on this platform. */
function opener(target: string): [string, string[]] {
  if (process.platform === 'darwin') return ['open', [target]];
  if (process.platform === 'win32') return ['explorer.exe', [target]];
  return ['xdg-open', [target]];
}

const REDIRECT_FILE_TTL_MS = 120_000;

/**
 * Opens the link in the default browser. The token would show in the process list (readable by every
 * user) as an argument of the opener and of a browser it starts, so the browser is given a file only
 * this user can read that redirects to the link; the file is removed after two minutes or at exit, and
 * holds a token that dies with this process anyway.
 */
export function openInBrowser(url: string, dataDir: string, log: Logger): void {
  let target = url;
  if (url.includes('?token=')) {
    const file = path.resolve(dataDir, 'open-in-browser.html');
    const remove = () => rmSync(file, { force: true });
    try {
      remove();
      const attr = url.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
      writeFileSync(
        file,
        `<!doctype html><meta charset="utf-8"><meta name="referrer" content="no-referrer"><meta http-equiv="refresh" content="0;url=${attr}"><title>fitbit-snowflake-connect</title><a href="${attr}">Open fitbit-snowflake-connect</a>\n`,
        { mode: 0o600, flag: 'wx' },
      );
    } catch (e) {
      log.warn(
        { err: (e as Error).message },
        'could not write the file that opens the browser: open the printed link',
      );
      return;
    }
    setTimeout(remove, REDIRECT_FILE_TTL_MS).unref();
    process.once('exit', remove);
    target = file;
  }
  const [cmd, args] = opener(target);
  // node:child_process is loaded only here: most starts open no browser, and every start is faster without it.
  void import('node:child_process').then(({ spawn }) => {
    try {
      const child = spawn(cmd, args, { stdio: 'ignore', detached: true });
      child.on('error', (e) =>
        log.debug({ cmd, err: e.message }, 'no browser opened: open the printed link'),
      );
      child.unref();
    } catch (e) {
      log.debug({ cmd, err: (e as Error).message }, 'no browser opened: open the printed link');
    }
  });
}
