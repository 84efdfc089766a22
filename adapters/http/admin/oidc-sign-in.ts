import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import * as oidc from 'openid-client';
import type { AdminConsoleConfig, SignInProvider } from '../http-config.js';

/** What a completed sign-in tells us about the person. */
export interface SignedInPerson {
  provider: SignInProvider;
  issuer: string;
  subject: string;
  name: string;
  email: string | null;
  /** Sign in with Slack only: the Slack user and team the provider vouches for (its `https://slack.com/…` claims). */
  slack?: { userId: string; teamId: string };
}

/** A sign-in that failed for a reason the person can act on (the page says it); anything else is a 500. */
export class SignInError extends Error {}

/** How long the browser has to come back from the identity provider. */
const PENDING_SECONDS = 600;

/**
 * OpenID Connect sign-in with openid-client (authorization code flow, PKCE with S256, state and nonce), the same code
 * for the organisation's provider and for Sign in with Slack, which is standard OIDC at https://slack.com
 * (https://docs.slack.dev/authentication/sign-in-with-slack/). What the callback must check is kept in Redis under a
 * random id that only this browser's cookie holds, for ten minutes, and is used once.
 */
export class OidcSignIn {
  private readonly configurations = new Map<string, Promise<oidc.Configuration>>();

  constructor(
    private readonly config: AdminConsoleConfig,
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  get redirectUri(): string {
    return `${this.config.publicUrl}/admin/auth/callback`;
  }

  provider(id: string): SignInProvider | undefined {
    return this.config.providers.find((p) => p.id === id);
  }

  /** The provider's URL to send the browser to, and the id of what the callback will check (for a cookie). */
  async start(provider: SignInProvider): Promise<{ url: URL; pendingId: string }> {
    const configuration = await this.discover(provider);
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const pendingId = randomBytes(32).toString('base64url');
    await this.redis.set(this.pendingKey(pendingId), JSON.stringify({ provider: provider.id, verifier, state, nonce }), 'EX', PENDING_SECONDS);
    const url = oidc.buildAuthorizationUrl(configuration, {
      redirect_uri: this.redirectUri,
      scope: 'openid profile email',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    return { url, pendingId };
  }

  /**
   * Completes a sign-in from the provider's redirect: the code is exchanged (with the PKCE verifier), and the ID
   * token's signature, issuer, audience, nonce and the response's state are checked by openid-client.
   */
  async finish(pendingId: string | undefined, callbackPathAndQuery: string): Promise<SignedInPerson> {
    if (!pendingId || !/^[\w-]{43}$/.test(pendingId)) throw new SignInError('the sign-in took too long or was started in another browser.');
    // GETDEL: a pending sign-in is used once, even by two callbacks racing.
    const stored = await this.redis.getdel(this.pendingKey(pendingId));
    if (!stored) throw new SignInError('the sign-in took too long or was started in another browser.');
    const pending = JSON.parse(stored) as { provider: string; verifier: string; state: string; nonce: string };
    const provider = this.provider(pending.provider);
    if (!provider) throw new SignInError('that sign-in provider is no longer configured.');
    const configuration = await this.discover(provider);
    const current = new URL(callbackPathAndQuery, this.config.publicUrl);
    if (current.searchParams.has('error')) {
      throw new SignInError(`the identity provider said “${current.searchParams.get('error_description') ?? current.searchParams.get('error')}”.`);
    }
    let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
    try {
      tokens = await oidc.authorizationCodeGrant(configuration, current, {
        pkceCodeVerifier: pending.verifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
    } catch (error) {
      // The library's errors name the check that failed (state, nonce, signature…), never a token or secret.
      throw new SignInError(`the identity provider's answer did not check out (${(error as Error).message}).`);
    }
    const idToken = tokens.claims()!;
    // Providers may keep the profile out of the ID token and serve it from userinfo (OIDC Core 5.4: scope claims of a
    // code flow "are returned from the UserInfo Endpoint"); openid-client checks its subject matches the ID token's.
    const profile =
      (idToken.name === undefined || idToken.email === undefined) && configuration.serverMetadata().userinfo_endpoint
        ? await oidc.fetchUserInfo(configuration, tokens.access_token, idToken.sub).catch(() => ({}))
        : {};
    const claims = { ...profile, ...idToken } as Record<string, unknown> & typeof idToken;
    const text = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : undefined);
    const email = text(claims.email) ?? null;
    const person: SignedInPerson = {
      provider,
      issuer: claims.iss,
      subject: claims.sub,
      name: text(claims.name) ?? text(claims.preferred_username) ?? email ?? claims.sub,
      email,
    };
    const slackUser = text(claims['https://slack.com/user_id']);
    const slackTeam = text(claims['https://slack.com/team_id']);
    if (provider.id === 'slack' && slackUser && slackTeam) person.slack = { userId: slackUser, teamId: slackTeam };
    return person;
  }

  private pendingKey(id: string): string {
    return `${this.prefix}:console:signin:${createHash('sha256').update(id).digest('hex')}`;
  }

  /** The provider's metadata and keys, found once (a failure is forgotten, so the next sign-in tries again). */
  private discover(provider: SignInProvider): Promise<oidc.Configuration> {
    let found = this.configurations.get(provider.id);
    if (!found) {
      const insecure = new URL(provider.issuerUrl).protocol === 'http:'; // loopback only: http-config.ts refuses others
      found = oidc.discovery(new URL(provider.issuerUrl), provider.clientId, provider.clientSecret, undefined, {
        ...(insecure ? { execute: [oidc.allowInsecureRequests] } : {}),
        timeout: 10,
      });
      found.catch(() => this.configurations.delete(provider.id));
      this.configurations.set(provider.id, found);
    }
    return found;
  }
}
