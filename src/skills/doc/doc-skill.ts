import { buildPrompt } from '../../claude/build-prompt.js';
import { toolFor, type StructuredAnswer } from '../../claude/shape-request.js';
import { UserFacingError } from '../../domain/errors.js';
import { setActiveSkill } from '../../store/conversations.js';
import { addToQuestion } from '../../turn/add-to-question.js';
import { callModel } from '../../turn/call-model.js';
import { openTurn } from '../../turn/open-turn.js';
import { saveAnswerText } from '../../turn/save-answer-text.js';
import type { Skill } from '../skill.js';
import { documentFilename } from './document-filename.js';
import { documentAnswerText, latestDocument, withDocumentsShortened, type StoredDocument } from './document-history.js';

/** Room for a long document (about 40 pages of prose); chat answers keep CLAUDE_MAX_TOKENS. */
const DOC_MAX_TOKENS = 16_000;

const WRITE_DOCUMENT: StructuredAnswer = {
  name: 'write_document',
  description: 'Deliver the document: it is attached to the thread as a Markdown file, with the summary as the message.',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      title: { type: 'string', description: 'Short title, in the language of the request.' },
      summary: { type: 'string', description: 'Two to four sentences for the chat message: what the document covers (and, for a revision, what changed).' },
      markdown: { type: 'string', description: 'The whole document in Markdown, starting with "# Title".' },
    },
    required: ['title', 'summary', 'markdown'],
  },
};

const INSTRUCTIONS = [
  'You are writing a document for the people in this thread; use what was said in it as material.',
  'Give the document once, in the form asked for. The markdown is the complete document: it starts with "# Title", is organised in "##"',
  'sections (and "###" where needed), uses tables for anything tabular (options compared, owners, schedules, fields),',
  'numbered lists for steps and code blocks for commands or code. No preamble or sign-off: only the document.',
  'Write in the language of the request.',
].join(' ');

const REVISION_INSTRUCTIONS = [
  INSTRUCTIONS,
  'This thread already has a document; its current version comes after the latest message. Revise it as the latest',
  'message asks and deliver the whole new version by calling write_document (not a diff), keeping what was not asked',
  'to change, with a summary that says what changed. Only if the latest message asks for no change at all (thanks, a',
  'question about the document) do not call it: answer in a short message instead.',
].join(' ');

const MAX_TITLE_CHARS = 200;

/** `doc`: writes a structured Markdown document, attached as a file; follow-ups in the thread revise it. */
export const docSkill: Skill = {
  name: 'doc',
  aliases: ['文档', 'document'],
  summary: 'Writes a document, attached as a .md file; follow-ups revise it.',
  example: 'doc a rollout plan for moving our CI to GitHub Actions',
  takesArgs: true,
  triggers: [
    /生成[^，。,.!?！？\n]{0,8}文档/,
    /(?:写|撰写|起草)(?:一份|一篇|一个|份|篇|个)[^，。,.!?！？\n]{0,8}文档/,
    /\b(?:write|draft|generate)\s+(?:me\s+|us\s+)?(?:a|an|the)\s+(?:[\w-]+\s+){0,3}?doc(?:ument)?\b(?!\s*(?:comment|string))/i,
  ],
  toolDescription:
    'Write a structured Markdown document (a plan, spec, guide, runbook, report, meeting notes…) that is attached to ' +
    'the thread as a .md file. Use it only when the user asks for a document to be written or drafted, not to answer a question.',
  async run(context) {
    const { args, reply, conversation, sql } = context;
    if (!args.trim()) {
      await reply.finish(
        'What should the document be about? For example: `doc a rollout plan for moving our CI to GitHub Actions`. ' +
          'In a thread where I wrote one, just say what to change.',
      );
      return;
    }
    await reply.start('_Writing the document…_');
    const history = await openTurn(context);
    const current = latestDocument(history);
    const instructions = current ? REVISION_INSTRUCTIONS : INSTRUCTIONS;
    const prompt = buildPrompt(
      `${context.settings.systemPrompt}\n\n${instructions}`,
      withDocumentsShortened(history),
      context.config.historyTokenBudget,
    );
    // Claude handed the request over from chat, restated: the restatement is the request.
    if (args !== history.at(-1)?.text) addToQuestion(prompt.messages, `The request, restated: ${args}`);
    if (current) addToQuestion(prompt.messages, `The current document (version ${current.version}):\n\n${current.markdown}`);
    const result = await callModel(context, {
      system: prompt.system,
      messages: prompt.messages,
      // A first document must come back as one; a revision may be a reply instead, so the model chooses whether to
      // call the tool (no model of the 5.5 generation accepts a forced tool, and none needs one here).
      ...(current ? { tools: [toolFor(WRITE_DOCUMENT)] } : { structured: WRITE_DOCUMENT }),
      reasoning: 'adaptive',
      effort: 'medium',
      onThinking: () => reply.status('is planning the document…'),
      // A whole document is longer than a chat answer; cut off mid-JSON it would be lost entirely.
      maxTokens: Math.max(context.config.anthropic.maxTokens, DOC_MAX_TOKENS),
    });

    const write = current ? result.toolCalls.find((call) => call.name === WRITE_DOCUMENT.name)?.input : result.structured;
    if (current && write === undefined && result.text.trim()) {
      await reply.finish(result.text);
      saveAnswerText(context, result.text, result.usage.outputTokens);
      return;
    }
    if (write === undefined) throw new UserFacingError('I could not write the document this time (Claude gave no document). Please try again.');
    const document = documentOf(write, current);
    await reply.finish(
      `📄 **${document.title}**${document.version > 1 ? ` (version ${document.version})` : ''}\n\n${document.summary}\n\n` +
        `_Attached as \`${document.filename}\`. Reply here to change it._`,
    );
    await reply.attach({ filename: document.filename, mimeType: 'text/markdown', data: Buffer.from(document.markdown, 'utf8') });
    // From now on the thread's follow-ups revise this document (until `reset`).
    await setActiveSkill(sql, conversation.id, 'doc');
    saveAnswerText(context, documentAnswerText(document.version, document.markdown));
  },
};

/** The model's document, checked: every field present, the title as the document's first heading. */
function documentOf(input: unknown, current: StoredDocument | undefined) {
  const title = stringField(input, 'title').replace(/\s+/g, ' ').slice(0, MAX_TITLE_CHARS);
  const summary = stringField(input, 'summary');
  let markdown = stringField(input, 'markdown').trim();
  if (!/^#\s/.test(markdown)) markdown = `# ${title}\n\n${markdown}`;
  const version = (current?.version ?? 0) + 1;
  return { title, summary, markdown: `${markdown}\n`, version, filename: documentFilename(title, version) };
}

function stringField(input: unknown, field: string): string {
  const value = (input as Record<string, unknown> | null)?.[field];
  if (typeof value !== 'string' || !value.trim()) {
    throw new UserFacingError(`I could not finish this: Claude's answer came back without its ${field}. Please try again.`);
  }
  return value.trim();
}
