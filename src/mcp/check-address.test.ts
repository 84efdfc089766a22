import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenLocal } from '../../test/fakes/listen-local.js';
import { assertPublicUrl, guardedFetch, isPrivateAddress } from './check-address.js';
import { open, seal } from './secret-box.js';

describe('which addresses an MCP server may be on', () => {
  it('refuses loopback, private, link-local and the IPv6 forms that reach them', () => {
    for (const a of ['127.0.0.1', '10.2.3.4', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', 'fe80::1', 'fd00::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1']) {
      expect(isPrivateAddress(a), a).toBe(true);
    }
    for (const a of ['1.1.1.1', '93.184.216.34', '2606:4700::1111']) expect(isPrivateAddress(a), a).toBe(false);
  });

  it('resolves a name and checks every address it has (localhost is loopback), unless the operator allows it', async () => {
    await expect(assertPublicUrl(new URL('http://localhost:1/mcp'), false)).rejects.toThrow(/private, loopback or link-local.*MCP_ALLOW_PRIVATE_NETWORKS/s);
    await expect(assertPublicUrl(new URL('http://127.0.0.1:1/mcp'), ['10.0.0.1'])).rejects.toThrow(/127\.0\.0\.1/);
    await expect(assertPublicUrl(new URL('http://localhost:1/mcp'), true)).resolves.toBeUndefined();
    await expect(assertPublicUrl(new URL('http://localhost:1/mcp'), ['localhost'])).resolves.toBeUndefined();
    await expect(assertPublicUrl(new URL('ftp://example.com/'), true)).rejects.toThrow(/https/);
  });
});

describe('guardedFetch', () => {
  let target: ReturnType<typeof createServer>;
  let redirector: ReturnType<typeof createServer>;
  let targetUrl: string;
  let redirectUrl: string;
  let targetHits = 0;

  beforeAll(async () => {
    target = createServer((_req, res) => {
      targetHits++;
      res.end('inside');
    });
    // Another loopback address (all of 127/8 is loopback on Linux), which the allow-list below does not name.
    targetUrl = await listenLocal(target, { host: '127.0.0.2' });
    redirector = createServer((req, res) => {
      if (req.url === '/same') return void res.writeHead(307, { location: '/final' }).end();
      if (req.url === '/final') return void res.end('same host');
      res.writeHead(307, { location: targetUrl }).end();
    });
    redirectUrl = await listenLocal(redirector);
  });
  afterAll(async () => {
    target.close();
    redirector.close();
  });

  it('checks every hop of a redirect, so an allowed server cannot send the client into the network', async () => {
    const fetchAllowed = guardedFetch(['127.0.0.1']);
    await expect(fetchAllowed(redirectUrl, { method: 'POST', body: '{}' })).rejects.toThrow(/redirected to another host/);
    expect(targetHits).toBe(0);
    // With every private address allowed, a redirect to another host is still refused: the request carries the
    // server's credentials, which go only where the admin registered. One on the same host is followed.
    const headers = { authorization: 'Bearer sealed-token' };
    await expect(guardedFetch(true)(redirectUrl, { method: 'POST', body: '{}', headers })).rejects.toThrow(/redirected to another host .*credentials/);
    expect(targetHits).toBe(0);
    const response = await guardedFetch(true)(new URL('/same', redirectUrl).toString(), { method: 'POST', body: '{}', headers });
    expect(await response.text()).toBe('same host');
  });
});

describe('sealed credentials', () => {
  const key = Buffer.alloc(32, 7);

  it('round-trips, shows nothing of the secret, and refuses another key or a changed byte', () => {
    const sealed = seal(key, JSON.stringify({ Authorization: 'Bearer top-secret' }));
    expect(sealed).not.toContain('top-secret');
    expect(Buffer.from(sealed, 'base64').toString('latin1')).not.toContain('top-secret');
    expect(JSON.parse(open(key, sealed))).toEqual({ Authorization: 'Bearer top-secret' });
    expect(() => open(Buffer.alloc(32, 8), sealed)).toThrow();
    const raw = Buffer.from(sealed, 'base64');
    raw[raw.length - 1] = raw[raw.length - 1]! ^ 1;
    expect(() => open(key, raw.toString('base64'))).toThrow();
  });
});
