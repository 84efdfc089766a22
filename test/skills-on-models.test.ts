import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApp } from '../src/app/start-app.js';
import type { InboundMessage } from '../src/domain/inbound-message.js';
import { startFakeAnthropic, type CapturedRequest, type FakeAnthropic, type FakeReply } from './fakes/fake-anthropic.js';
import { lastUserText } from './fakes/fake-anthropic-wire.js';
import { RecordingEgress } from './fakes/recording-egress.js';
import { inbound, startTestApp, testConfig } from './support/test-app.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { waitFor } from './support/wait-for.js';

// Every skill, end to end, on the default model and on older ones, against the fake that refuses what each model
// refuses (forced tools on the 5.5 generation, `disabled` thinking on Sonnet 5.5, effort on Haiku 4.5…).
const MODELS = ['claude-sonnet-5-5', 'claude-opus-5-5', 'claude-sonnet-5', 'claude-haiku-4-5'];

const DOCUMENT = { title: 'Release checklist', summary: 'How we ship.', markdown: '# Release checklist\n\n1. Tag.\n' };
const FINDINGS = { verdict: 'Fine but for one bug.', findings: [{ severity: 'high', location: 'snippet:1', problem: 'Off by one.', fix: 'Use `<`.' }] };
const PALETTE = { name: 'Harbour', colours: [{ role: 'text', hex: '#111111' }, { role: 'background', hex: '#ffffff' }] };
const PLAN = { goal: 'Two parts', subtasks: [{ title: 'Part A', instructions: 'Do A.' }, { title: 'Part B', instructions: 'Do B.' }] };

/** Answers each skill's request with its structured answer, whichever way the request asks for it. */
function reply(req: CapturedRequest): FakeReply {
  const body = req.body;
  const schema = body.output_config?.format?.schema ?? body.tools?.find((t: { name: string }) => t.name === body.tool_choice?.name)?.input_schema;
  const fields = Object.keys(schema?.properties ?? {});
  if (fields.includes('markdown')) return { kind: 'tool_use', name: 'write_document', input: DOCUMENT };
  if (fields.includes('findings')) return { kind: 'tool_use', name: 'report_findings', input: FINDINGS };
  if (fields.includes('colours')) return { kind: 'tool_use', name: 'propose_palette', input: PALETTE };
  if (fields.includes('subtasks')) return { kind: 'tool_use', name: 'plan_subtasks', input: PLAN };
  const text = lastUserText(body);
  return { kind: 'text', text: /^Sub-task (\d)/.test(text) ? `Result ${text.slice(9, 10)}.` : 'The merged answer.' };
}

describe('every skill works on the default model and on older ones (real pipeline, truthful fake model)', () => {
  let database: TestDatabase;
  let model: FakeAnthropic;
  let platform: RecordingEgress;
  let app: RunningApp;

  beforeAll(async () => {
    database = await createTestDatabase();
    model = await startFakeAnthropic({ reply });
    platform = new RecordingEgress('shell');
    app = await startTestApp(testConfig(database, model.url, { XIAOLIU_ADMINS: 'shell:UADMIN', PARALLEL_CONFIRM_USD: '1000' }), [platform]);
  });
  afterAll(async () => {
    await app?.close();
    await model?.close();
    await database?.drop();
  });

  async function send(text: string, channel: string, thread: string, overrides: Partial<InboundMessage> = {}): Promise<string[]> {
    const message = inbound(text, { address: { workspaceId: 'W1', channelId: channel, threadId: thread }, ...overrides });
    await app.producer.enqueue(message);
    await waitFor(`the answer to "${text}"`, () => platform.doneDeliveries().includes(message.id), 20_000);
    return platform.postsIn(channel, thread).map((p) => p.text);
  }

  it.each(MODELS)('on %s', async (id) => {
    const channel = `C-${id}`;
    const admin = { id: 'UADMIN', name: 'Ada', isBot: false };
    if (id !== 'claude-sonnet-5-5') expect((await send(`config model ${id}`, channel, 'T-config', { author: admin })).at(-1)).toMatch(`model set to ${id}`);
    const before = model.requests.length;

    expect((await send('doc a release checklist', channel, 'T-doc')).join('\n')).toContain('📄 **Release checklist**');
    expect((await send('analyze ```py\nfor i in range(len(xs) + 1): print(xs[i])\n```', channel, 'T-analyze')).join('\n')).toContain('Off by one.');
    expect((await send('palette for a harbour cafe', channel, 'T-palette')).join('\n')).toContain('**Harbour**');
    await send('parallel --yes write part A and part B', channel, 'T-parallel');
    await waitFor('the merged answer', () => platform.postsIn(channel, 'T-parallel').some((p) => p.text.includes('The merged answer.')), 20_000);

    const sent = model.requests.slice(before).map((r) => r.body);
    expect(sent.every((b) => b.model === id)).toBe(true);
    // No refusal reached the model: every request was one it accepts (the fake answers the rest with a 400).
    expect(platform.calls.some((c) => 'text' in c && typeof c.text === 'string' && /could not handle|⚠️/.test(c.text) && c.address?.channelId === channel)).toBe(false);
  });
});
