// One account's view of the app's config: the same everything, but its own secret and functions (by the
// naming rule), so the flow, the checks and the status page work on it unchanged.
import type { AppConfig } from '../config/index.js';
import { accountObjectName, DEFAULT_ACCOUNT } from './names.js';

export function accountConfig(config: AppConfig, label: string): AppConfig {
  if (label === DEFAULT_ACCOUNT) return config;
  const sf = config.snowflake;
  return {
    ...config,
    snowflake: {
      ...sf,
      secret: accountObjectName(sf.secret, label),
      checkFunction: accountObjectName(sf.checkFunction, label),
      dataFunction: sf.dataFunction ? accountObjectName(sf.dataFunction, label) : undefined,
    },
  };
}
