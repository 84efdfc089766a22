import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApp } from '../src/app/start-app.js';
import type { Config } from '../src/config/read-config.js';
import type { InboundMessage } from '../src/domain/inbound-message.js';
import { MERGE_QUEUE, mergeJobId } from '../src/skills/parallel/parallel-queues.js';
import { parallelSkill } from '../src/skills/parallel/parallel-skill.js';
import { createRun, runIdFor, setMessageId, setSubtaskState } from '../src/skills/parallel/parallel-runs.js';
import { refreshChecklist } from '../src/skills/parallel/refresh-checklist.js';
import { startFakeAnthropic, type FakeAnthropic, type FakeReply, type ReplyFn } from './fakes/fake-anthropic.js';
import { lastUserText } from './fakes/fake-anthropic-wire.js';
import { startFakeSlack, type FakeSlack } from './fakes/fake-slack.js';
import { RecordingEgress } from './fakes/recording-egress.js';
import { appMentionEvent, sendSlackEvent } from './fakes/slack-events.js';
import { TEST_REDIS_URL, inbound, startTestApp, testConfig } from './support/test-app.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { waitFor } from './support/wait-for.js';
import { silentLogger } from './support/silent-logger.js';
import { waitForAnswer } from './support/wait-for-answer.js';

const PLAN = {
  goal: 'Unit tests for the parser, the lexer, the printer and the checker',
  subtasks: [
    { title: 'Parser tests', instructions: 'Write unit tests for the parser.' },
    { title: 'Lexer tests', instructions: 'Write unit tests for the lexer.' },
    { title: 'Printer tests', instructions: 'Write unit tests for the printer.' },
    { title: 'Checker tests', instructions: 'Write unit tests for the checker.' },
  ],
};

/**
 * Plays the model by request content: the plan (a structured answer with subtasks), each sub-task ("Sub-task N of M"),
 * answered when the test opens its gate (or at once), and the merge ("Original request: …"). Anything else is chat.
 */
class ScriptedModel {
  plan: typeof PLAN = PLAN;
  /** Sub-task numbers (1-based) in the order their requests arrived. */
  readonly subtaskRequests: number[] = [];
  /** What each merge request asked. */
  readonly mergeRequests: string[] = [];
  readonly planRequests: string[] = [];
  /** Sub-tasks that fail for good (the API refuses them with a 400). */
  readonly failing = new Set<number>();
  private gated = false;
  private readonly gates = new Map<number, () => void>();
  private readonly waits = new Map<number, Promise<void>>();

  /** From now on each sub-task answers only when `release`d. */
  gate(): void {
    this.gated = true;
  }

  release(n: number): void {
    this.gateFor(n);
    this.gates.get(n)!();
  }

  reset(plan = PLAN): void {
    this.plan = plan;
    this.subtaskRequests.length = 0;
    this.mergeRequests.length = 0;
    this.planRequests.length = 0;
    this.failing.clear();
    this.gated = false;
    this.gates.clear();
    this.waits.clear();
  }

  readonly reply: ReplyFn = async (req): Promise<FakeReply> => {
    const text = lastUserText(req.body);
    if (req.body.output_config?.format?.schema?.properties?.subtasks) {
      this.planRequests.push(text);
      return { kind: 'tool_use', name: 'plan_subtasks', input: this.plan };
    }
    const subtask = /^Sub-task (\d+) of \d+/.exec(text);
    if (subtask) {
      const n = Number(subtask[1]);
      this.subtaskRequests.push(n);
      if (this.failing.has(n)) return { kind: 'status', status: 400, errorType: 'invalid_request_error', message: 'prompt is too long' };
      if (this.gated) await this.gateFor(n);
      return { kind: 'text', text: `Result of sub-task ${n}.` };
    }
    if (text.startsWith('Original request:')) {
      this.mergeRequests.push(text);
      return { kind: 'text', text: 'The merged answer: all the tests, consistent.' };
    }
    return { kind: 'text', text: `Echo: ${text}` };
  };

  private gateFor(n: number): Promise<void> {
    if (!this.waits.has(n)) this.waits.set(n, new Promise<void>((resolve) => this.gates.set(n, resolve)));
    return this.waits.get(n)!;
  }
}

