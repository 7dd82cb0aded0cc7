// Reading settings from the environment: the .env file, whether a setting is given, and its parsed
// value(s) by the schema's types. Nothing here names a setting: the schema does.
import { existsSync } from 'node:fs';
import { ConfigError } from './error.js';
import {
  LIVE_SETTINGS,
  type Setting,
  type SettingName,
  type SettingValues,
  settingsSchema,
} from './schema.js';

export type Env = Record<string, string | undefined>;

/** Loads `.env` from the working directory into process.env (existing variables win). */
export function loadDotEnv(file = '.env'): void {
  if (existsSync(file)) process.loadEnvFile(file);
}

/** A setting counts as given when it is set to something other than blanks. */
export function present(env: Env, name: string): boolean {
  const v = env[name];
  return v !== undefined && v.trim() !== '';
}

export function isSandboxRequested(env: Env): boolean {
  return !LIVE_SETTINGS.some((n) => present(env, n));
}

/** Every setting, parsed and defaulted; a malformed one is a ConfigError naming it (never its value). */
export function readSettings(env: Env): SettingValues {
  const parsed = settingsSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  return parsed.data;
}

/** One setting, parsed and defaulted, for code that needs only it (the stand-ins' ports). */
export function readSetting<N extends SettingName>(env: Env, setting: Setting<N>): SettingValues[N] {
  const parsed = setting.type.safeParse(env[setting.name]);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${setting.name}: ${i.message}`));
  }
  return parsed.data as SettingValues[N];
}

/** A setting's text as given, unvalidated, or undefined when blank: for passing it on as is. */
export function settingText(env: Env, setting: Setting): string | undefined {
  return present(env, setting.name) ? env[setting.name] : undefined;
}
