import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp } from './support/test-app.js';
import { sleep, startDiscordTestApp, type DiscordTestApp } from './support/discord-test-app.js';
import { waitFor } from './support/wait-for.js';

describe('the Discord adapter (real discord.js against a fake Discord; real pipeline)', () => {
  let t: DiscordTestApp;

  beforeAll(async () => {
    t = await startDiscordTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  /** A person's message in the first guild channel (or another channel), as Discord delivers it. */
  const say = (content: string, channelId = t.discord.channelId, author = t.alice) =>
    t.discord.sendMessage({ channelId, author, content });
  /** A thread Xiaoliu has no part in yet (the fake opens threads only through REST). */
  const openThreadAsSomeone = async (name: string): Promise<string> => {
    const created = await fetch(`${t.discord.restUrl}/v10/channels/${t.discord.channelId}/threads`, {
      method: 'POST',
      headers: { authorization: `Bot ${t.discord.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name, type: 11 }),
    });
    return ((await created.json()) as { id: string }).id;
  };
  const createsIn = (channelId: string) =>
    t.discord.calls.filter((c) => c.method === 'POST' && c.path === `/channels/${channelId}/messages`);
  const editsIn = (channelId: string) => t.discord.calls.filter((c) => c.method === 'PATCH' && c.path.startsWith(`/channels/${channelId}/`));

  it('opens a thread from a mention, named after the question, and streams the answer into it by edits', async () => {
    const answer = 'Threads keep a channel tidy: each question gets a place of its own, and the follow-ups stay with it.';
    t.model.setTiming({ tokensPerSecond: 25 }); // about a second of streaming, so several edits happen
    t.model.enqueue({ kind: 'text', text: answer });
    const question = say(`${t.mention} why   answer in threads?`);
    await t.answered(`discord-${question.id}`);
    t.model.setTiming({ tokensPerSecond: 0 });

    // Discord gives a thread started from a message the message's id.
    const thread = t.discord.threads.find((th) => th.id === question.id);
    expect(thread).toMatchObject({ name: 'why answer in threads?', parent_id: t.discord.channelId });
    const [reply, ...more] = t.botMessages(question.id);
    expect(more).toHaveLength(0);
    expect(reply!.content).toBe(answer);
    expect(reply!.editCount).toBeGreaterThan(1);
    const creates = createsIn(question.id);
    expect(creates.map((c) => c.body.content)).toEqual(['_Thinking…_']); // the placeholder, then only edits
    expect(editsIn(question.id).length).toBe(reply!.editCount);
    expect(t.discord.typing.get(question.id)).toBe(1);
    expect(t.botMessages(t.discord.channelId)).toHaveLength(0);
    expect(JSON.stringify(t.model.requests.at(-1)!.body.messages)).toContain('[Alice] why answer in threads?');
    const acks = (await t.app.metrics.ingressAck.get()).values;
    expect(acks.find((v) => v.metricName?.endsWith('_count') && v.labels.platform === 'discord')?.value).toBeGreaterThan(0);
  });

  it('answers follow-ups in its thread without a new mention, with the earlier turns as context', async () => {
    const first = say(`${t.mention} note the number 42`);
    await t.answered(`discord-${first.id}`);
    const followUp = say('what number was it?', first.id, t.bob);
    await t.answered(`discord-${followUp.id}`);
    expect(t.botMessages(first.id).map((m) => m.content)).toEqual([
      'Echo: [Alice] note the number 42',
      'Echo: [Bob] what number was it?',
    ]);
    expect(JSON.stringify(t.model.requests.at(-1)!.body.messages)).toContain('note the number 42');
  });

  it('answers in place when mentioned in an existing thread, having read what was said there', async () => {
    const threadId = await openThreadAsSomeone('deploy trouble');
    say('Our deploy failed with exit code 137', threadId, t.bob);
    const question = say(`${t.mention} what do you think?`, threadId);
    await t.answered(`discord-${question.id}`);
    // The fake model echoes the last user turn: the thread's earlier message and the question, as one turn.
    expect(t.botMessages(threadId).map((m) => m.content)).toEqual(['Echo: [Bob] Our deploy failed with exit code 137\n[Alice] what do you think?']);
    expect(t.discord.threads.filter((th) => th.parent_id === t.discord.channelId && th.id === question.id)).toHaveLength(0);
    expect(JSON.stringify(t.model.requests.at(-1)!.body.messages)).toContain('[Bob] Our deploy failed with exit code 137');
  });

  describe('a thread someone started from a message (Discord opens it with a type-21 starter that has no content)', () => {
    /** Bob's message in the channel, and a thread Alice starts from it, with replies; then Alice asks Xiaoliu. */
    const threadAbout = async (topic: string, replies = 1, replier = t.alice) => {
      const original = say(topic, t.discord.channelId, t.bob);
      const threadId = t.discord.startThreadFromMessage({ channelId: t.discord.channelId, messageId: original.id, by: t.alice });
      for (let i = 1; i <= replies; i++) say(`reply ${i}`, threadId, replier);
      const question = say(`${t.mention} what should we check first?`, threadId);
      await t.answered(`discord-${question.id}`);
      return { original, threadId, context: t.botMessages(threadId).at(-1)!.content };
    };

    it('reads the message the thread is about into the context, as its author wrote it', async () => {
      const { threadId, context } = await threadAbout('The nightly backup failed with ENOSPC on db-2');
      expect(t.discord.channelMessages(threadId)[0]).toMatchObject({ type: 21, content: '' });
      expect(context).toBe('Echo: [Bob] The nightly backup failed with ENOSPC on db-2\n[Alice] reply 1\n[Alice] what should we check first?');
    });

    it('fetches it when Discord leaves referenced_message out, and when the thread is longer than one page', async () => {
      t.discord.omitStarterReferences(true);
      try {
        const short = await threadAbout('Login page returns 502 since 9:00');
        expect(short.context).toMatch(/^Echo: \[Bob\] Login page returns 502 since 9:00\n\[Alice\] reply 1\n/);
      } finally {
        t.discord.omitStarterReferences(false);
      }
      // A bot's messages (a CI bot posting logs) fill the thread: the gateway drops them at once, unlike people's.
      const ciBot = t.discord.addUser({ username: 'ci', global_name: 'CI', bot: true });
      const long = await threadAbout('Queue latency doubled after the upgrade', 60, ciBot);
      expect(long.context).toMatch(/^Echo: \[Bob\] Queue latency doubled after the upgrade\n\[CI\] reply 11\n/);
    });

    it('answers without it when the original was deleted (referenced_message is null)', async () => {
      const original = say('a message deleted later', t.discord.channelId, t.bob);
      const threadId = t.discord.startThreadFromMessage({ channelId: t.discord.channelId, messageId: original.id, by: t.alice });
      await fetch(`${t.discord.restUrl}/v10/channels/${t.discord.channelId}/messages/${original.id}`, {
        method: 'DELETE',
        headers: { authorization: `Bot ${t.discord.token}` },
      });
      const question = say(`${t.mention} still there?`, threadId);
      await t.answered(`discord-${question.id}`);
      expect(t.botMessages(threadId).map((m) => m.content)).toEqual(['Echo: [Alice] still there?']);
    });
  });

  it('ignores channel chatter without a mention, and messages from bots, mentions included', async () => {
    const before = t.model.requests.length;
    const otherBot = t.discord.addUser({ username: 'otherbot', bot: true });
    say('people talking among themselves');
    say(`${t.mention} beep boop`, t.discord.channelId, otherBot);
    t.discord.sendMessage({ channelId: t.discord.dmChannelFor(otherBot), author: otherBot, content: 'hello bot' });
    await sleep(300);
    expect(t.model.requests.length).toBe(before);
  });

  it('answers a direct message in the DM, one conversation per DM channel', async () => {
    const dm = t.discord.dmChannelFor(t.bob);
    const first = say('hello in private', dm, t.bob);
    await t.answered(`discord-${first.id}`);
    const second = say('still me', dm, t.bob);
    await t.answered(`discord-${second.id}`);
    expect(t.botMessages(dm).map((m) => m.content)).toEqual(['Echo: [Bob] hello in private', 'Echo: [Bob] still me']);
    expect(JSON.stringify(t.model.requests.at(-1)!.body.messages)).toContain('hello in private');
    expect(t.discord.threads.some((th) => th.id === first.id)).toBe(false);
  });

  it('answers a message delivered twice (here: to two gateways at once) once, in one thread', async () => {
    const second = await startTestApp(t.config, [], { gateway: true, worker: false });
    try {
      const before = t.model.requests.length;
      const question = say(`${t.mention} only once please`);
      await t.answered(`discord-${question.id}`);
      await sleep(300);
      expect(t.botMessages(question.id)).toHaveLength(1);
      expect(t.model.requests.length - before).toBe(1);
      const threadCreates = t.discord.calls.filter((c) => c.method === 'POST' && c.path.endsWith(`/messages/${question.id}/threads`));
      expect(threadCreates.map((c) => c.status).sort()).toEqual([201, 400]); // the second found it already there
    } finally {
      await second.close();
    }
  });

  it('resumes after the gateway drops mid-answer: nothing missed, nothing repeated', async () => {
    const identifies = t.discord.identifies.length;
    const resumes = t.discord.resumes;
    t.model.setTiming({ tokensPerSecond: 20 });
    const question = say(`${t.mention} tell me a slow story`);
    await waitFor('the answer to start streaming', () => t.botMessages(question.id).length > 0);
    t.discord.dropConnection();
    const followUp = say('and then?', question.id); // sent while Xiaoliu's socket is down
    await t.answered(`discord-${question.id}`);
    await t.answered(`discord-${followUp.id}`);
    t.model.setTiming({ tokensPerSecond: 0 });
    await sleep(300);
    expect(t.discord.resumes).toBe(resumes + 1);
    expect(t.discord.identifies).toHaveLength(identifies);
    expect(t.botMessages(question.id).map((m) => m.content)).toEqual([
      'Echo: [Alice] tell me a slow story',
      'Echo: [Alice] and then?',
    ]);
  });

  it('takes a follow-up replayed right behind the mention that summoned it, after a resume', async () => {
    const threadId = await openThreadAsSomeone('replayed together');
    await sleep(100); // let THREAD_CREATE reach the client before the socket drops
    t.discord.dropConnection();
    const question = say(`${t.mention} first question`, threadId);
    const followUp = say('second question, no mention', threadId);
    await t.answered(`discord-${question.id}`);
    await t.answered(`discord-${followUp.id}`);
    expect(t.botMessages(threadId).map((m) => m.content)).toEqual([
      'Echo: [Alice] first question',
      'Echo: [Alice] second question, no mention',
    ]);
  });

  it('waits out a 429 on an edit and loses nothing', async () => {
    const served = t.discord.count429;
    t.discord.rateLimitNext('PATCH /channels/:id/messages/:id', 1, 0.3);
    // The answer comes after the placeholder is posted (else the post would carry it, and there would be no edit).
    t.model.setTiming({ firstTokenDelayMs: 500 });
    const question = say(`${t.mention} is Discord busy?`);
    await t.answered(`discord-${question.id}`);
    t.model.setTiming({ firstTokenDelayMs: 0 });
    expect(t.discord.count429 - served).toBe(1);
    expect(t.botMessages(question.id).map((m) => m.content)).toEqual(['Echo: [Alice] is Discord busy?']);
    const statuses = editsIn(question.id).map((c) => c.status);
    expect(statuses).toContain(429);
    expect(statuses.at(-1)).toBe(200);
  });

  it('splits a long answer with a code block into messages of at most 2000 characters that keep their fences', async () => {
    const code = Array.from({ length: 120 }, (_, i) => `  step(${i}); // do the thing number ${i}`).join('\n');
    const text = `## Plan\n\nRun **this**:\n\n\`\`\`js\n${code}\n\`\`\`\n\nThat is all.`;
    expect(text.length).toBeGreaterThan(4500);
    t.model.enqueue({ kind: 'text', text });
    const question = say(`${t.mention} long code please`);
    await t.answered(`discord-${question.id}`);
    const parts = t.botMessages(question.id).map((m) => m.content);
    expect(parts.length).toBe(3);
    expect(parts[0]).toMatch(/^## Plan\n\nRun \*\*this\*\*:/);
    for (const part of parts) {
      expect(part.length).toBeLessThanOrEqual(2000);
      expect((part.match(/```/g) ?? []).length % 2).toBe(0);
    }
    expect(parts.join('\n')).toContain('step(119)');
    // Every create names its part with an enforced nonce, so a retried post cannot appear twice.
    const nonces = createsIn(question.id).map((c) => c.body.nonce);
    expect(new Set(nonces).size).toBe(3);
    expect(createsIn(question.id).every((c) => c.body.enforce_nonce === true)).toBe(true);
  });

  it('attaches an answer too long for four messages as answer.md', async () => {
    const text = Array.from({ length: 300 }, (_, i) => `Line ${i}: ${'lorem ipsum '.repeat(3)}`).join('\n');
    t.model.enqueue({ kind: 'text', text });
    const question = say(`${t.mention} everything please`);
    await t.answered(`discord-${question.id}`);
    const [first, file, ...rest] = t.botMessages(question.id);
    expect(rest).toHaveLength(0);
    expect(first!.content.length).toBeLessThanOrEqual(2000);
    expect(first!.content).toContain('answer.md');
    expect(file!.files.map((f) => [f.name, f.data.toString('utf8')])).toEqual([['answer.md', text]]);
    expect(file!.attachments[0]!.filename).toBe('answer.md');
  });

  it('never lets model output ping: @everyone and @here are defused, and no create or edit allows mentions', async () => {
    t.model.setTiming({ tokensPerSecond: 30 });
    t.model.enqueue({ kind: 'text', text: `Attention @everyone and @here: <@${t.bob.id}> and <@&${t.discord.guildId}> too.` });
    const question = say(`${t.mention} make an announcement`);
    await t.answered(`discord-${question.id}`);
    t.model.setTiming({ tokensPerSecond: 0 });
    const [reply] = t.botMessages(question.id);
    expect(reply!.content).toBe(`Attention @\u200Beveryone and @\u200Bhere: <@${t.bob.id}> and <@&${t.discord.guildId}> too.`);
    expect(reply!.allowedMentions).toEqual({ parse: [] });
    const writes = [...createsIn(question.id), ...editsIn(question.id)];
    expect(writes.length).toBeGreaterThan(2);
    for (const call of writes) expect(call.body.allowed_mentions).toEqual({ parse: [] });
  });
});
