import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

/** A person the fake identity provider knows: their login (the subject) and the claims it vouches for. */
export interface FakeIdentity {
  name: string;
  email: string;
  /** Extra claims released with the `openid` scope (Sign in with Slack's `https://slack.com/user_id`, …). */
  extra?: Record<string, string>;
}

export interface FakeOidcProvider {
  issuer: string;
  close(): Promise<void>;
}

/**
 * A real OpenID Connect provider on 127.0.0.1 for tests: panva's oidc-provider, an OpenID Certified implementation
 * (https://github.com/panva/node-oidc-provider#certification), so the console's relying party is checked against the
 * real protocol — discovery, PKCE (RFC 7636), state, nonce, signed ID tokens, userinfo — not against our reading of
 * it. Its development interactions (`features.devInteractions`, on by default, "for development use only": a login
 * form taking any login, then a consent form; docs/README.md#featuresdevinteractions) stand in for the
 * organisation's login page: whatever login is typed becomes the subject, and `people` gives its name and email.
 */
export async function startFakeOidcProvider(options: {
  clients: { client_id: string; client_secret: string; redirect_uris: string[] }[];
  people: Record<string, FakeIdentity>;
}): Promise<FakeOidcProvider> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const extraClaims = [...new Set(Object.values(options.people).flatMap((p) => Object.keys(p.extra ?? {})))];
  const provider = new Provider(issuer, {
    clients: options.clients.map((c) => ({ ...c, grant_types: ['authorization_code'], response_types: ['code'] })),
    // "claims": which claims each scope releases (docs/README.md#claims); by default only `sub` for openid.
    claims: { openid: ['sub', ...extraClaims], profile: ['name'], email: ['email'] },
    // PKCE "required" for every client (docs/README.md#pkce): a relying party that skipped it would fail here.
    pkce: { required: () => true },
    cookies: { keys: ['fake-oidc-provider-cookie-key'] },
    findAccount: (_ctx, sub) => ({
      accountId: sub,
      claims: () => {
        const person = options.people[sub];
        return { sub, ...(person ? { name: person.name, email: person.email, ...person.extra } : { name: sub }) };
      },
    }),
  });
  // oidc-provider logs its own errors through this event only; a test reads its failures in the relying party's page.
  provider.on('server_error', () => {});
  server.on('request', provider.callback());
  return {
    issuer,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
