import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApp } from '../src/app/start-app.js';
import type { InboundMessage } from '../src/domain/inbound-message.js';
import { NOT_ALLOWED } from '../src/ingress/ingress.js';
import { ThreadMembership } from '../src/ingress/thread-membership.js';
import { startFakeAnthropic, type FakeAnthropic } from './fakes/fake-anthropic.js';
import { RecordingEgress } from './fakes/recording-egress.js';
import { decodePng } from './support/decode-png.js';
import { inbound, startTestApp, testConfig } from './support/test-app.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { waitFor } from './support/wait-for.js';

const ADMIN = { id: 'UADMIN', name: 'Ada', isBot: false };
const MEMBER = { id: 'UMEMBER', name: 'Max', isBot: false };

describe('team controls: access, per-channel settings, budgets and usage (real Postgres, Redis, pipeline)', () => {
  let database: TestDatabase;
  let model: FakeAnthropic;
  let slack: RecordingEgress;
  let app: RunningApp;
  let threads = 0;

  beforeAll(async () => {
    database = await createTestDatabase();
    model = await startFakeAnthropic();
  });
  afterAll(async () => {
    await model?.close();
    await database?.drop();
  });
  afterEach(async () => {
    await app?.close();
    model.setReply(() => ({ kind: 'text', text: 'an answer' }));
  });

  async function start(env: Record<string, string> = {}) {
    slack = new RecordingEgress('slack');
    model.setReply(() => ({ kind: 'text', text: 'an answer' }));
    app = await startTestApp(testConfig(database, model.url, { XIAOLIU_ADMINS: `slack:${ADMIN.id}`, ...env }), [slack]);
  }

  /** A Slack message in its own thread of channel C1 (or the given one); resolves with the answer's text. */
  const sayIn = (...args: Parameters<typeof say>) => say(...args);
  async function say(text: string, options: { author?: InboundMessage['author']; channel?: string; workspace?: string } = {}): Promise<string> {
    const message = inbound(text, {
      platform: 'slack',
      author: options.author ?? MEMBER,
      address: { workspaceId: options.workspace ?? 'T1', channelId: options.channel ?? 'C1', threadId: `th-${++threads}` },
    });
    await app.producer.enqueue(message);
    await waitFor(`the answer to "${text}"`, () => slack.doneDeliveries().includes(message.id));
    return slack.postsIn(message.address.channelId, message.address.threadId)[0]!.text;
  }

  it('refuses, politely and once, anyone outside the allow-lists at ingress: nothing is queued, stored or asked of the model', async () => {
    await start({ ALLOWED_SLACK_WORKSPACES: 'T1', ALLOWED_CHANNELS: 'slack:C1,slack:C2' });
    const before = model.requests.length;
    const refusals: string[] = [];
    /** Offers a mention to the core's ingress as the Slack adapter would; whether it was taken. */
    const mention = { inThread: false, isDm: false, mentionsBot: true, fromBot: false, replyMode: 'threads' } as const;
    const offer = (workspaceId: string, channelId: string) =>
      app.ingress.take(
        { platform: 'slack', workspaceId, channelId, threadId: `th-${++threads}`, ...mention },
        { receivedAt: performance.now(), ifRedisDown: 'fail' },
        () => expect.unreachable('built a message outside the allow-lists'),
        async (text) => refusals.push(text),
      );
    expect(await offer('T9', 'C1')).toBe(false);
    expect(await offer('T1', 'C7')).toBe(false);
    expect(refusals).toEqual([NOT_ALLOWED, NOT_ALLOWED]);
    const [stored] = await database.sql<{ n: number }[]>`select count(*)::int as n from inbound_deliveries`;
    expect(stored!.n).toBe(0);
    expect(model.requests.length).toBe(before);
    expect(await say('hello?', { channel: 'C2' })).toBe('an answer');
  });

  it('lets anyone see the settings, only admins change them, and rollback restore the exact previous persona', async () => {
    await start();
    expect(await say('config show')).toMatch(/version 0[\s\S]*model: claude-sonnet-5-5/);
    expect(await say('config prompt You are a pirate.')).toMatch(/Only admins can change settings\. Admins here: `UADMIN`/);

    const first = 'You are Lin, a careful release manager. Answer in bullet points.\nNever guess versions.';
    expect(await say(`config prompt ${first}`, { author: ADMIN })).toMatch(/^Done \(version 1\): persona set to/);
    expect(await say('config prompt You are a pirate.', { author: ADMIN })).toMatch(/^Done \(version 2\)/);
    await say('what ships today?');
    expect(model.requests.at(-1)!.body.system[0].text).toBe('You are a pirate.');

    expect(await say('config rollback', { author: ADMIN })).toMatch(/^Done \(version 3\): restored the settings of version 1/);
    await say('what ships today?');
    expect(model.requests.at(-1)!.body.system[0].text).toBe(first);
    // Settings are per channel: another channel still has the default persona.
    await say('what ships today?', { channel: 'C2' });
    expect(model.requests.at(-1)!.body.system[0].text).toMatch(/^You are Xiaoliu/);

    const history = await say('config history');
    expect(history).toMatch(/v3 — rollback to v1 — by Ada \(UADMIN\)/);
    expect(history).toMatch(/v1 — persona set to/);
    expect(await say('config model claude-haiku-4-5', { author: ADMIN })).toMatch(/model set to claude-haiku-4-5/);
    await say('quick one');
    expect(model.requests.at(-1)!.body.model).toBe('claude-haiku-4-5');
  });

  it('gives roles: an admin makes a member an admin, who can then change settings', async () => {
    await start();
    expect(await say(`role ${ADMIN.id} member`)).toMatch(/Only admins can give roles/);
    expect(await say(`role <@${MEMBER.id}> admin`, { author: ADMIN })).toMatch(/`UMEMBER` is now an admin here/);
    const membership = new ThreadMembership(database.sql, 'slack');
    membership.summon('C5', 'th-x');
    expect(await membership.isMember('T1', 'C5', 'th-x')).toBe(true);
    expect(await say('config reply-mode mentions', { channel: 'C5' })).toMatch(/reply mode set to mentions/);
    // The gateways then pass on only messages that mention Xiaoliu in that channel.
    expect(await membership.isMember('T1', 'C5', 'th-x')).toBe(false);
    expect(await say('role list')).toBe('Admins here: `UMEMBER`\nOperators of this deployment (admins everywhere, XIAOLIU_ADMINS): `UADMIN`');
    // Made an admin of workspace T1, a member of any other.
    expect(await say('config reply-mode mentions', { channel: 'C5', workspace: 'T2' })).toMatch(/Only admins can change settings/);
    expect(await say('config skills doc, palette', { channel: 'C5' })).toMatch(/skills set to doc, palette/);
    expect(await say('config skills doc, teleport', { channel: 'C5' })).toMatch(/I don't know teleport/);
  });

  it('stops a request over the daily budget before the model is reached, naming the limit and its reset', async () => {
    await start({ LIMIT_USER_DAILY: '0.01usd' });
    const author = { id: 'USPENDER', name: 'Sam', isBot: false };
    await database.sql`
      insert into usage (delivery_id, platform, workspace_id, channel_id, user_id, model, input_tokens, output_tokens, cost_usd)
      values ('earlier', 'slack', 'T1', 'C1', ${author.id}, 'claude-sonnet-5-5', 1000, 500, 0.011)`;
    const before = model.requests.length;
    const refusal = await say('one more question', { author });
    expect(model.requests.length).toBe(before);
    expect(refusal).toMatch(/You have reached the daily budget of \$0\.01 per person \(\$0\.01 used today\)\. It resets at 00:00 UTC, in \d+ (h|min)/);
    // Others are not affected by one person's budget.
    expect(await say('my question', { author: { id: 'UOTHER', name: 'Olu', isBot: false } })).toBe('an answer');
  });

  it("applies a channel's own daily budget, set by an admin, and token limits", async () => {
    await start({ LIMIT_WORKSPACE_DAILY: '100k tokens' });
    await say('config budget 0.002', { author: ADMIN, channel: 'C8' });
    await database.sql`
      insert into usage (delivery_id, platform, workspace_id, channel_id, user_id, model, input_tokens, output_tokens, cost_usd)
      values ('c8', 'slack', 'T1', 'C8', 'USOMEONE', 'claude-sonnet-5-5', 10, 10, 0.003)`;
    expect(await say('hi', { channel: 'C8' })).toMatch(/This channel has reached the daily budget of \$0\.00 for this channel/);
    await database.sql`
      insert into usage (delivery_id, platform, workspace_id, channel_id, user_id, model, input_tokens, output_tokens, cache_read_tokens, cost_usd)
      values ('big', 'slack', 'T1', 'C3', 'USOMEONE', 'claude-sonnet-5-5', 50000, 20000, 30000, 0.1)`;
    expect(await say('hi', { channel: 'C9' })).toMatch(/This workspace has reached the daily limit of 100,000 tokens for this workspace \(10\d,\d{3} used today\)/);
  });

  it('lets exactly the per-minute limit through a burst of 50 requests, refusing the rest with the wait', async () => {
    await start({ LIMIT_USER_PER_MINUTE: '7', WORKER_CONCURRENCY: '16' });
    const author = { id: 'UBURST', name: 'Bea', isBot: false };
    const before = model.requests.length;
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => say(`question ${i}`, { author })));
    expect(answers.filter((a) => a === 'an answer')).toHaveLength(7);
    const refusals = answers.filter((a) => a !== 'an answer');
    expect(refusals).toHaveLength(43);
    for (const refusal of refusals) expect(refusal).toMatch(/Too many requests: the limit is 7 per minute per person\. Try again in \d+ (s|min)/);
    expect(model.requests.length - before).toBe(7);
  });

  it('shows usage: your own to anyone, the team with top users and a PNG chart to admins', async () => {
    await start();
    await database.sql`
      insert into usage (delivery_id, platform, workspace_id, channel_id, user_id, model, input_tokens, output_tokens, cost_usd, created_at)
      values ('u1', 'slack', 'TU', 'C1', ${MEMBER.id}, 'm', 100, 100, 1.25, now()),
             ('u2', 'slack', 'TU', 'C1', 'UOTHER', 'm', 100, 100, 2.5, now() - interval '3 days'),
             ('u3', 'slack', 'TU', 'C1', 'UOTHER', 'm', 100, 100, 9, now() - interval '30 days')`;
    const say = (text: string, options: { author?: InboundMessage['author'] } = {}) => sayIn(text, { ...options, workspace: 'TU' });
    const mine = await say('usage');
    expect(mine).toMatch(/Your usage[\s\S]*today \(UTC\): \$1\.2\d{1,3}/);
    expect(await say('usage team', { author: { id: 'UNOBODY', name: 'Nia', isBot: false } })).toMatch(/Only admins/);
    const team = await say('usage team', { author: ADMIN });
    expect(team).toMatch(/last 14 days: \$3\.7\d/); // the 30-day-old row is outside the window
    expect(team.indexOf('`UOTHER` — $2.50')).toBeLessThan(team.indexOf('`UMEMBER` — $1.25'));
    const upload = slack.calls.findLast((c) => c.op === 'upload');
    expect(upload?.op === 'upload' && upload.file.filename).toBe('usage.png');
    const png = decodePng((upload as Extract<typeof upload, { op: 'upload' }>).file.data);
    expect(png.width).toBeGreaterThan(100);
    expect(png.height).toBeGreaterThan(50);
  });
});
