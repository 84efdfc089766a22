import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApp } from '../src/app/start-app.js';
import type { InboundMessage } from '../src/domain/inbound-message.js';
import { startFakeAnthropic, type CapturedRequest, type FakeAnthropic } from './fakes/fake-anthropic.js';
import { RecordingEgress, type EgressCall } from './fakes/recording-egress.js';
import { startDiscordTestApp, type DiscordTestApp } from './support/discord-test-app.js';
import { inbound, startTestApp, testConfig } from './support/test-app.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { waitFor } from './support/wait-for.js';

const RUNBOOK = {
  title: 'Release checklist',
  summary: 'A checklist for shipping a release. It covers freeze, tagging and rollback.',
  markdown: '# Release checklist\n\n## Before\n\n| Step | Owner |\n| --- | --- |\n| Freeze main | Ann |\n\n## After\n\n1. Tag the release.\n',
};

type Upload = Extract<EgressCall, { op: 'upload' }>;

describe('the doc skill (real pipeline, queue, Postgres and Anthropic SDK; fake model)', () => {
  let database: TestDatabase;
  let model: FakeAnthropic;
  let platform: RecordingEgress;
  let app: RunningApp;

  beforeAll(async () => {
    database = await createTestDatabase();
    model = await startFakeAnthropic();
    platform = new RecordingEgress('shell');
    app = await startTestApp(testConfig(database, model.url, { XIAOLIU_ADMINS: 'shell:UADMIN' }), [platform]);
  });
  afterAll(async () => {
    await app?.close();
    await model?.close();
    await database?.drop();
  });

  /** Sends a message in a thread and waits for its whole answer. */
  async function send(text: string, thread: string, overrides: Partial<InboundMessage> = {}): Promise<InboundMessage> {
    const message = inbound(text, { thread, ...overrides });
    await app.producer.enqueue(message);
    await waitFor(`the answer to "${text}"`, () => platform.doneDeliveries().includes(message.id));
    return message;
  }
  const uploadsIn = (thread: string) => platform.calls.filter((c): c is Upload => c.op === 'upload' && c.address.threadId === thread);
  const textsIn = (thread: string) => platform.postsIn('C1', thread).map((p) => p.text);
  const activeSkillOf = async (thread: string) =>
    (await database.sql`select active_skill from conversations where thread_id = ${thread}`)[0]?.active_skill as string | null;
  const lastRequest = (): CapturedRequest['body'] => model.requests.at(-1)!.body;

  it('writes a document for the explicit command: a summary in the thread, the document attached as a .md file', async () => {
    model.enqueue({ kind: 'tool_use', name: 'write_document', input: RUNBOOK });
    await send('doc a release checklist for our API', 'T-doc-explicit');

    // The default model refuses forced tools: the document comes back as structured output, thinking at medium effort.
    expect(lastRequest().tool_choice).toBeUndefined();
    expect(lastRequest().output_config).toMatchObject({ effort: 'medium', format: { type: 'json_schema' } });
    expect(lastRequest().output_config.format.schema.required).toEqual(['title', 'summary', 'markdown']);
    expect(lastRequest().thinking).toEqual({ type: 'adaptive' });
    expect(JSON.stringify(lastRequest().messages)).toContain('[Ann] a release checklist for our API');
    const [summary] = textsIn('T-doc-explicit');
    expect(summary).toContain('📄 **Release checklist**');
    expect(summary).toContain('It covers freeze, tagging and rollback.');
    expect(summary).toContain('`release-checklist.md`');
    const [upload, ...more] = uploadsIn('T-doc-explicit');
    expect(more).toHaveLength(0);
    expect(upload!.file).toMatchObject({ filename: 'release-checklist.md', mimeType: 'text/markdown' });
    expect(upload!.file.data.toString('utf8')).toBe(RUNBOOK.markdown);
    expect(await activeSkillOf('T-doc-explicit')).toBe('doc');
  });

  it('is invoked by the Chinese trigger phrase, and names a Chinese title with an ASCII-safe file name', async () => {
    model.enqueue({
      kind: 'tool_use',
      name: 'write_document',
      input: { title: '发布流程', summary: '发布流程的说明。', markdown: '## 步骤\n\n1. 冻结代码' },
    });
    await send('帮我生成文档：我们的发布流程', 'T-doc-zh');

    expect(lastRequest().output_config.format.type).toBe('json_schema');
    const [upload] = uploadsIn('T-doc-zh');
    expect(upload!.file.filename).toMatch(/^document-[0-9a-f]{6}\.md$/);
    // A document without a title heading gets one.
    expect(upload!.file.data.toString('utf8')).toBe('# 发布流程\n\n## 步骤\n\n1. 冻结代码\n');
  });

  it('is invoked by the English trigger phrase', async () => {
    model.enqueue({ kind: 'tool_use', name: 'write_document', input: { ...RUNBOOK, title: 'On-call rotation' } });
    await send('Could you write a doc about our on-call rotation?', 'T-doc-en');
    expect(uploadsIn('T-doc-en').map((u) => u.file.filename)).toEqual(['on-call-rotation.md']);
  });

  it('leaves an ordinary question that mentions docs to chat', async () => {
    await send('how do I write a doc comment in TypeScript?', 'T-doc-not');
    expect(textsIn('T-doc-not')).toEqual(['Echo: [Ann] how do I write a doc comment in TypeScript?']);
    expect(uploadsIn('T-doc-not')).toHaveLength(0);
  });

  it('takes a request Claude hands over from chat, with the request as Claude restated it', async () => {
    const before = model.requests.length;
    model.enqueue(
      { kind: 'tool_use', name: 'use_doc_skill', input: { request: 'An onboarding guide for new backend engineers' } },
      { kind: 'tool_use', name: 'write_document', input: { ...RUNBOOK, title: 'Backend onboarding' } },
    );
    await send('we keep explaining the same setup to every new hire, can you put it in writing?', 'T-doc-handed');

    const [chat, skill] = model.requests.slice(before).map((r) => r.body);
    expect(chat.tools.map((t: { name: string }) => t.name)).toContain('use_doc_skill');
    expect(skill.output_config.format.type).toBe('json_schema');
    expect(JSON.stringify(skill.messages)).toContain('The request, restated: An onboarding guide for new backend engineers');
    expect(uploadsIn('T-doc-handed').map((u) => u.file.filename)).toEqual(['backend-onboarding.md']);
    // The question is stored once, though two commands handled it.
    const rows = await database.sql`
      select m.role from messages m join conversations c on c.id = m.conversation_id where c.thread_id = 'T-doc-handed' order by m.id`;
    expect(rows.map((r) => r.role)).toEqual(['user', 'assistant']);
  });

  it('revises the document on a follow-up in the thread, from its current version, and attaches version 2', async () => {
    model.enqueue({ kind: 'tool_use', name: 'write_document', input: RUNBOOK });
    await send('doc a release checklist', 'T-doc-revise');
    const revised = `${RUNBOOK.markdown}\n## Rollback\n\n1. Redeploy the previous tag.\n`;
    model.enqueue({
      kind: 'tool_use',
      name: 'write_document',
      input: { title: 'Release checklist', summary: 'Added a rollback section.', markdown: revised },
    });
    await send('add a rollback section please', 'T-doc-revise', { author: { id: 'U2', name: 'Bo', isBot: false } });

    const request = lastRequest();
    // A revision may also be a plain reply: the model chooses whether to call write_document.
    expect(request.tool_choice).toBeUndefined();
    expect(request.tools.map((t: { name: string }) => t.name)).toEqual(['write_document']);
    const sent = JSON.stringify(request.messages);
    // The current document once, in full, after the request; the earlier answer shortened to a line.
    expect(sent).toContain('[Bo] add a rollback section please');
    expect(sent).toContain('The current document (version 1):');
    expect(sent.split('| Freeze main | Ann |')).toHaveLength(2);
    expect(sent).toContain('[I wrote version 1 of the document \\"Release checklist\\" and attached it to the thread.]');
    expect(uploadsIn('T-doc-revise').map((u) => u.file.filename)).toEqual(['release-checklist.md', 'release-checklist-v2.md']);
    expect(uploadsIn('T-doc-revise')[1]!.file.data.toString('utf8')).toBe(revised);
    expect(textsIn('T-doc-revise')[1]).toMatch(/\*\*Release checklist\*\* \(version 2\)\n\nAdded a rollback section\./);

    // A third round starts from version 2.
    model.enqueue({ kind: 'tool_use', name: 'write_document', input: { ...RUNBOOK, summary: 'Shorter.' } });
    await send('make it shorter', 'T-doc-revise');
    expect(JSON.stringify(lastRequest().messages)).toContain('The current document (version 2):');
    expect(uploadsIn('T-doc-revise').at(-1)!.file.filename).toBe('release-checklist-v3.md');
  });

  it('answers a follow-up that asks for no change without a new version', async () => {
    model.enqueue({ kind: 'tool_use', name: 'write_document', input: RUNBOOK });
    await send('doc a release checklist', 'T-doc-thanks');
    model.enqueue({ kind: 'text', text: 'Glad it helps!' });
    await send('thanks, looks good', 'T-doc-thanks');
    expect(textsIn('T-doc-thanks')[1]).toBe('Glad it helps!');
    expect(uploadsIn('T-doc-thanks')).toHaveLength(1);
  });

  it('leaves chat asked for by name to chat, and after reset follow-ups are chat again', async () => {
    model.enqueue({ kind: 'tool_use', name: 'write_document', input: RUNBOOK });
    await send('doc a release checklist', 'T-doc-reset');
    await send('ask who usually freezes main?', 'T-doc-reset');
    expect(textsIn('T-doc-reset')[1]).toBe('Echo: [Ann] who usually freezes main?');

    await send('reset', 'T-doc-reset');
    expect(await activeSkillOf('T-doc-reset')).toBeNull();
    await send('add a rollback section', 'T-doc-reset');
    expect(textsIn('T-doc-reset').at(-1)).toBe('Echo: [Ann] add a rollback section');
    expect(uploadsIn('T-doc-reset')).toHaveLength(1);
  });

  it('writes a document on an older model too (Haiku 4.5: structured outputs, thinking off, no effort)', async () => {
    const channel = { workspaceId: 'W1', channelId: 'C-older', threadId: 'T-doc-older' };
    const admin = { id: 'UADMIN', name: 'Ada', isBot: false };
    await send('config model claude-haiku-4-5', 'T-doc-older', { address: channel, author: admin });
    model.enqueue({ kind: 'tool_use', name: 'write_document', input: RUNBOOK });
    await send('doc a release checklist', 'T-doc-older', { address: channel });
    const request = lastRequest();
    expect(request.model).toBe('claude-haiku-4-5');
    expect(request.output_config).toEqual({ format: expect.objectContaining({ type: 'json_schema' }) });
    expect(request.thinking).toEqual({ type: 'disabled' });
    expect(uploadsIn('T-doc-older').map((u) => u.file.filename)).toEqual(['release-checklist.md']);
  });

  it('tells the user when the model returns no usable document, and asks what to write when given nothing', async () => {
    const before = model.requests.length;
    await send('doc', 'T-doc-empty');
    expect(model.requests.length).toBe(before);
    expect(textsIn('T-doc-empty')[0]).toMatch(/^What should the document be about\?/);

    model.enqueue({ kind: 'tool_use', name: 'write_document', input: { title: 'Half a document', summary: 'x' } });
    await send('doc a plan', 'T-doc-garbage');
    expect(textsIn('T-doc-garbage')).toEqual(["⚠️ I could not finish this: Claude's answer came back without its markdown. Please try again."]);
    expect(uploadsIn('T-doc-garbage')).toHaveLength(0);
    expect(await activeSkillOf('T-doc-garbage')).toBeNull();
  });
});

