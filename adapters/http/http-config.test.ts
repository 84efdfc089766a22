import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/domain/errors.js';
import { readAdminConsoleConfig, requireSignInSecrets } from './http-config.js';

const variableOf = (read: () => unknown): string | undefined => {
  try {
    read();
  } catch (error) {
    if (error instanceof ConfigError) return error.variable;
    throw error;
  }
  return undefined;
};

describe('the admin console settings', () => {
  const oidc = { OIDC_ISSUER_URL: 'https://login.example.com/', OIDC_CLIENT_ID: 'console', OIDC_CLIENT_SECRET: 's3cret-value' };

  it('is off without a sign-in provider, and on with one and a public URL', () => {
    expect(readAdminConsoleConfig({ CONSOLE_PUBLIC_URL: 'https://x.example.com' })).toBeUndefined();
    const config = readAdminConsoleConfig({ ...oidc, CONSOLE_PUBLIC_URL: 'https://x.example.com/some/path' })!;
    expect(config.publicUrl).toBe('https://x.example.com');
    expect(config.providers.map((p) => [p.id, p.issuerUrl])).toEqual([['oidc', 'https://login.example.com']]);
    const slack = readAdminConsoleConfig({ SLACK_OIDC_CLIENT_ID: '123.456', SLACK_OIDC_CLIENT_SECRET: 'x', CONSOLE_PUBLIC_URL: 'https://x.example.com' })!;
    expect(slack.providers[0]).toMatchObject({ id: 'slack', issuerUrl: 'https://slack.com', label: 'Slack' });
  });

  it('names the variable to fix', () => {
    expect(variableOf(() => readAdminConsoleConfig(oidc))).toBe('CONSOLE_PUBLIC_URL');
    expect(variableOf(() => readAdminConsoleConfig({ ...oidc, CONSOLE_PUBLIC_URL: 'http://xiaoliu.example.com' }))).toBe('CONSOLE_PUBLIC_URL');
    expect(variableOf(() => readAdminConsoleConfig({ ...oidc, OIDC_ISSUER_URL: 'http://login.example.com', CONSOLE_PUBLIC_URL: 'https://x.example.com' }))).toBe('OIDC_ISSUER_URL');
    expect(variableOf(() => readAdminConsoleConfig({ OIDC_ISSUER_URL: 'https://login.example.com', CONSOLE_PUBLIC_URL: 'https://x.example.com' }))).toBe('OIDC_CLIENT_ID');
    // http only on the loopback, where the tests run their provider.
    expect(readAdminConsoleConfig({ ...oidc, OIDC_ISSUER_URL: 'http://127.0.0.1:4000', CONSOLE_PUBLIC_URL: 'http://127.0.0.1:3000' })).toBeDefined();
  });

  it('leaves the client secret to the gateway, which refuses to start the console without it', () => {
    const config = readAdminConsoleConfig({ ...oidc, OIDC_CLIENT_SECRET: '', CONSOLE_PUBLIC_URL: 'https://x.example.com' })!;
    expect(variableOf(() => requireSignInSecrets(config))).toBe('OIDC_CLIENT_SECRET');
    expect(variableOf(() => requireSignInSecrets(readAdminConsoleConfig({ ...oidc, CONSOLE_PUBLIC_URL: 'https://x.example.com' })!))).toBeUndefined();
  });
});
