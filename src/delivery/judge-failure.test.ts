import { describe, expect, it } from 'vitest';
import { UserFacingError } from '../domain/errors.js';
import { DATABASE_PATIENCE_MS, judgeFailure, type FailedAttempt } from './judge-failure.js';

// The failure policy as a table: which verdict wins when several apply. The lifecycle acting on each verdict is
// tested end to end in test/delivery-lifecycle.test.ts.

const now = 1_000_000_000;
const databaseDown = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
const attempt = (overrides: Partial<FailedAttempt>): FailedAttempt => ({
  error: new Error('the model call failed'),
  lockLost: false,
  shuttingDown: false,
  queuedAt: now - 1000,
  lastAttempt: false,
  now,
  ...overrides,
});

describe('judgeFailure', () => {
  it('retries an ordinary failure, and gives up on the last attempt', () => {
    expect(judgeFailure(attempt({}))).toBe('retry');
    expect(judgeFailure(attempt({ lastAttempt: true }))).toBe('give-up');
  });

  it('never retries a user error, even with attempts left', () => {
    expect(judgeFailure(attempt({ error: new UserFacingError('over budget') }))).toBe('user-error');
    expect(judgeFailure(attempt({ error: new UserFacingError('over budget'), lastAttempt: true }))).toBe('user-error');
  });

  it('waits for Postgres, even on the last attempt, until the message has waited DATABASE_PATIENCE_MS', () => {
    expect(judgeFailure(attempt({ error: databaseDown, lastAttempt: true }))).toBe('database');
    expect(judgeFailure(attempt({ error: databaseDown, lastAttempt: true, queuedAt: now - DATABASE_PATIENCE_MS - 1 }))).toBe('give-up');
    // A bad query is not an outage.
    expect(judgeFailure(attempt({ error: Object.assign(new Error('syntax error'), { code: '42601' }) }))).toBe('retry');
  });

  it('puts a lost job lock first, then shutdown: whatever else failed, another run owns the message', () => {
    const everything = { error: databaseDown, lastAttempt: true };
    expect(judgeFailure(attempt({ ...everything, lockLost: true, shuttingDown: true }))).toBe('lock-lost');
    expect(judgeFailure(attempt({ ...everything, shuttingDown: true }))).toBe('shutdown');
    expect(judgeFailure(attempt({ error: new UserFacingError('over budget'), shuttingDown: true }))).toBe('shutdown');
  });

  it('abandons an answer whose conversation was deleted, whatever failed and however many attempts are left', () => {
    // The missing conversation's foreign-key error would otherwise be retried, and the retry would make it again.
    const missing = Object.assign(new Error('violates foreign key constraint'), { code: '23503' });
    expect(judgeFailure(attempt({ error: missing, deleted: true }))).toBe('deleted');
    expect(judgeFailure(attempt({ error: databaseDown, deleted: true }))).toBe('deleted');
    expect(judgeFailure(attempt({ error: new UserFacingError('over budget'), deleted: true, lastAttempt: true }))).toBe('deleted');
    expect(judgeFailure(attempt({ deleted: true, lockLost: true }))).toBe('lock-lost');
  });
});
