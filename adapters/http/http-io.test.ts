import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { corsHeaders } from './http-io.js';

const from = (origin?: string) => ({ headers: origin ? { origin } : {} }) as IncomingMessage;

describe('corsHeaders', () => {
  it('grants nothing when no origins are configured', () => {
    expect(corsHeaders(from('https://app.example'), [])).toEqual({});
  });

  it('allows only the configured origins, naming the caller', () => {
    const allowed = ['https://app.example'];
    expect(corsHeaders(from('https://app.example'), allowed)).toMatchObject({ 'access-control-allow-origin': 'https://app.example', vary: 'origin' });
    expect(corsHeaders(from('https://evil.example'), allowed)).toEqual({});
    expect(corsHeaders(from(), allowed)).toEqual({});
  });

  it('allows any origin with *', () => {
    expect(corsHeaders(from('https://any.example'), ['*'])['access-control-allow-origin']).toBe('*');
  });
});