describe('the parallel skill (real pipeline, BullMQ flows, Postgres and Anthropic SDK; fake model)', () => {
  let database: TestDatabase;
  let model: FakeAnthropic;
  let platform: RecordingEgress;
  let app: RunningApp | undefined;
  let config: Config;
  const scripted = new ScriptedModel();

  beforeAll(async () => {
    database = await createTestDatabase();
    model = await startFakeAnthropic({ reply: scripted.reply });
  });
  afterAll(async () => {
    await model?.close();
    await database?.drop();
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
    scripted.reset();
  });

  async function start(env: Record<string, string> = {}) {
    platform = new RecordingEgress('shell');
    config = testConfig(database, model.url, { PARALLEL_CONFIRM_USD: '1000', PARALLEL_CONCURRENCY: '4', ...env });
    app = await startTestApp(config, [platform]);
  }

  async function send(text: string, thread: string, overrides: Partial<InboundMessage> = {}): Promise<InboundMessage> {
    const message = inbound(text, { thread, ...overrides });
    await app!.producer.enqueue(message);
    await waitForAnswer(database.sql, message.id);
    return message;
  }

  const posts = (thread: string) => platform.postsIn('C1', thread);
  /** The checklist: the first message posted in the thread (the answer to the request), as it reads now. */
  const checklistOf = (thread: string) => posts(thread)[0]!;
  /** Every text the checklist message showed, in order. */
  const checklistHistory = (thread: string) => {
    const id = checklistOf(thread).messageId;
    return platform.calls.filter((c) => (c.op === 'post' || c.op === 'edit') && c.messageId === id).map((c) => (c as { text: string }).text);
  };
  const ticked = (text: string) => PLAN.subtasks.filter((s) => text.includes(`☑ ${s.title}`)).map((s) => s.title);
  const mergedPost = (thread: string) => posts(thread).find((p) => p.text.startsWith('The merged answer'));

  it('runs four sub-tasks at once, ticks the checklist as each finishes (out of order), and merges all four once', async () => {
    await start();
    scripted.gate();
    const message = await send('parallel write unit tests for the parser, the lexer, the printer and the checker', 'T-par-order');
    // The request's own job is done: the checklist is posted and the work runs on the parallel workers.
    expect(checklistOf('T-par-order').text).toContain(`☐ Parser tests`);
    expect(checklistOf('T-par-order').text).toContain('**Working in parallel:** Unit tests for the parser');
    await waitFor('all four sub-tasks in flight at once', () => scripted.subtaskRequests.length === 4);
    expect([...scripted.subtaskRequests].sort()).toEqual([1, 2, 3, 4]);

    const order = [3, 1, 4, 2];
    for (const [i, n] of order.entries()) {
      scripted.release(n);
      await waitFor(`sub-task ${n} ticked`, () => ticked(checklistOf('T-par-order').text).length === i + 1);
    }
    await waitFor('the merged answer', () => mergedPost('T-par-order'));
    await waitFor('the final checklist', () => checklistOf('T-par-order').text.includes('the merged answer is below'));

    // The checklist's edits ticked the sub-tasks one at a time, in the order they finished, never unticking one.
    const newlyTicked: string[] = [];
    let before: string[] = [];
    for (const text of checklistHistory('T-par-order')) {
      const now = ticked(text);
      expect(now).toEqual(expect.arrayContaining(before));
      newlyTicked.push(...now.filter((title) => !before.includes(title)));
      before = now;
    }
    expect(newlyTicked).toEqual(order.map((n) => PLAN.subtasks[n - 1]!.title));

    // One merge, with every result, in plan order.
    expect(scripted.mergeRequests).toHaveLength(1);
    const merge = scripted.mergeRequests[0]!;
    for (const n of [1, 2, 3, 4]) expect(merge).toContain(`Result of sub-task ${n}.`);
    expect(merge.indexOf('Part 1: Parser tests')).toBeLessThan(merge.indexOf('Part 4: Checker tests'));
    // The merged answer is a message of its own, and the thread's answer to the request for follow-ups.
    expect(posts('T-par-order').map((p) => p.text)).toEqual([checklistOf('T-par-order').text, 'The merged answer: all the tests, consistent.']);
    const stored = await database.sql`select role, text from messages where delivery_id = ${message.id} order by id`;
    expect(stored.map((r) => r.role)).toEqual(['user', 'assistant']);
    expect(stored[1]!.text).toBe('The merged answer: all the tests, consistent.');
    // Every call is recorded against the asker: the plan, four sub-tasks, the merge.
    const [usage] = await database.sql`select count(*)::int as calls, count(distinct user_id)::int as users from usage where delivery_id = ${message.id}`;
    expect(usage).toEqual({ calls: 6, users: 1 });

    // A follow-up in the thread has the merged answer as context.
    await send('thanks, shorter please', 'T-par-order');
    expect(JSON.stringify(model.requests.at(-1)!.body.messages)).toContain('The merged answer: all the tests, consistent.');
  });

  it('retries a failing sub-task, then shows it failed and merges the others', async () => {
    await start();
    scripted.reset({ ...PLAN, subtasks: PLAN.subtasks.slice(0, 3) });
    scripted.failing.add(2);
    await send('parallel write unit tests for the parser, the lexer and the printer', 'T-par-fail');
    await waitFor('the merged answer', () => mergedPost('T-par-fail'), 20_000);
    await waitFor('the final checklist', () => checklistOf('T-par-fail').text.includes('the merged answer is below'));

    const checklist = checklistOf('T-par-fail').text;
    expect(checklist).toContain('☑ Parser tests');
    expect(checklist).toMatch(/✗ Lexer tests — failed: Claude could not handle this request/);
    expect(checklist).toContain('☑ Printer tests');
    expect(checklist).toContain('2 of 3 done, 1 failed');
    // Retried: three attempts of the failing one, one each of the others.
    expect(scripted.subtaskRequests.filter((n) => n === 2)).toHaveLength(3);
    expect(scripted.subtaskRequests.filter((n) => n !== 2).sort()).toEqual([1, 3]);
    expect(scripted.mergeRequests).toHaveLength(1);
    const merge = scripted.mergeRequests[0]!;
    expect(merge).toContain('Result of sub-task 1.');
    expect(merge).toContain('Result of sub-task 3.');
    expect(merge).not.toContain('Result of sub-task 2.');
    expect(merge).toMatch(/Part 2: Lexer tests\n\n\(This part failed/);
  });

  it('stops the pending sub-tasks on reset and merges nothing', async () => {
    await start({ PARALLEL_CONCURRENCY: '1' });
    scripted.reset({ ...PLAN, subtasks: PLAN.subtasks.slice(0, 3) });
    scripted.gate();
    const message = await send('parallel write unit tests for the parser, the lexer and the printer', 'T-par-cancel');
    await waitFor('the first sub-task running', () => scripted.subtaskRequests.length === 1);
    const running = scripted.subtaskRequests[0]!;

    const reset = await send('reset', 'T-par-cancel');
    expect(posts('T-par-cancel').at(-1)!.text).toMatch(/forgotten .* and stopped the parallel work still running here/);
    const cancelled = checklistOf('T-par-cancel').text;
    expect(cancelled).toContain('Cancelled');
    expect(cancelled.match(/— cancelled/g)).toHaveLength(2);
    expect(reset.id).not.toBe(message.id);

    // The running one finishes; then the merge job runs, sees the run cancelled, and merges nothing.
    scripted.release(running);
    const connection = new Redis(TEST_REDIS_URL);
    const merges = new Queue(MERGE_QUEUE, { connection, prefix: config.queuePrefix });
    try {
      await waitFor('the merge job to finish', async () => (await merges.getJobState(mergeJobId(runIdFor(message.id)))) === 'completed');
    } finally {
      await merges.close();
      await connection.quit();
    }
    expect(scripted.subtaskRequests).toEqual([running]);
    expect(scripted.mergeRequests).toHaveLength(0);
    expect(mergedPost('T-par-cancel')).toBeUndefined();
    expect(checklistOf('T-par-cancel').text).toContain('Cancelled');
  });

  it.each([
    ['a Chinese trigger', '请帮我并行开发：解析器、词法分析器和打印器的单元测试', '请帮我并行开发'],
    ['an English trigger', 'Write unit tests for the parser, the lexer and the printer in parallel', 'Write unit tests'],
    ['the Chinese command word', '并行 解析器、词法分析器和打印器的单元测试', '解析器、词法分析器'],
  ])('runs on %s', async (name, text, planned) => {
    await start();
    scripted.reset({ ...PLAN, subtasks: PLAN.subtasks.slice(0, 2) });
    const thread = `T-par-${name.replaceAll(' ', '-')}`;
    await send(text, thread);
    await waitFor('the merged answer', () => mergedPost(thread));
    expect(scripted.planRequests).toEqual([expect.stringContaining(planned)]);
    expect(scripted.subtaskRequests.sort()).toEqual([1, 2]);
    expect(scripted.mergeRequests).toHaveLength(1);
  });

  it('runs when Claude hands the request over from chat (use_parallel_skill)', async () => {
    await start();
    scripted.reset({ ...PLAN, subtasks: PLAN.subtasks.slice(0, 2) });
    model.enqueue({ kind: 'tool_use', name: 'use_parallel_skill', input: { request: 'Tests for the parser and the lexer, worked on at once' } });
    const before = model.requests.length;
    await send('could you get the parser and lexer tests done at the same time?', 'T-par-claude');
    await waitFor('the merged answer', () => mergedPost('T-par-claude'));
    const chatRequest = model.requests[before]!.body;
    expect(chatRequest.tools.map((t: { name: string }) => t.name)).toContain('use_parallel_skill');
    expect(scripted.planRequests).toHaveLength(1);
    expect(scripted.mergeRequests[0]).toContain('Original request:\nTests for the parser and the lexer, worked on at once');
    expect(scripted.subtaskRequests.sort()).toEqual([1, 2]);
  });

  it('states the estimate and waits for a yes when a run would cost more than PARALLEL_CONFIRM_USD', async () => {
    await start({ PARALLEL_CONFIRM_USD: '0.01' });
    scripted.reset({ ...PLAN, subtasks: PLAN.subtasks.slice(0, 2) });
    await send('parallel write unit tests for the parser and the lexer', 'T-par-confirm');
    const question = posts('T-par-confirm')[0]!.text;
    expect(question).toMatch(/split this into 2 sub-tasks/);
    expect(question).toMatch(/cost up to about \*\*\$\d+\.\d\d\*\* \(3 model calls\), more than the \$0\.01/);
    expect(question).toContain('☐ Parser tests');
    expect(scripted.subtaskRequests).toHaveLength(0);

    const yes = await send('yes', 'T-par-confirm');
    await waitFor('the merged answer', () => mergedPost('T-par-confirm'));
    await waitFor('the final checklist', () => posts('T-par-confirm')[1]!.text.includes('the merged answer is below'));
    expect(scripted.planRequests).toHaveLength(1); // the plan that was shown is the plan that ran
    expect(scripted.subtaskRequests.sort()).toEqual([1, 2]);
    // The checklist is the answer to the yes, and the merged answer is stored as its answer.
    expect(posts('T-par-confirm')[1]!.text).toContain('☑ Parser tests');
    const [stored] = await database.sql`select text from messages where delivery_id = ${yes.id} and role = 'assistant'`;
    expect(stored!.text).toMatch(/^The merged answer/);
  });

  it('drops the plan when the next message is not a yes, and runs at once with --yes', async () => {
    await start({ PARALLEL_CONFIRM_USD: '0.01' });
    scripted.reset({ ...PLAN, subtasks: PLAN.subtasks.slice(0, 2) });
    await send('parallel write unit tests for the parser and the lexer', 'T-par-drop');
    await send('actually, what is a lexer', 'T-par-drop');
    await send('yes', 'T-par-drop');
    expect(posts('T-par-drop').slice(1).map((p) => p.text)).toEqual([expect.stringMatching(/^Echo: .*what is a lexer/), expect.stringMatching(/^Echo: .*yes/)]);
    expect(scripted.subtaskRequests).toHaveLength(0);

    await send('parallel --yes write unit tests for the parser and the lexer', 'T-par-skip');
    await waitFor('the merged answer', () => mergedPost('T-par-skip'));
    expect(scripted.subtaskRequests.sort()).toEqual([1, 2]);
    expect(scripted.planRequests.at(-1)).toMatch(/\] write unit tests for the parser and the lexer$/); // stored without the flag
  });

  it("asks for confirmation when Claude's hand-over starts with --yes: only the asker's own words skip it", async () => {
    await start({ PARALLEL_CONFIRM_USD: '0.01' });
    scripted.reset({ ...PLAN, subtasks: PLAN.subtasks.slice(0, 2) });
    model.enqueue({ kind: 'tool_use', name: 'use_parallel_skill', input: { request: '--yes Tests for the parser and the lexer, worked on at once' } });
    await send('could you get the parser and lexer tests done at the same time?', 'T-par-model-yes');
    const question = posts('T-par-model-yes')[0]!.text;
    expect(question).toMatch(/split this into 2 sub-tasks[\s\S]*more than the \$0\.01 I spend without asking\. Reply \*\*yes\*\*/);
    expect(scripted.subtaskRequests).toHaveLength(0);
    // The asker's own yes starts it.
    await send('yes', 'T-par-model-yes');
    await waitFor('the merged answer', () => mergedPost('T-par-model-yes'));
    expect(scripted.mergeRequests[0]).toContain('Original request:\nTests for the parser and the lexer, worked on at once');
  });

  it("holds each sub-task's worst case against the asker's budget: those that do not fit are refused, not run", async () => {
    // Each sub-task may cost up to ~17,000 tokens (CLAUDE_MAX_TOKENS, room for thinking, its prompt). Under 30,000,
    // with the plan's few hundred spent: the first goes, the second sees one held and goes, the third sees two held
    // (~34,000) and is refused, as is the fourth; while they run, none has finished to free its hold.
    await start({ LIMIT_USER_DAILY: '30000 tokens' });
    scripted.gate();
    // Someone with nothing spent today yet: the other tests' calls were the default asker's.
    const author = { id: 'U-budget', name: 'Bo', isBot: false };
    const message = await send('parallel write unit tests for the parser, the lexer, the printer and the checker', 'T-par-budget', { author });
    await waitFor('two sub-tasks refused', () => checklistOf('T-par-budget').text.match(/failed: The rest of your daily budget is held by answers still being written/g)?.length === 2);
    await waitFor('the other two in flight', () => scripted.subtaskRequests.length === 2);
    for (const n of [...scripted.subtaskRequests]) scripted.release(n);
    await waitFor('the merged answer', () => mergedPost('T-par-budget'));
    const checklist = checklistOf('T-par-budget').text;
    expect(checklist.match(/☑/g)).toHaveLength(2);
    expect(checklist.match(/✗ .* — failed: The rest of your daily budget is held/g)).toHaveLength(2);
    // Refused before reaching the model, and not retried (a refusal would be the same every time).
    expect(scripted.subtaskRequests).toHaveLength(2);
    // The merge's cost is recorded once its stream has ended, which may be just after its text is posted.
    const calls = async () => (await database.sql`select count(*)::int as calls from usage where delivery_id = ${message.id}`)[0];
    await waitFor('the merge recorded', async () => (await calls())!.calls >= 4);
    expect(await calls()).toEqual({ calls: 4 }); // the plan, two sub-tasks, the merge
  });

  it('asks what to do when given nothing to work on', async () => {
    await start();
    await send('parallel', 'T-par-empty');
    expect(posts('T-par-empty').map((p) => p.text)).toEqual([expect.stringMatching(/^What should I work on in parallel\?/)]);
    expect(scripted.planRequests).toHaveLength(0);
  });

  it('edits the checklist on Slack and posts the merged answer in the thread (real Bolt and Web API client)', async () => {
    const slack: FakeSlack = await startFakeSlack({ botToken: 'xoxb-test-token' });
    try {
      slack.seedUser({ id: 'U1', name: 'ann', real_name: 'Ann Lee', display_name: 'Ann' });
      config = testConfig(database, model.url, {
        PARALLEL_CONFIRM_USD: '1000',
        SLACK_BOT_TOKEN: 'xoxb-test-token',
        SLACK_SIGNING_SECRET: 'test-signing-secret',
        SLACK_API_URL: slack.apiUrl,
        SLACK_EDIT_INTERVAL_MS: '100',
      });
      app = await startTestApp(config, []);
      scripted.reset({ ...PLAN, subtasks: PLAN.subtasks.slice(0, 2) });
      const mention = appMentionEvent({ channel: 'C1', user: 'U1', text: '<@UBOT> parallel write tests for the parser and the lexer' });
      await sendSlackEvent(`http://127.0.0.1:${app.port}/slack/events`, 'test-signing-secret', mention);
      const ts = mention.event.ts as string;
      const bot = () => slack.messages('C1', ts).filter((m) => m.user === 'UBOT' || m.bot_id === 'BBOT');
      await waitFor('the merged answer on Slack', () => bot().some((m) => m.text.startsWith('The merged answer')));
      await waitFor('the final checklist on Slack', () => bot()[0]!.text.includes('the merged answer is below'));
      const [checklist, answer] = bot();
      expect(checklist!.text).toContain('☑ Parser tests');
      expect(checklist!.text).toContain('☑ Lexer tests');
      expect(answer!.text).toBe('The merged answer: all the tests, consistent.');
      expect(answer!.thread_ts).toBe(ts);
      // The ticks reached Slack as edits of the checklist message.
      const edits = slack.callsTo('chat.update').filter((c) => c.args.ts === checklist!.ts);
      expect(edits.some((c) => String(c.args.text).includes('☑'))).toBe(true);
    } finally {
      await app?.close();
      app = undefined;
      await slack.close();
    }
  });
});

