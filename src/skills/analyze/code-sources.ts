import { formatBytes } from '../../attachments/format-bytes.js';
import type { InboundAttachment } from '../../domain/inbound-message.js';
import type { StoredMessage } from '../../store/conversations.js';
import type { CommandContext } from '../../commands/command.js';

/** One piece of code to analyze, named the way findings point at it (`app.py:12`, `snippet-1:3`). */
export interface CodeSource {
  label: string;
  /** Where it came from, for the report: "attached file", "pasted in the message", "from earlier in the thread". */
  origin: string;
  language: string;
  code: string;
}

/** The code found for a request, and a readable line for each file that was left out and why. */
export interface GatheredCode {
  sources: CodeSource[];
  skipped: string[];
}

/** Most files read from one message. */
export const MAX_FILES = 5;

// Extensions of text files worth analyzing; anything else must at least say it is text (text/*).
const CODE_EXTENSIONS = new Set(
  (
    'ts tsx mts cts js jsx mjs cjs py pyi go rs java kt kts scala swift c h cc cpp cxx hpp hh cs fs rb php pl pm lua r dart ' +
    'sh bash zsh fish ps1 bat sql yaml yml json jsonc toml ini cfg conf env xml html htm css scss sass less vue svelte ' +
    'md markdown txt rst csv tf hcl gradle proto graphql gql ex exs erl hs clj elm ml nim zig sol'
  ).split(' '),
);
const CODE_FILENAMES = new Set(['dockerfile', 'makefile', 'jenkinsfile', 'gemfile', 'rakefile', 'procfile']);

/** Fenced code blocks (```lang … ```) in a message, as people paste code in Slack and Discord. */
export function codeBlocks(text: string): { language: string; code: string }[] {
  const blocks: { language: string; code: string }[] = [];
  for (const match of text.matchAll(/```([\s\S]*?)```/g)) {
    let body = match[1]!;
    let language = '';
    // "```python\n…": a language tag; Slack also sends "```code…```" with no line break after the fence.
    const tag = /^([\w+#.-]{1,20})[ \t]*\n/.exec(body);
    if (tag) {
      language = tag[1]!;
      body = body.slice(tag[0].length);
    } else {
      body = body.replace(/^[ \t]*\n/, '');
    }
    body = body.replace(/\n$/, '');
    if (body.trim()) blocks.push({ language, code: body });
  }
  return blocks;
}

/** Whether an attachment is a text or code file, by its name or its declared type. */
export function isCodeFile(attachment: Pick<InboundAttachment, 'name' | 'mimeType'>): boolean {
  const name = attachment.name.toLowerCase();
  const extension = name.includes('.') ? name.slice(name.lastIndexOf('.') + 1) : '';
  return CODE_EXTENSIONS.has(extension) || CODE_FILENAMES.has(name) || attachment.mimeType.startsWith('text/');
}

/**
 * The code a request is about: files attached to the message and code blocks pasted in it; failing both, the code
 * blocks of the latest earlier message in the thread that has any ("analyze the code above"). Each file is limited
 * to ANALYZE_MAX_FILE_BYTES, and everything together to twice that, so one request cannot flood the model.
 */
export async function gatherCode(context: CommandContext, history: readonly StoredMessage[]): Promise<GatheredCode> {
  const maxFileBytes = context.config.analyze.maxFileBytes;
  const gathered: GatheredCode = { sources: [], skipped: [] };
  let room = maxFileBytes * 2;
  const add = (source: CodeSource, name: string): void => {
    const bytes = Buffer.byteLength(source.code);
    if (bytes > room) {
      gathered.skipped.push(`${name} was left out: one request can take at most ${formatBytes(maxFileBytes * 2)} of code in all.`);
      return;
    }
    room -= bytes;
    gathered.sources.push(source);
  };

  // Attached files come read and kept by the one path every file takes (src/attachments/, through openTurn): text and
  // code as text. An image or PDF is context for the model, not code to number.
  const files = history.at(-1)?.files ?? [];
  for (const [index, file] of files.entries()) {
    const name = quoted(file.name);
    if (index >= MAX_FILES) {
      gathered.skipped.push(`${files.length - MAX_FILES} more file(s) were left out: I read at most ${MAX_FILES} files per message.`);
      break;
    }
    if (file.kind !== 'text' || file.mediaType !== 'text/plain') {
      gathered.skipped.push(`${name} was skipped: I read text and code files (.py, .ts, .go, .sql, .txt and the like), not ${file.kind === 'image' ? 'images' : file.kind === 'document' ? 'PDFs' : 'Office documents'}.`);
      continue;
    }
    if (file.data.length > maxFileBytes) {
      gathered.skipped.push(`${name} was skipped: it is ${formatBytes(file.data.length)}, over the ${formatBytes(maxFileBytes)} limit for files.`);
      continue;
    }
    const code = file.data.toString('utf8');
    add({ label: uniqueLabel(gathered.sources, file.name), origin: 'attached file', language: '', code }, name);
  }

  const question = history.at(-1);
  const pasted = uniqueBlocks([...codeBlocks(context.args), ...(question ? codeBlocks(question.text) : [])]);
  let origin = 'pasted in the message';
  if (pasted.length === 0 && context.message.attachments.length === 0) {
    // Nothing in the message itself: the code people pasted most recently in the thread.
    const earlier = history.slice(0, -1).findLast((m) => m.role === 'user' && codeBlocks(m.text).length > 0);
    if (earlier) pasted.push(...codeBlocks(earlier.text));
    origin = `pasted earlier in the thread by ${earlier?.authorName ?? 'someone'}`;
  }
  for (const [index, block] of pasted.entries()) {
    const label = pasted.length === 1 ? 'snippet' : `snippet-${index + 1}`;
    add({ label, origin, language: block.language, code: block.code }, `\`${label}\``);
  }
  return gathered;
}

/** The sources as the model reads them: labelled, with numbered lines so findings can name them. */
export function codeForModel(sources: readonly CodeSource[]): string {
  const parts = sources.map((source) => {
    const lines = source.code.split('\n');
    const width = String(lines.length).length;
    const numbered = lines.map((line, i) => `${String(i + 1).padStart(width)} | ${line}`).join('\n');
    // A fence longer than any run of backticks inside, so the code cannot close it.
    const fence = '`'.repeat(Math.max(3, ...[...source.code.matchAll(/`+/g)].map((m) => m[0].length + 1)));
    return `Source \`${source.label}\` (${source.origin}, ${lineCount(source.code)}):\n${fence}${source.language}\n${numbered}\n${fence}`;
  });
  return `The code to analyze (line numbers added; refer to lines as label:line):\n\n${parts.join('\n\n')}`;
}

/** A file's label, numbered when two attached files share a name. */
function uniqueLabel(sources: readonly CodeSource[], name: string): string {
  const clean = name.replace(/[`\s]+/g, '_');
  let label = clean;
  for (let n = 2; sources.some((s) => s.label === label); n++) label = `${clean}~${n}`;
  return label;
}

function uniqueBlocks(blocks: { language: string; code: string }[]): { language: string; code: string }[] {
  const seen = new Set<string>();
  return blocks.filter((block) => !seen.has(block.code) && seen.add(block.code));
}

/** "1 line", "12 lines". */
export function lineCount(code: string): string {
  const n = code.split('\n').length;
  return `${n} line${n === 1 ? '' : 's'}`;
}

const quoted = (name: string): string => `\`${name.replace(/`/g, "'")}\``;
