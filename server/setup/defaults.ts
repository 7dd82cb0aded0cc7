// The names the setup scripts give the objects they create when run without other values, read from the
// scripts' own `<% name | default("…") %>`: a fix statement, sandbox mode and the docs name what the script
// made, and a default changes in one place (sql/).
import type { ProviderId } from '../providers/index.js';
import { type ScriptName, scriptVariables } from './templates.js';

export interface SetupDefaults {
  database: string;
  schema: string;
  warehouse: string;
  ownerRole: string;
  appRole: string;
  appUser: string;
  securityIntegration: string;
  /** Qualified as the script creates them: database.schema.name. */
  networkRule: string;
  secret: string;
  checkFunction: string;
  /** The daily-steps table function, when the provider's script creates one (the status chart reads it). */
  dataFunction?: string;
}

const cache = new Map<ScriptName, SetupDefaults>();

export function setupDefaults(provider: ProviderId): SetupDefaults {
  const script: ScriptName = `setup-${provider}`;
  const cached = cache.get(script);
  if (cached) return cached;
  const defaults = new Map(scriptVariables(script).map((v) => [v.name, v.default]));
  const get = (name: string): string => {
    const value = defaults.get(name);
    if (value === undefined) throw new Error(`sql/${script}.sql gives no default for "${name}".`);
    return value;
  };
  const qualified = (name: string) => `${get('database')}.${get('schema')}.${get(name)}`;
  const out: SetupDefaults = {
    database: get('database'),
    schema: get('schema'),
    warehouse: get('warehouse'),
    ownerRole: get('owner_role'),
    appRole: get('app_role'),
    appUser: get('app_user'),
    securityIntegration: get('security_integration'),
    networkRule: qualified('network_rule'),
    secret: qualified('secret_name'),
    checkFunction: qualified('check_function'),
    dataFunction: defaults.has('steps_function') ? qualified('steps_function') : undefined,
  };
  cache.set(script, out);
  return out;
}
