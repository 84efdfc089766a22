import { describe, expect, it } from 'vitest';
import { defuseBroadcasts, messageBody, nonceFor } from './outbound-message.js';

describe('defuseBroadcasts', () => {
  it('breaks @everyone and @here with a zero-width space', () => {
    expect(defuseBroadcasts('hi @everyone and @here, mail me@here.com')).toBe('hi @\u200Beveryone and @\u200Bhere, mail me@\u200Bhere.com');
    expect(defuseBroadcasts('no broadcast')).toBe('no broadcast');
  });

  it('keeps a full-length message within the limit by using a full-width @ instead', () => {
    const text = `${'x'.repeat(1990)} @everyone`;
    const defused = defuseBroadcasts(text);
    expect(defused.length).toBe(text.length);
    expect(defused).toContain('＠everyone');
  });
});

describe('messageBody', () => {
  it('never allows a mention, and carries an enforced nonce when the post is keyed', () => {
    expect(messageBody('hello <@123>')).toEqual({ content: 'hello <@123>', allowed_mentions: { parse: [] } });
    const body = messageBody('hello', { deliveryId: 'discord-1234567890123456789', part: 2 });
    expect(body).toMatchObject({ allowed_mentions: { parse: [] }, enforce_nonce: true });
    expect(String(body.nonce).length).toBeLessThanOrEqual(25);
  });
});

describe('nonceFor', () => {
  it('is the same for the same part of the same answer, and differs otherwise', () => {
    const a = nonceFor({ deliveryId: 'discord-1', part: 0 });
    expect(nonceFor({ deliveryId: 'discord-1', part: 0 })).toBe(a);
    expect(nonceFor({ deliveryId: 'discord-1', part: 1 })).not.toBe(a);
    expect(nonceFor({ deliveryId: 'discord-2', part: 0 })).not.toBe(a);
    expect(a).toMatch(/^[\w-]{25}$/);
  });
});
