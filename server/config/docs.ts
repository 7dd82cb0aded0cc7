// docs/configuration.md, rendered from the schema: one table per group. Values come from the schema
// (defaults, accepted values); a secret setting's value is never shown.
import * as z from 'zod/mini';
import { ALL_SETTINGS, SETTING_GROUPS, SETTING_PATTERNS, type Setting, type SettingGroup } from './schema.js';

/** Where the rendered page lives, relative to the repository root. */
export const CONFIGURATION_DOC = 'docs/configuration.md';

const GROUP_INTROS: Record<SettingGroup, string> = {
  App: 'Where the app listens, who may use it, and what it keeps.',
  Logging: 'How the app logs.',
  OAuth: 'The provider, and the OAuth client the app signs in to it with.',
  Snowflake:
    'How the app signs in to Snowflake, and the objects it uses. A setting with a connections.toml key may come from the named connection instead; the setting, when given, wins.',
  Sandbox: 'Used only in sandbox mode and by `npm run sandbox`.',
};

const code = (s: string) => `\`${s}\``;
const cell = (s: string) => s.replace(/\|/g, '\\|');

/** A setting's fixed default, as its zod type gives it for an unset variable. */
function fixedDefault(setting: Setting): unknown {
  const parsed = setting.type.safeParse(undefined);
  return parsed.success ? parsed.data : undefined;
}

function defaultText(setting: Setting): string {
  if (setting.secret) return '—';
  if (setting.defaultText) return setting.defaultText;
  const d = fixedDefault(setting);
  return d === undefined ? '—' : code(String(d));
}

/** The accepted values in words, from the schema's own words or its type (enum, range, URL). */
function acceptsText(setting: Setting): string | undefined {
  if (setting.accepts) return setting.accepts;
  const js = z.toJSONSchema(setting.type, { io: 'input', unrepresentable: 'any' }) as {
    type?: string;
    enum?: unknown[];
    minimum?: number;
    maximum?: number;
    format?: string;
  };
  if (js.enum) return js.enum.map((v) => code(String(v))).join(', ');
  if (js.format === 'uri') return 'a URL';
  if (js.type === 'integer') {
    const bounded = js.maximum !== undefined && js.maximum < Number.MAX_SAFE_INTEGER;
    return bounded
      ? `a whole number, ${js.minimum} to ${js.maximum}`
      : `a whole number, ${js.minimum} or more`;
  }
  return undefined;
}

function description(setting: Setting): string {
  const accepts = acceptsText(setting);
  return [
    setting.description,
    accepts && `Accepts ${accepts}.`,
    setting.tomlKeys &&
      `In connections.toml: ${code(setting.tomlKeys[0])}${setting.tomlKeys
        .slice(1)
        .map((k) => ` (or ${code(k)})`)
        .join('')}.`,
  ]
    .filter(Boolean)
    .join(' ');
}

function row(name: string, setting: Omit<Setting, 'type'> & { type?: z.ZodMiniType }, dflt: string): string {
  const live = setting.live ? 'yes' : '';
  const secret = setting.secret ? 'secret' : '';
  const what = setting.type ? description(setting as Setting) : setting.description;
  return `| ${code(name)} | ${cell(dflt)} | ${cell(what)} | ${live} | ${secret} |`;
}

export function renderConfigurationDoc(): string {
  const names = (list: readonly { name: string }[]) => list.map((s) => code(s.name)).join(', ');
  const notLive = ALL_SETTINGS.filter((s) => (s.group === 'OAuth' || s.group === 'Snowflake') && !s.live);
  const lines = [
    '# Configuration',
    '',
    '<!-- Generated from server/config/schema.ts by `npm run docs`: edit the schema, not this file. -->',
    '',
    'Settings come from environment variables, or a `.env` file in the working directory (the environment',
    'wins). They are validated once, at start: a wrong or missing setting stops the app with a message that',
    'names the setting and the fix. A blank value counts as not set.',
    '',
    '**Sandbox mode.** With **none** of the settings marked "ends sandbox" the app runs in sandbox mode, against',
    'local stand-ins for the provider and Snowflake; with some but not all of them it refuses to start and names',
    `each missing setting. These OAuth and Snowflake settings do not end sandbox mode, as they also shape it or`,
    `only refine another setting: ${names(notLive)}.`,
    '',
    '**Secrets.** A setting marked "secret" is a credential: this page shows no value of it, and the app names it',
    'in messages but never repeats its value. Keep it in the environment or in a `.env` only you can read.',
    '',
    'Secret and function names are validated as Snowflake identifiers (`DB.SCHEMA.NAME`; quote a part with',
    '`"…"` to keep its case) before any SQL is built.',
  ];
  for (const group of SETTING_GROUPS) {
    lines.push('', `## ${group}`, '', GROUP_INTROS[group], '');
    lines.push(
      '| setting | default | what it does | ends sandbox | secret |',
      '| --- | --- | --- | --- | --- |',
    );
    for (const s of ALL_SETTINGS.filter((x) => x.group === group)) lines.push(row(s.name, s, defaultText(s)));
    for (const p of Object.values(SETTING_PATTERNS).filter((x) => x.group === group))
      lines.push(row(p.name, p, '—'));
  }
  return `${lines.join('\n')}\n`;
}
