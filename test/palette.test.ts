import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApp } from '../src/app/start-app.js';
import type { OutboundFile } from '../src/domain/egress.js';
import type { InboundMessage } from '../src/domain/inbound-message.js';
import { startFakeAnthropic, type FakeAnthropic } from './fakes/fake-anthropic.js';
import { startFakeSlack, type FakeSlack } from './fakes/fake-slack.js';
import { RecordingEgress } from './fakes/recording-egress.js';
import { sendSlashCommand, slashCommand } from './fakes/slack-events.js';
import { decodePng, type DecodedPng } from './support/decode-png.js';
import { inbound, startTestApp, testConfig } from './support/test-app.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { waitFor } from './support/wait-for.js';
import { waitForAnswer } from './support/wait-for-answer.js';

const SECRET = 'test-signing-secret';

/** What the model proposes: one invalid hex (accent) and one text colour too light for AA on white (#777). */
const PROPOSAL = {
  name: 'Calm Fintech 平静',
  description: 'Quiet blues for a trading dashboard.',
  colours: [
    { role: 'primary', hex: '#1F6FEB', usage: 'buttons, links' },
    { role: 'on-primary', hex: '#fff', usage: 'text on buttons' },
    { role: 'background', hex: '#ffffff' },
    { role: 'text', hex: '#1a1a1a', usage: 'body text' },
    { role: 'muted-text', hex: '#777', usage: 'captions' },
    { role: 'accent', hex: '#12345g', usage: 'highlights' },
    { role: 'surface', hex: '#e2e8f0', usage: 'cards' },
  ],
  pairs: [{ text: 'muted-text', background: 'surface' }],
};
/** The valid colours, in the order the swatch draws them (accent left out). */
const DRAWN = ['#1f6feb', '#ffffff', '#ffffff', '#1a1a1a', '#777777', '#e2e8f0'];

/** The swatch geometry (src/skills/palette/render-swatch.ts), written out so a layout change is noticed here. */
const blockCentre = (index: number) => ({ x: 12 + (index % 4) * 172 + 80, y: 40 + Math.floor(index / 4) * 132 + 60 });

function expectSwatch(png: DecodedPng): void {
  expect([png.width, png.height]).toEqual([12 + 4 * 172, 40 + 2 * 132]); // six blocks: two rows of four columns
  expect(DRAWN.map((_, i) => png.hexAt(blockCentre(i).x, blockCentre(i).y))).toEqual(DRAWN);
  // Past the sixth block is bare canvas: the invalid accent was not drawn.
  expect(png.hexAt(blockCentre(6).x, blockCentre(6).y)).toBe('#f5f5f5');
  // Labels are drawn in the ink that reads on the block: white on the dark text swatch, black on the white one.
  const labelArea = (index: number) => {
    const { x, y } = blockCentre(index);
    return Array.from({ length: 60 }, (_, dx) => Array.from({ length: 14 }, (_, dy) => png.hexAt(x - 72 + dx, y + 38 + dy))).flat();
  };
  expect(labelArea(3)).toContain('#ffffff');
  expect(labelArea(2)).toContain('#000000');
}

