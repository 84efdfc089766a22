import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { UserFacingError } from '../domain/errors.js';

/**
 * Addresses an MCP server may not be on unless the operator allows it (MCP_ALLOW_PRIVATE_NETWORKS): loopback,
 * private (RFC 1918, RFC 4193), link-local (where cloud metadata services answer), carrier-grade NAT, "this network",
 * multicast and reserved ranges, and the IPv6 forms that embed an IPv4 address.
 */
const PRIVATE = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) PRIVATE.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['64:ff9b::', 96]] as const) PRIVATE.addSubnet(net, bits, 'ipv6');

/** Whether an IP address is private, loopback, link-local or otherwise not on the public internet. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return PRIVATE.check(address, 'ipv4');
  if (family !== 6) return true;
  // An IPv4-mapped IPv6 address (::ffff:127.0.0.1) reaches the IPv4 host it names.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  return mapped ? PRIVATE.check(mapped, 'ipv4') : PRIVATE.check(address, 'ipv6');
}

/** Whether a host may be private: the operator allowed all (true) or named it. */
function allowedPrivate(host: string, allow: boolean | string[]): boolean {
  return allow === true || (Array.isArray(allow) && allow.includes(host.toLowerCase()));
}

/**
 * Refuses a URL whose host is, or resolves to, a non-public address (every address the name has, not just the
 * first: a name with one public and one private address could be connected to either). Called for the URL an admin
 * registers and for every request and redirect the MCP client makes (guardedFetch).
 */
export async function assertPublicUrl(url: URL, allow: boolean | string[]): Promise<void> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UserFacingError('An MCP server URL must start with https:// (or http://).');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (allowedPrivate(host, allow)) return;
  const addresses = isIP(host) ? [host] : (await lookup(host, { all: true, verbatim: true }).catch(() => [])).map((a) => a.address);
  if (!addresses.length) throw new UserFacingError(`I could not find the address of ${host}.`);
  const inside = addresses.find((a) => isPrivateAddress(a) && !allowedPrivate(a, allow));
  if (inside) {
    throw new UserFacingError(
      `${host} is on a private, loopback or link-local address (${inside}), which MCP servers may not use here. ` +
        'The operator can allow it with MCP_ALLOW_PRIVATE_NETWORKS.',
    );
  }
}

const MAX_REDIRECTS = 5;

/**
 * fetch for the MCP SDK's transport: each request's URL is checked before it goes out, and redirects are followed
 * here, one hop at a time, each checked again, so a public server cannot redirect the client into the network.
 */
export function guardedFetch(allow: boolean | string[]): typeof fetch {
  return async (input, init) => {
    let url = new URL(input instanceof Request ? input.url : String(input));
    for (let hop = 0; ; hop++) {
      await assertPublicUrl(url, allow);
      const response = await fetch(url, { ...init, redirect: 'manual' });
      const location = response.status >= 300 && response.status < 400 ? response.headers.get('location') : null;
      if (!location) return response;
      if (hop >= MAX_REDIRECTS) throw new UserFacingError('The MCP server redirected too many times.');
      await response.body?.cancel();
      const next = new URL(location, url);
      // The request carries the server's sealed headers (its credentials): they go to the host the admin registered,
      // never to another one a redirect names (fetch itself drops Authorization across origins; these may be any header).
      if (next.origin !== url.origin) throw new UserFacingError(`The MCP server redirected to another host (${next.origin}); Xiaoliu does not follow it with the server's credentials. Register that address instead.`);
      url = next;
    }
  };
}
