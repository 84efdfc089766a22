import type { AdapterModule } from '../../src/domain/adapter.js';
import { readHttpApiConfig, type HttpApiConfig } from './http-config.js';

/** The HTTP chat API (/v1/…) and web console on the gateway's server. On unless HTTP_API=false. */
export const httpAdapter: AdapterModule<'http', HttpApiConfig> = {
  platform: 'http',
  readConfig: readHttpApiConfig,
  // Keys arrive in the authorization header, which every log line has blanked already; none is ever configured. The
  // console's OIDC client secrets (admin.providers) are never logged: they go only to the identity provider.
  // The console's OIDC client secrets (adapters/http/http-config.ts), wherever a config is logged.
  secretFields: ['clientSecret'],
  // Every request carries an API key the operator made (npm run apikey).
  ownAccessControl: true,
  async createEgress(config, { redis, sql, prefix }) {
    const { createHttpEgress } = await import('./http-egress.js');
    return createHttpEgress(config, redis, sql, prefix);
  },
  async startIngress(config, deps) {
    const { mountHttpApi } = await import('./http-ingress.js');
    return mountHttpApi(config, deps);
  },
};