describe('the doc skill on Discord (real discord.js against the fake Discord)', () => {
  let t: DiscordTestApp;

  beforeAll(async () => {
    t = await startDiscordTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('uploads the document into the thread, and a follow-up there uploads the revision', async () => {
    t.model.enqueue({ kind: 'tool_use', name: 'write_document', input: RUNBOOK });
    const question = t.discord.sendMessage({ channelId: t.discord.channelId, author: t.alice, content: `${t.mention} write a doc: our release checklist` });
    await t.answered(`discord-${question.id}`);
    t.model.enqueue({ kind: 'tool_use', name: 'write_document', input: { ...RUNBOOK, summary: 'Now with owners.' } });
    const followUp = t.discord.sendMessage({ channelId: question.id, author: t.bob, content: 'add owners to every step' });
    await t.answered(`discord-${followUp.id}`);

    const messages = t.botMessages(question.id);
    const files = messages.flatMap((m) => m.files.map((f) => ({ name: f.name, text: f.data.toString('utf8') })));
    expect(files).toEqual([
      { name: 'release-checklist.md', text: RUNBOOK.markdown },
      { name: 'release-checklist-v2.md', text: RUNBOOK.markdown },
    ]);
    expect(messages[0]!.content).toContain('📄 **Release checklist**');
    expect(messages.some((m) => m.content.includes('Now with owners.'))).toBe(true);
  });
});
