import { UserFacingError } from '../domain/errors.js';

/** Most domains one list may hold: a list is sent with every request, and a long one is a mistake more often than not. */
export const MAX_WEB_DOMAINS = 50;

/** A host name of dot-separated labels (letters, digits, hyphens; punycode `xn--` included), with a top-level label. */
const HOST = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/;
/** An optional sub-path: "Subpaths are supported (example.com/blog)". No query, no fragment, no spaces. */
const PATH = /^(?:\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*)?$/;

/**
 * A list of domains for the web tools' `allowed_domains` / `blocked_domains`, as an admin typed it (commas or spaces
 * between). Anthropic's rules (https://platform.claude.com/docs/en/agents-and-tools/tool-use/web-search-tool, "Domain
 * filtering"): no HTTP/HTTPS scheme (`example.com`, not `https://example.com`), subdomains are included automatically,
 * sub-paths are supported. Anything else is refused here with the reason, rather than by the API on every question.
 * `none` (or an empty list) clears it.
 */
export function parseDomains(value: string): string[] {
  const words = value.split(/[\s,]+/).filter(Boolean);
  if (words.length === 1 && words[0]!.toLowerCase() === 'none') return [];
  if (!words.length) throw new UserFacingError('Give one or more domains, such as `example.com,docs.rs`, or `none`.');
  const domains: string[] = [];
  for (const word of words) {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(word)) {
      throw new UserFacingError(`Write domains without the scheme: \`${word.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '')}\`, not \`${word}\`.`);
    }
    const slash = word.indexOf('/');
    const host = (slash < 0 ? word : word.slice(0, slash)).toLowerCase().replace(/\.$/, '');
    const path = slash < 0 ? '' : word.slice(slash);
    if (host.startsWith('*.')) throw new UserFacingError(`Write \`${host.slice(2)}\` rather than \`${host}\`: subdomains are included anyway.`);
    if (!HOST.test(host) || !PATH.test(path)) {
      throw new UserFacingError(`\`${word}\` is not a domain. Give domains such as \`example.com\` or \`example.com/blog\`.`);
    }
    domains.push(host + path.replace(/\/+$/, ''));
  }
  const unique = [...new Set(domains)];
  if (unique.length > MAX_WEB_DOMAINS) throw new UserFacingError(`That is ${unique.length} domains; at most ${MAX_WEB_DOMAINS} fit in one list.`);
  return unique;
}
