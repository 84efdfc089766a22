import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultSettings } from '../src/domain/channel-settings.js';
import { claimDelivery, finishDelivery } from '../src/store/claim-delivery.js';
import { saveChannelSettings, settingsInForce } from '../src/store/channel-settings.js';
import { resetConversation, saveMessageAndLoad, type NewMessage } from '../src/store/conversations.js';
import { runMigrations } from '../src/store/database.js';
import { setRole } from '../src/store/user-roles.js';
import { silentLogger } from './support/silent-logger.js';
import { testConfig as appConfig } from './support/test-app.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

describe('database', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('creates the database when missing and applies every migration', async () => {
    const tables = await database.sql<{ table_name: string }[]>`
      select table_name from information_schema.tables where table_schema = 'public' order by table_name`;
    expect(tables.map((t) => t.table_name)).toEqual(
      expect.arrayContaining(['conversations', 'inbound_deliveries', 'messages', 'replies', 'usage']),
    );
  });

  it('is safe to migrate from several processes at once', async () => {
    await Promise.all([1, 2, 3].map(() => runMigrations(database.url, silentLogger())));
    const [row] = await database.sql<{ n: number }[]>`select count(*)::int as n from drizzle.__drizzle_migrations`;
    // Each migration applied exactly once, however many processes raced to apply it.
    const journal = JSON.parse(readFileSync('migrations/meta/_journal.json', 'utf8')) as { entries: unknown[] };
    expect(row?.n).toBe(journal.entries.length);
  });

  const testConfig = () => appConfig(database, 'http://127.0.0.1:9');

  it('claims a delivery once and reads the channel settings and the asker role in the same round trip', async () => {
    const { sql } = database;
    const address = { workspaceId: 'T-claim', channelId: 'C-claim', threadId: '1.1' };
    const first = await claimDelivery(sql, 'slack', address, 'claim-1', 'U-ann');
    expect(first).toMatchObject({ firstTime: true, conversationIsNew: true, status: 'processing', settings: undefined, storedRole: undefined });

    await saveChannelSettings(sql, { platform: 'slack', ...address }, { ...defaultSettings(testConfig()), systemPrompt: 'v1' }, 'prompt', 'U-admin');
    await saveChannelSettings(sql, { platform: 'slack', ...address }, { ...defaultSettings(testConfig()), systemPrompt: 'v2' }, 'prompt', 'U-admin');
    await setRole(sql, { platform: 'slack', workspaceId: 'T-claim' }, 'U-ann', 'admin', 'U-admin');
    const again = await claimDelivery(sql, 'slack', address, 'claim-1', 'U-ann');
    expect(again).toMatchObject({ firstTime: false, conversationIsNew: false, storedRole: 'admin' });
    expect(again.conversation.id).toBe(first.conversation.id);
    expect(settingsInForce(again.settings, defaultSettings(testConfig()))).toMatchObject({ systemPrompt: 'v2', version: 2 });
    // Another person, another channel: nothing stored for either.
    const other = await claimDelivery(sql, 'slack', { ...address, channelId: 'C-other' }, 'claim-2', 'U-bob');
    expect(other).toMatchObject({ settings: undefined, storedRole: undefined });
    // The same person in another workspace: an admin of one is a member of the other.
    const elsewhere = await claimDelivery(sql, 'slack', { ...address, workspaceId: 'T-other' }, 'claim-3', 'U-ann');
    expect(elsewhere).toMatchObject({ storedRole: undefined });
  });

  it('stores a question and returns the history with it last, once, in one statement', async () => {
    const { sql } = database;
    const { conversation } = await claimDelivery(sql, 'slack', { workspaceId: 'T-h', channelId: 'C-h', threadId: '2.2' }, 'h-1');
    const message = (deliveryId: string, text: string): NewMessage => ({
      conversationId: conversation.id, deliveryId, role: 'user', authorId: 'U1', authorName: 'Ann', text, tokens: 1,
    });
    expect((await saveMessageAndLoad(sql, conversation, message('h-1', 'one'))).map((m) => m.text)).toEqual(['one']);
    expect((await saveMessageAndLoad(sql, conversation, message('h-2', 'two'))).map((m) => m.text)).toEqual(['one', 'two']);
    // A retried job stores nothing twice and still sees its question last.
    expect((await saveMessageAndLoad(sql, conversation, message('h-2', 'two'))).map((m) => m.text)).toEqual(['one', 'two']);
    await resetConversation(sql, conversation.id);
    const [row] = await sql<{ resetAt: string }[]>`select reset_at::text as "resetAt" from conversations where id = ${conversation.id}`;
    const afterReset = { ...conversation, resetAt: row!.resetAt };
    expect((await saveMessageAndLoad(sql, afterReset, message('h-3', 'three'))).map((m) => m.text)).toEqual(['three']);
  });

  it('marks a delivery answered and stores its answer in one statement, once however often it is retried', async () => {
    const { sql } = database;
    const address = { workspaceId: 'T-f', channelId: 'C-f', threadId: '3.3' };
    const { conversation } = await claimDelivery(sql, 'slack', address, 'f-1');
    const answer: NewMessage = {
      conversationId: conversation.id, deliveryId: 'f-1', role: 'assistant', authorId: 'xiaoliu', authorName: 'Xiaoliu', text: 'forty-two', tokens: 2,
    };
    await finishDelivery(sql, 'f-1', 'answered', answer);
    await finishDelivery(sql, 'f-1', 'answered', answer);
    const again = await claimDelivery(sql, 'slack', address, 'f-1');
    expect(again).toMatchObject({ status: 'answered', answerSaved: true });
    const rows = await sql`select text from messages where delivery_id = 'f-1' and role = 'assistant'`;
    expect(rows.map((r) => r.text)).toEqual(['forty-two']);
  });
});
