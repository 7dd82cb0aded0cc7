// The versions a report is about: the date, this app, Node.js, the snowflake-sdk driver and Snowflake
// itself (CURRENT_VERSION(), which needs no warehouse).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Versions } from './report.js';
import { type AdminSql, failureText, LoginFailed } from './statements.js';

function packageVersion(file: string): string {
  try {
    return String((JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown }).version ?? 'unknown');
  } catch {
    return 'unknown';
  }
}

/** The installed driver's package.json: the nearest one above its entry point that names it. */
function driverVersion(): string {
  try {
    let dir = path.dirname(createRequire(import.meta.url).resolve('snowflake-sdk'));
    for (let i = 0; i < 5; i++, dir = path.dirname(dir)) {
      const file = path.join(dir, 'package.json');
      try {
        const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
        if (pkg.name === 'snowflake-sdk') return pkg.version ?? 'unknown';
      } catch {
        // no package.json here: look one folder up
      }
    }
  } catch {
    // not installed where Node can find it
  }
  return 'unknown';
}

/** Everything but Snowflake's own version, known before signing in. */
export function localVersions(now: Date): Versions {
  const appPackage = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../package.json');
  return {
    date: now.toISOString(),
    app: packageVersion(appPackage),
    node: process.version,
    driver: driverVersion(),
    snowflake: 'unknown (not signed in)',
  };
}

export async function snowflakeVersion(sql: AdminSql): Promise<string> {
  try {
    const { rows } = await sql.run('SELECT CURRENT_VERSION() AS V');
    const v = rows[0]?.V ?? Object.values(rows[0] ?? {})[0];
    return v === undefined || v === null ? 'unknown (no answer)' : String(v);
  } catch (e) {
    if (e instanceof LoginFailed) throw e;
    return `unknown (${failureText(e)})`;
  }
}
