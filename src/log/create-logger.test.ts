import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readConfig } from '../config/read-config.js';
import { createLogger } from './create-logger.js';

function capture(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}

describe('createLogger', () => {
  it('never writes the API key or connection passwords, even when the whole config is logged', () => {
    const out = capture();
    const log = createLogger({ level: 'info' }, out.stream);
    const config = readConfig({
      ANTHROPIC_API_KEY: 'sk-ant-very-secret-value',
      DATABASE_URL: 'postgres://app:db-password@db:5432/xiaoliu',
      REDIS_URL: 'redis://:redis-password@redis:6379',
      SLACK_BOT_TOKEN: 'xoxb-slack-bot-secret',
      SLACK_SIGNING_SECRET: 'slack-signing-secret',
      SLACK_APP_TOKEN: 'xapp-1-slack-app-secret',
      DISCORD_TOKEN: 'MTQwMDAw.discord-bot.secret-value',
    });
    log.info({ config }, 'starting');
    log.child({ jobId: 'j1' }).error({ err: { headers: { authorization: 'Bearer sk-ant-very-secret-value' } } }, 'x');
    log.info({ discord: config.platforms.discord, interactionToken: 'aW50ZXJhY3Rpb24-secret' }, 'discord');
    log.info({ err: { request: { headers: { authorization: 'Bot MTQwMDAw.discord-bot.secret-value' } } } }, 'y');
    expect(out.text()).toContain('starting');
    expect(out.text()).not.toContain('very-secret');
    expect(out.text()).not.toContain('db-password');
    expect(out.text()).not.toContain('redis-password');
    expect(out.text()).not.toMatch(/slack-bot-secret|slack-signing-secret|slack-app-secret/);
    expect(out.text()).toContain('discord');
    expect(out.text()).not.toMatch(/discord-bot\.secret-value|aW50ZXJhY3Rpb24-secret/);
  });
});
