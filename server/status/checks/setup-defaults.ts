// The names the setup scripts give the objects they create when run without other values, read from the
// scripts' own `<% name | default("…") %>`: a fix statement names what the script made, and a default
// changes in one place (sql/).
import type { ProviderId } from '../../providers/index.js';
import { type ScriptName, scriptVariables } from '../../setup/templates.js';

export interface SetupDefaults {
  warehouse: string;
  ownerRole: string;
  securityIntegration: string;
  /** The network rule, qualified as the script creates it: database.schema.network_rule. */
  networkRule: string;
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
  const out: SetupDefaults = {
    warehouse: get('warehouse'),
    ownerRole: get('owner_role'),
    securityIntegration: get('security_integration'),
    networkRule: `${get('database')}.${get('schema')}.${get('network_rule')}`,
  };
  cache.set(script, out);
  return out;
}
