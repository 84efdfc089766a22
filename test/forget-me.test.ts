import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApp } from '../src/app/start-app.js';
import type { InboundMessage } from '../src/domain/inbound-message.js';
import { startFakeAnthropic, type FakeAnthropic } from './fakes/fake-anthropic.js';
import { RecordingEgress, type EgressCall } from './fakes/recording-egress.js';
import { inbound, startTestApp, testConfig } from './support/test-app.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { waitFor } from './support/wait-for.js';

const ANN = { id: 'U1', name: 'Ann', isBot: false };
const BO = { id: 'U2', name: 'Bo', isBot: false };

describe('forget me (real pipeline: queue, worker, router, Postgres; fake model)', () => {
  let database: TestDatabase;
  let model: FakeAnthropic;
  let app: RunningApp;
  const platforms = { shell: new RecordingEgress('shell'), discord: new RecordingEgress('discord'), http: new RecordingEgress('http') };

  beforeAll(async () => {
    database = await createTestDatabase();
    model = await startFakeAnthropic();
    app = await startTestApp(testConfig(database, model.url), Object.values(platforms));
  });
  afterAll(async () => {
    await app?.close();
    await model?.close();
    await database?.drop();
  });

  /** Sends messages and waits until each is answered; returns the text of each reply, in order. */
  async function send(...messages: InboundMessage[]): Promise<string[]> {
    for (const m of messages) await app.producer.enqueue(m);
    const platform = (m: InboundMessage) => platforms[m.platform as keyof typeof platforms];
    await waitFor('the answers', () => messages.every((m) => platform(m).doneDeliveries().includes(m.id)));
    return messages.map((m) => replyTo(platform(m), m));
  }

  /** A delivery's reply: a thread's messages are answered in order, so it is the thread's last post before its done. */
  function replyTo(platform: RecordingEgress, m: InboundMessage): string {
    const done = platform.calls.findIndex((c) => c.op === 'done' && c.deliveryId === m.id);
    const post = platform.calls
      .slice(0, done)
      .filter((c): c is Extract<EgressCall, { op: 'post' }> => c.op === 'post' && c.address.threadId === m.address.threadId)
      .at(-1);
    return post ? platform.messages.get(post.messageId)!.text : '';
  }

  /** What is stored for a platform, as "author: text" (sorted: threads are answered in parallel). */
  async function messagesOf(platform: string) {
    const rows = await database.sql<{ author: string; role: string; text: string }[]>`
      select m.author_id as author, m.role, m.text from messages m join conversations c on c.id = m.conversation_id
      where c.platform = ${platform} order by m.id`;
    return rows.map((r) => `${r.role === 'user' ? r.author : 'xiaoliu'}: ${r.text}`).sort();
  }

  it("deletes exactly the asker's messages on this platform, in every thread, and the answers to them", async () => {
    await send(
      inbound('Ann in thread a', { thread: 'T-a', author: ANN }),
      inbound('Bo in thread a', { thread: 'T-a', author: BO }),
      inbound('Ann in thread b', { thread: 'T-b', author: ANN }),
      inbound('Bo in thread b', { thread: 'T-b', author: BO }),
      inbound('Ann in thread c', { thread: 'T-c', author: ANN }),
      // The same person id on another platform is out of reach of a `forget me` sent on this one.
      inbound('Ann on Discord', { platform: 'discord', thread: 'T-d', author: ANN }),
    );
    expect(await messagesOf('shell')).toHaveLength(10);
    const [usageBefore] = await database.sql<{ n: number }[]>`select count(*)::int as n from usage`;

    const [confirmation] = await send(inbound('forget me', { thread: 'T-b', author: ANN }));
    expect(confirmation).toBe('Done: I deleted 3 of your messages (and 3 of my answers to them) across all threads.');
    expect(await messagesOf('shell')).toEqual([
      'U2: Bo in thread a',
      'U2: Bo in thread b',
      'xiaoliu: Echo: [Bo] Bo in thread a',
      'xiaoliu: Echo: [Bo] Bo in thread b',
    ]);
    expect(await messagesOf('discord')).toEqual(['U1: Ann on Discord', 'xiaoliu: Echo: [Ann] Ann on Discord']);
    // Usage holds no text and stays, for budgets and reports.
    const [usageAfter] = await database.sql<{ n: number }[]>`select count(*)::int as n from usage`;
    expect(usageAfter!.n).toBe(usageBefore!.n);
    expect(usageAfter!.n).toBeGreaterThanOrEqual(6);

    // The next answer in the thread no longer sees what Ann said.
    await send(inbound('what did Ann say?', { thread: 'T-a', author: BO }));
    const context = JSON.stringify(model.requests.at(-1)!.body.messages);
    expect(context).toContain('Bo in thread a');
    expect(context).not.toContain('Ann in thread a');
  });

  it('answers to the Chinese and one-word forms too, and says so when there is nothing left', async () => {
    const [chinese] = await send(inbound('忘记我', { thread: 'T-c', author: BO }));
    expect(chinese).toBe('Done: I deleted 3 of your messages (and 3 of my answers to them) across all threads.');
    expect(await messagesOf('shell')).toEqual([]);
    const [again] = await send(inbound('forget-me', { thread: 'T-c', author: BO }));
    expect(again).toBe('Done: I had nothing from you to delete here.');
  });

  it('treats other text after "forget" as a question, and "forget" alone gets a hint', async () => {
    const [answer, hint] = await send(
      inbound('forget the budget, what is 2+2?', { thread: 'T-q', author: ANN }),
      inbound('forget', { thread: 'T-h', author: ANN }),
    );
    expect(answer).toBe('Echo: [Ann] forget the budget, what is 2+2?');
    expect(hint).toMatch(/send `forget me`/);
    expect(await messagesOf('shell')).toEqual(['U1: forget the budget, what is 2+2?', 'xiaoliu: Echo: [Ann] forget the budget, what is 2+2?']);
  });

  it("deletes an HTTP API user's files along with their messages, and no one else's", async () => {
    const address = (user: string) => ({ workspaceId: `api:${user}`, channelId: user, threadId: `conv-${user}` });
    await send(
      inbound('alice asks', { platform: 'http', address: address('alice'), author: { id: 'alice', name: 'alice', isBot: false } }),
      inbound('bob asks', { platform: 'http', address: address('bob'), author: { id: 'bob', name: 'bob', isBot: false } }),
    );
    for (const [id, user] of [['00000000-0000-4000-8000-00000000000a', 'alice'], ['00000000-0000-4000-8000-00000000000b', 'bob']] as const) {
      await database.sql`
        insert into http_files (id, user_id, conversation_id, delivery_id, filename, mime_type, size, data)
        values (${id}, ${user}, ${`conv-${user}`}, 'd', 'answer.md', 'text/markdown', 1, ${Buffer.from('x')})`;
    }
    const [confirmation] = await send(
      inbound('forget me', { platform: 'http', address: address('alice'), author: { id: 'alice', name: 'alice', isBot: false } }),
    );
    expect(confirmation).toBe('Done: I deleted 1 of your messages (and 1 of my answers to them) across all threads, and 1 attached file.');
    expect(await messagesOf('http')).toEqual(['bob: bob asks', 'xiaoliu: Echo: [bob] bob asks']);
    const files = await database.sql<{ user_id: string }[]>`select user_id from http_files`;
    expect(files.map((f) => f.user_id)).toEqual(['bob']);
  });
});
