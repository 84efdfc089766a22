import type { AdapterModule } from '../../src/domain/adapter.js';
import { readShellConfig, type ShellConfig } from './shell-config.js';

/** The terminal (npm run shell): a chat on the host, through the same queue and workers as every other platform. */
export const shellAdapter: AdapterModule<'shell', ShellConfig> = {
  platform: 'shell',
  readConfig: readShellConfig,
  secretFields: [],
  // Whoever has a terminal on the host is let in already.
  ownAccessControl: true,
  async createEgress(config, { redis, prefix }) {
    const { createShellEgress } = await import('./shell-egress.js');
    return createShellEgress(config, redis, prefix);
  },
  async startIngress(config, deps) {
    const { startShellIngress } = await import('./shell-ingress.js');
    return startShellIngress(config, deps);
  },
  // The terminal role (npm run shell), not the gateway: it reads this process's own terminal.
  ingressRole: 'terminal',
};
