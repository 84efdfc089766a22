import { describe, expect, it } from 'vitest';
import { hideCredentials } from './hide-credentials.js';

describe('hideCredentials', () => {
  it('keeps the header name and hides its value, quoted or not, and a registered URL query', () => {
    expect(hideCredentials('<@UBOT> mcp add tracker https://mcp.example.com/mcp --header "Authorization: Bearer sk-secret-1"')).toBe(
      '<@UBOT> mcp add tracker https://mcp.example.com/mcp --header "Authorization: [hidden]"',
    );
    expect(hideCredentials('mcp add t https://x.example/mcp --header X-Api-Key:abc123 --header “Cookie: s=1”')).toBe(
      'mcp add t https://x.example/mcp --header X-Api-Key: [hidden] --header “Cookie: [hidden]”',
    );
    expect(hideCredentials('mcp add wiki <https://wiki.example/mcp?token=abc|link>')).toBe('mcp add wiki <https://wiki.example/mcp?[hidden]|link>');
    expect(hideCredentials('our deploy day is Tuesday; see https://docs.example/page?x=1')).toBe('our deploy day is Tuesday; see https://docs.example/page?x=1');
    for (const text of ['--header "Authorization: Bearer sk-secret-1"', '--header Authorization:Bearer', "--header 'Authorization: token t0k3n'"]) {
      expect(hideCredentials(text)).not.toMatch(/sk-secret-1|Bearer|t0k3n/);
    }
  });
});
