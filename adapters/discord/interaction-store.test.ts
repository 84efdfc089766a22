import { Writable } from 'node:stream';
import { RateLimitError } from '@discordjs/rest';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log/create-logger.js';
import { scrubToken } from './interaction-store.js';

const TOKEN = 'aW50ZXJhY3Rpb24tdG9rZW4tc2VjcmV0';

describe('scrubToken', () => {
  it('leaves no trace of the interaction token in any field a logger would write, causes included', () => {
    const rateLimit = new RateLimitError({
      timeToReset: 120_000,
      limit: 5,
      method: 'PATCH',
      hash: `Webhooks/123/${TOKEN}`,
      url: `https://discord.com/api/v10/webhooks/123/${TOKEN}/messages/@original`,
      route: '/webhooks/:id/:token/messages/@original',
      majorParameter: `123/${TOKEN}`,
      global: false,
      retryAfter: 120_000,
      sublimitTimeout: 0,
      scope: 'user',
    });
    const wrapped = new Error(`edit failed for ${TOKEN}`, { cause: rateLimit });
    let written = '';
    const out = new Writable({ write: (chunk, _e, done) => ((written += String(chunk)), done()) });
    const log = createLogger({ level: 'info' }, out);
    log.error({ err: scrubToken(rateLimit, TOKEN) }, 'rate limited');
    log.error({ err: scrubToken(wrapped, TOKEN) }, 'failed');
    expect(written).toContain('[interaction-token]');
    expect(written).toContain('PATCH');
    expect(written).not.toContain(TOKEN);
  });
});
