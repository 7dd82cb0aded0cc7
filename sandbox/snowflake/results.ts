// Result-set shapes: the documented column sets of SHOW/DESCRIBE, cell encodings the driver expects
// in JSON results (timestamp_ltz as epoch seconds with 9 decimals, date as days since epoch).
import type { Column, ColumnType, ResultSet } from './contract.js';

/** `created_on:timestamp_ltz name comment` → columns (type defaults to text). */
export function cols(spec: string): Column[] {
  return spec
    .trim()
    .split(/\s+/)
    .map((s) => {
      const [name, type] = s.split(':') as [string, ColumnType | undefined];
      return { name, type: type ?? 'text', nullable: true };
    });
}

export function rs(columns: Column[], rows: (string | null)[][], usedWarehouse = false): ResultSet {
  return { columns, rows, usedWarehouse };
}

export function status(message: string): ResultSet {
  return rs(cols('status'), [[message]]);
}

/** Epoch seconds with 9 decimals, as the driver parses timestamp_ltz JSON cells (scale 9). */
export function ts(ms: number | null): string | null {
  if (ms === null) return null;
  const secs = Math.floor(ms / 1000);
  const frac = ms - secs * 1000;
  return `${secs}.${String(frac).padStart(3, '0')}000000`;
}

/** 'YYYY-MM-DD' → days since the epoch, as the driver parses date JSON cells. */
export function dateCell(ymd: string | null): string | null {
  if (ymd === null) return null;
  const ms = Date.parse(`${ymd.slice(0, 10)}T00:00:00Z`);
  return Number.isNaN(ms) ? ymd : String(Math.round(ms / 86_400_000));
}

export function bool(b: boolean): string {
  return b ? 'true' : 'false';
}

/** SQL LIKE (case-insensitive, % and _, backslash escape) as SHOW … LIKE uses it. */
export function likeMatcher(pattern: string | null): (name: string) => boolean {
  if (pattern === null) return () => true;
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\' && i + 1 < pattern.length) re += escapeRe(pattern[++i]!);
    else if (c === '%') re += '[\\s\\S]*';
    else if (c === '_') re += '[\\s\\S]';
    else re += escapeRe(c);
  }
  const rx = new RegExp(`^${re}$`, 'i');
  return (name) => rx.test(name);
}

function escapeRe(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

// Column sets from the Snowflake docs (and the Snowflake Terraform provider's row structs).
export const SHOW_SECRETS = cols(
  'created_on:timestamp_ltz name schema_name database_name owner comment secret_type oauth_scopes owner_role_type',
);
export const DESC_SECRET = cols(
  'created_on:timestamp_ltz name schema_name database_name owner comment secret_type username ' +
    'oauth_access_token_expiry_time:timestamp_ltz oauth_refresh_token_expiry_time:timestamp_ltz oauth_scopes integration_name',
);
export const SHOW_INTEGRATIONS = cols('name type category enabled comment created_on:timestamp_ltz');
export const DESC_INTEGRATION = cols('property property_type property_value property_default');
export const SHOW_NETWORK_RULES = cols(
  'created_on:timestamp_ltz name database_name schema_name owner comment type mode entries_in_valuelist:fixed owner_role_type',
);
export const DESC_NETWORK_RULE = cols(
  'created_on:timestamp_ltz name database_name schema_name owner comment type mode value_list',
);
export const SHOW_GRANTS = cols(
  'created_on:timestamp_ltz privilege granted_on name granted_to grantee_name grant_option granted_by',
);
export const SHOW_GRANTS_TO_USER = cols(
  'created_on:timestamp_ltz privilege granted_on name role granted_to grantee_name grant_option granted_by',
);
export const SHOW_GRANTS_OF_ROLE = cols('created_on:timestamp_ltz role granted_to grantee_name granted_by');
export const SHOW_ROLES = cols(
  'created_on:timestamp_ltz name is_default is_current is_inherited assigned_to_users:fixed granted_to_roles:fixed ' +
    'granted_roles:fixed owner comment',
);
export const SHOW_USERS = cols(
  'name created_on:timestamp_ltz login_name display_name first_name last_name email mins_to_unlock days_to_expiry ' +
    'comment disabled must_change_password snowflake_lock default_warehouse default_namespace default_role ' +
    'default_secondary_roles ext_authn_duo ext_authn_uid mins_to_bypass_mfa owner last_success_login:timestamp_ltz ' +
    'expires_at_time:timestamp_ltz locked_until_time:timestamp_ltz has_password has_rsa_public_key type has_mfa',
);
export const DESC_USER = cols('property value default description');
export const SHOW_DATABASES = cols(
  'created_on:timestamp_ltz name is_default is_current origin owner comment options retention_time kind owner_role_type',
);
export const SHOW_SCHEMAS = cols(
  'created_on:timestamp_ltz name is_default is_current database_name owner comment options retention_time owner_role_type',
);
export const SHOW_WAREHOUSES = cols(
  'name state type size min_cluster_count:fixed max_cluster_count:fixed started_clusters:fixed running:fixed ' +
    'queued:fixed is_default is_current auto_suspend:fixed auto_resume available provisioning quiescing other ' +
    'created_on:timestamp_ltz resumed_on:timestamp_ltz updated_on:timestamp_ltz owner comment resource_monitor ' +
    'scaling_policy owner_role_type',
);
export const SHOW_FUNCTIONS = cols(
  'created_on:timestamp_ltz name schema_name is_builtin is_aggregate is_ansi min_num_arguments:fixed ' +
    'max_num_arguments:fixed arguments description catalog_name is_table_function valid_for_clustering ' +
    'is_secure is_external_function language is_memoizable is_data_metric',
);
export const DESC_FUNCTION = cols('property value');
/** DESCRIBE DATABASE (its schemas), SCHEMA (its tables and views) and WAREHOUSE (itself). */
export const DESC_CONTAINER = cols('created_on:timestamp_ltz name kind');
export const PAT_RESULT = cols('token_name token_secret');