describe('the parallel skill triggers', () => {
  const triggered = (text: string) => parallelSkill.triggers!.some((trigger) => trigger.test(text));

  it.each([
    '请帮我并行开发：登录页、注册页和设置页',
    'Write tests for the parser, the lexer and the printer in parallel',
    'In parallel: the login page and the signup page',
    'please work on these in parallel',
    'split this into parallel sub-tasks and go',
  ])('takes %j', (text) => expect(triggered(text)).toBe(true));

  it.each([
    'how do I run tests in parallel?',
    'how do I do this in parallel?',
    'Write a function that runs promises in parallel',
    'Implement a worker pool that processes jobs in parallel',
    '如何并行处理数据？',
    'run the parser, the lexer and the printer in parallel?',
  ])('leaves %j to chat', (text) => expect(triggered(text)).toBe(false));
});

describe('the parallel checklist under concurrent updates (real Redis)', () => {
  /** A platform whose edits hang until released, as a slow (or rate-limited) API does. */
  class SlowPlatform extends RecordingEgress {
    private open: (() => void) | undefined;
    private gate: Promise<void> | undefined = new Promise<void>((resolve) => (this.open = resolve));
    release() {
      this.open?.();
      this.gate = undefined;
    }
    override async edit(...args: Parameters<RecordingEgress['edit']>) {
      await this.gate;
      return super.edit(...args);
    }
  }

  it('ends on the latest state when sub-tasks finish while an edit is in flight', async () => {
    const redis = new Redis(TEST_REDIS_URL);
    const prefix = `xt-checklist-${Date.now()}`;
    try {
      const platform = new SlowPlatform('shell');
      const address = { workspaceId: 'W1', channelId: 'C1', threadId: 'T1' };
      const { messageId } = await platform.post(address, 'checklist');
      const runId = 'p-concurrent';
      await createRun(redis, prefix, {
        runId, deliveryId: 'd1', platform: 'shell', address, conversationId: 1, userId: 'U1', model: 'claude-sonnet-5-5',
        systemPrompt: 'You are helpful.', maxTokens: 100, request: 'tests', plan: PLAN,
      });
      await setMessageId(redis, prefix, runId, messageId);
      const deps = { redis, prefix, egress: platform, log: silentLogger() };

      await setSubtaskState(redis, prefix, runId, 0, 'done');
      const first = refreshChecklist(deps, runId); // takes the lock; its edit hangs
      await waitFor('the first edit to be under way', async () => (await redis.exists(`${prefix}:parallel:lock:${runId}`)) === 1);
      // Three more finish meanwhile, each on its own "worker": they find the lock taken and leave it to the holder.
      await Promise.all([1, 2, 3].map(async (i) => {
        await setSubtaskState(redis, prefix, runId, i, 'done');
        await refreshChecklist(deps, runId);
      }));
      platform.release();
      await first;

      const edits = platform.calls.filter((c) => c.op === 'edit').map((c) => (c as { text: string }).text);
      expect(edits.length).toBeGreaterThan(1);
      expect(edits.at(-1)).toMatch(/☑ Parser tests\n☑ Lexer tests\n☑ Printer tests\n☑ Checker tests/);
      expect(edits.at(-1)).toContain('4 of 4 done');
    } finally {
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length) await redis.del(...keys);
      await redis.quit();
    }
  });
});