describe('the palette skill (real pipeline, fake model; shell and Slack)', () => {
  let database: TestDatabase;
  let model: FakeAnthropic;
  let slack: FakeSlack;
  let platform: RecordingEgress;
  let app: RunningApp;
  let events: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    model = await startFakeAnthropic();
    slack = await startFakeSlack({ botToken: 'xoxb-test-token' });
    slack.seedUser({ id: 'U1', name: 'ann', real_name: 'Ann Lee', display_name: 'Ann' });
    platform = new RecordingEgress('shell');
    const config = testConfig(database, model.url, {
      SLACK_BOT_TOKEN: 'xoxb-test-token',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: slack.apiUrl,
      SLACK_EDIT_INTERVAL_MS: '100',
    });
    app = await startTestApp(config, [platform]);
    events = `http://127.0.0.1:${app.port}/slack/events`;
  });
  afterAll(async () => {
    await app?.close();
    await slack?.close();
    await model?.close();
    await database?.drop();
  });
  afterEach(() => {
    // A test that failed before using its scripted replies must not hand them to the next one.
    model.setReply((req) => ({ kind: 'text', text: `Echo: ${JSON.stringify(req.body.messages?.length)}` }));
  });

  /** Queues a message and waits for its answer; returns the thread's posts and the files uploaded there. */
  async function ask(message: InboundMessage): Promise<{ texts: string[]; files: OutboundFile[] }> {
    await app.producer.enqueue(message);
    await waitFor('the answer', () => platform.doneDeliveries().includes(message.id));
    const thread = message.address.threadId;
    const files = platform.calls.flatMap((c) => (c.op === 'upload' && c.address.threadId === thread ? [c.file] : []));
    return { texts: platform.postsIn('C1', thread).map((p) => p.text), files };
  }

  /** The request body of the model call that was forced to propose a palette. */
  const paletteRequest = (from: number) => model.requests.slice(from).find((r) => r.body.output_config?.format?.schema?.properties?.colours)?.body;

  it('designs a palette on `palette …`: table, contrast computed by Xiaoliu, bad hex caught, swatch attached', async () => {
    const before = model.requests.length;
    model.enqueue({ kind: 'tool_use', name: 'propose_palette', input: PROPOSAL });
    const { texts, files } = await ask(inbound('palette calm fintech dashboard', { thread: 'T-explicit' }));

    const body = paletteRequest(before);
    // Structured output (the default model refuses forced tools); a palette needs no deliberation.
    expect(body.tool_choice).toBeUndefined();
    expect(body.tools).toBeUndefined();
    expect(body.thinking).toEqual({ type: 'between_tools' });
    expect(body.output_config.effort).toBe('low');
    expect(JSON.stringify(body.messages)).toContain('calm fintech dashboard');

    expect(texts).toHaveLength(1);
    const answer = texts[0]!;
    expect(answer).toContain('**Calm Fintech 平静**');
    expect(answer).toContain('| primary | `#1f6feb` | buttons, links |');
    expect(answer).toContain('| surface | `#e2e8f0` | cards |');
    // Contrast is computed here from the hex values (WCAG 2.x), never taken from the model.
    expect(answer).toContain('| text `#1a1a1a` | background `#ffffff` | 17.40:1 | ✅ AAA |');
    expect(answer).toContain('| on-primary `#ffffff` | primary `#1f6feb` | 4.63:1 | ✅ AA |');
    expect(answer).toContain('| muted-text `#777777` | background `#ffffff` | 4.47:1 | ⚠️ large text only |');
    expect(answer).toMatch(/\| muted-text `#777777` \| surface `#e2e8f0` \| 3\.\d\d:1 \| ⚠️ large text only \|/);
    expect(answer).toMatch(/⚠️ 2 of 5 pairs are below WCAG AA for normal text \(4\.5:1\): muted-text on background \(4\.47:1\), muted-text on surface/);
    // The bad hex is named, and kept out of the colour table.
    expect(answer).toContain('- accent: `#12345g` is not a hex colour');
    expect(answer).not.toMatch(/\| accent \|/);

    expect(files).toHaveLength(1);
    expect(files[0]).toMatchObject({ filename: 'palette.png', mimeType: 'image/png' });
    expectSwatch(decodePng(files[0]!.data));

    const [stored] = await database.sql`select text from messages where role = 'assistant' order by id desc limit 1`;
    expect(stored!.text).toBe(answer); // follow-ups in the thread see the palette
  });

  it('takes the Discord form, `/palette` with its prompt option', async () => {
    model.enqueue({ kind: 'tool_use', name: 'propose_palette', input: PROPOSAL });
    const message = inbound('/palette prompt:warm bakery', { thread: 'T-slash', command: { name: 'palette', args: 'warm bakery' } });
    const { texts, files } = await ask(message);
    expect(texts[0]).toContain('4.47:1');
    expect(files.map((f) => f.filename)).toEqual(['palette.png']);
  });

  it.each([
    ['Chinese', '帮我设计一个配色方案，给儿童教育应用', 'T-zh'],
    ['English (colour)', 'Could you suggest a colour palette for a coffee shop website?', 'T-en-gb'],
    ['English (color)', 'I need a Color Palette for my blog', 'T-en-us'],
  ])('runs on a %s trigger phrase in ordinary text', async (_language, text, thread) => {
    const before = model.requests.length;
    model.enqueue({ kind: 'tool_use', name: 'propose_palette', input: PROPOSAL });
    const { texts, files } = await ask(inbound(text, { thread }));
    expect(model.requests.length - before).toBe(1); // straight to the skill, no chat call first
    expect(JSON.stringify(paletteRequest(before).messages)).toContain(text);
    expect(texts[0]).toContain('| muted-text `#777777` | background `#ffffff` | 4.47:1 | ⚠️ large text only |');
    expect(files).toHaveLength(1);
    expectSwatch(decodePng(files[0]!.data));
  });

  it('runs when Claude hands a request over with use_palette_skill', async () => {
    const before = model.requests.length;
    model.enqueue(
      { kind: 'tool_use', name: 'use_palette_skill', input: { request: 'A calmer set of colours for our dashboard' } },
      { kind: 'tool_use', name: 'propose_palette', input: PROPOSAL },
    );
    const { texts, files } = await ask(inbound('our dashboard looks too loud; can you pick calmer colours?', { thread: 'T-handed' }));
    const [chat, skill] = model.requests.slice(before).map((r) => r.body);
    expect(chat.tool_choice).toBeUndefined();
    expect(chat.tools.map((t: { name: string }) => t.name)).toContain('use_palette_skill');
    expect(skill.output_config.format.type).toBe('json_schema');
    expect(texts).toHaveLength(1);
    expect(texts[0]).toContain('**Calm Fintech 平静**');
    expect(files.map((f) => f.filename)).toEqual(['palette.png']);
  });

  it('refuses, naming the bad values, when too few proposed colours are valid', async () => {
    model.enqueue({
      kind: 'tool_use',
      name: 'propose_palette',
      input: { name: 'Broken', colours: [{ role: 'primary', hex: 'blue' }, { role: 'text', hex: '#zzz' }, { role: 'background', hex: '#fff' }] },
    });
    const { texts, files } = await ask(inbound('palette something broken', { thread: 'T-bad' }));
    expect(texts).toEqual([expect.stringMatching(/^⚠️ I could not make a palette: only 1 of the 3 proposed colours were usable/)]);
    expect(texts[0]).toContain('primary: `blue` is not a hex colour');
    expect(texts[0]).toContain('text: `#zzz` is not a hex colour');
    expect(files).toEqual([]);
  });

  it('refuses input that is not a palette at all', async () => {
    model.enqueue({ kind: 'tool_use', name: 'propose_palette', input: { name: 'x', colours: 'red and blue' } });
    const { texts, files } = await ask(inbound('palette nonsense', { thread: 'T-garbage' }));
    expect(texts).toEqual([expect.stringMatching(/^⚠️ Claude did not propose any colours/)]);
    expect(files).toEqual([]);
  });

  it('asks what the palette is for when given no description, without calling the model', async () => {
    const before = model.requests.length;
    const { texts } = await ask(inbound('palette', { thread: 'T-empty' }));
    expect(texts).toEqual([expect.stringMatching(/^What is the palette for\?/)]);
    expect(model.requests.length).toBe(before);
  });

  it('uploads the swatch into the Slack thread of `/xiaoliu palette …`', async () => {
    model.enqueue({ kind: 'tool_use', name: 'propose_palette', input: PROPOSAL });
    const fields = slashCommand({ user_id: 'U1', user_name: 'ann', channel_id: 'C-pal', text: 'palette calm fintech dashboard' });
    expect((await sendSlashCommand(events, SECRET, fields)).status).toBe(200);
    const root = await slack.waitFor(() => slack.messages('C-pal').find((m) => String(m.text).includes('asked')));
    await waitForAnswer(database.sql, `slack-T0FAKE-C-pal-${root.ts}`);
    const upload = slack.uploads.find((u) => u.channel_id === 'C-pal');
    expect(upload).toMatchObject({ filename: 'palette.png', thread_ts: root.ts });
    expectSwatch(decodePng(upload!.bytes));
    const replies = slack.messages('C-pal', root.ts).filter((m) => m.user === 'UBOT' || m.bot_id === 'BBOT');
    expect(replies.map((m) => String(m.text)).join('\n')).toContain('4.47:1');
  });
});
