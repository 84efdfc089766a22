import { describe, expect, it } from 'vitest';
import { parseDomains } from './web-domains.js';

describe('parseDomains', () => {
  it('takes domains and sub-paths, lower-cased and deduplicated, with commas or spaces between', () => {
    expect(parseDomains('Example.com, docs.rs example.com/blog/ example.com')).toEqual(['example.com', 'docs.rs', 'example.com/blog']);
    expect(parseDomains('xn--fiqs8s.xn--fiqz9s')).toEqual(['xn--fiqs8s.xn--fiqz9s']);
    expect(parseDomains('none')).toEqual([]);
  });

  it('refuses what the API would refuse, saying how to write it', () => {
    expect(() => parseDomains('https://example.com')).toThrow('without the scheme: `example.com`');
    expect(() => parseDomains('*.example.com')).toThrow('subdomains are included anyway');
    expect(() => parseDomains('localhost')).toThrow('is not a domain');
    expect(() => parseDomains('exa mple..com')).toThrow('is not a domain');
    expect(() => parseDomains('example.com/a?b=c')).toThrow('is not a domain');
    expect(() => parseDomains('')).toThrow('Give one or more domains');
    expect(() => parseDomains(Array.from({ length: 51 }, (_, i) => `d${i}.com`).join(','))).toThrow('at most 50');
  });
});
