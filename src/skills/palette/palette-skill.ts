import { buildPrompt } from '../../claude/build-prompt.js';
import type { StructuredAnswer } from '../../claude/shape-request.js';
import { UserFacingError } from '../../domain/errors.js';
import { checkPairs, type PairCheck, type PairReport } from './check-pairs.js';
import { AA_LARGE_TEXT, AA_NORMAL_TEXT, formatRatio, wcagLevel } from './contrast.js';
import { MAX_COLOURS, readPalette, type ProposedPalette } from './read-palette.js';
import { renderSwatch } from './render-swatch.js';
import { callModel } from '../../turn/call-model.js';
import { openTurn } from '../../turn/open-turn.js';
import { saveAnswerText } from '../../turn/save-answer-text.js';
import type { Skill } from '../skill.js';

/** The structured answer Claude must give: the palette, nothing Xiaoliu would have to trust (no contrast figures). */
export const PROPOSE_PALETTE: StructuredAnswer = {
  name: 'propose_palette',
  description: 'Propose one named colour palette. Xiaoliu validates the hex values, computes the contrast ratios itself and draws the swatches.',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      name: { type: 'string', description: 'A short, evocative name for the palette, e.g. "Harbour Calm".' },
      description: { type: 'string', description: 'One or two sentences: the mood, and where the palette fits.' },
      colours: {
        type: 'array',
        minItems: 2,
        maxItems: MAX_COLOURS,
        items: {
          type: 'object',
          additionalProperties: false,
          properties: {
            role: { type: 'string', description: 'primary, secondary, accent, background, surface, text, muted-text, on-primary, border, …' },
            hex: { type: 'string', description: 'The colour as #rrggbb.' },
            usage: { type: 'string', description: 'Where to use it, a few words.' },
          },
          required: ['role', 'hex'],
        },
      },
      pairs: {
        type: 'array',
        description: 'Text/background combinations the palette is meant to be used in, by role.',
        items: {
          type: 'object',
          additionalProperties: false,
          properties: { text: { type: 'string', description: 'Role of the text colour.' }, background: { type: 'string', description: 'Role of the colour behind it.' } },
          required: ['text', 'background'],
        },
      },
    },
    required: ['name', 'colours'],
  },
};

const INSTRUCTIONS = `You are now designing a colour palette for the request in the last message. Answer with the palette only, in the form asked for.
- 4 to 8 colours, each with a role and a #rrggbb hex value. Include at least one background role (background, surface) and one text role (text, muted-text), plus on-<role> text colours for filled components such as on-primary.
- Aim for WCAG AA: 4.5:1 between every text colour and the backgrounds it sits on. Do not state contrast ratios; Xiaoliu computes them.
- List in "pairs" the text/background combinations the palette relies on.
- The name and usage notes may be in the language of the request.`;

/** `palette`: a colour scheme from Claude, checked by Xiaoliu (hex, WCAG contrast) and drawn as a PNG swatch. */
export const paletteSkill: Skill = {
  name: 'palette',
  aliases: ['配色', '调色板'],
  summary: 'Designs a colour palette checked for WCAG AA contrast.',
  example: 'palette calm fintech dashboard',
  takesArgs: true,
  triggers: [/配色/, /调色板/, /\bcolou?r\s+palettes?\b/i],
  toolDescription:
    'Design a colour palette or colour scheme (roles such as primary, accent, background, text, with hex values); ' +
    'Xiaoliu checks the contrast of every text/background pair and attaches a swatch image. Use only when the user asks for colours.',
  async run(context) {
    const { args, reply } = context;
    if (!args) {
      await reply.finish('What is the palette for? For example: `palette calm fintech dashboard` or `配色 儿童教育应用`.');
      return;
    }
    await reply.start('_Designing a palette…_');
    const history = await openTurn(context);
    const { system, messages } = buildPrompt(`${context.settings.systemPrompt}\n\n${INSTRUCTIONS}`, history, context.config.historyTokenBudget);
    const result = await callModel(context, {
      system,
      messages,
      structured: PROPOSE_PALETTE,
      // Picking a few colours needs little deliberation; the contrast is computed here, not by the model.
      reasoning: 'off',
      effort: 'low',
    });
    if (result.structured === undefined) throw new UserFacingError('Claude answered without proposing a palette. Please ask again.');
    const palette = readPalette(result.structured);
    const report = checkPairs(palette);
    const answer = paletteAnswer(palette, report);
    await reply.finish(answer);
    await reply.attach({
      filename: 'palette.png',
      mimeType: 'image/png',
      data: renderSwatch(palette.name, palette.colours.map((c) => ({ role: c.role, colour: c.rgb }))),
    });
    saveAnswerText(context, answer);
  },
};

/** The answer in Markdown: the colours, the contrast Xiaoliu computed, a verdict, and what was left out. */
export function paletteAnswer(palette: ProposedPalette, { checks, unchecked }: PairReport): string {
  const lines = [`**${cell(palette.name)}**`];
  if (palette.description) lines.push(`_${cell(palette.description)}_`);
  lines.push('', '| Role | Hex | Usage |', '| --- | --- | --- |');
  for (const c of palette.colours) lines.push(`| ${cell(c.role)} | \`${c.hex}\` | ${cell(c.usage ?? '')} |`);
  lines.push('');
  if (checks.length > 0) {
    lines.push(
      `**Contrast** (computed by Xiaoliu, WCAG 2.x: AA needs ${AA_NORMAL_TEXT}:1 for normal text, ${AA_LARGE_TEXT}:1 for large text)`,
      '',
      '| Text | Background | Ratio | WCAG |',
      '| --- | --- | --- | --- |',
      ...checks.map((p) => `| ${cell(p.text.role)} \`${p.text.hex}\` | ${cell(p.background.role)} \`${p.background.hex}\` | ${formatRatio(p.ratio)} | ${verdictOf(p)} |`),
      '',
      summary(checks),
    );
  } else {
    lines.push('ℹ️ No text/background pairs to check: the palette has no text role (text, on-primary…) with a background role (background, surface…) to sit on.');
  }
  if (unchecked.length > 0) lines.push('', `Not checked: ${unchecked.map(cell).join('; ')}.`);
  if (palette.rejected.length > 0) {
    lines.push('', '**Left out of the palette and the image:**');
    for (const r of palette.rejected) lines.push(`- ${cell(r.role)}: \`${r.value.replace(/`/g, '')}\` ${r.reason}`);
  }
  return lines.join('\n');
}

function verdictOf(pair: PairCheck): string {
  const level = wcagLevel(pair.ratio);
  if (level === 'AAA') return '✅ AAA';
  if (level === 'AA') return '✅ AA';
  if (level === 'AA large') return '⚠️ large text only';
  return '⚠️ fails';
}

function summary(checks: PairCheck[]): string {
  const failing = checks.filter((p) => !p.passesAA);
  if (failing.length === 0) return `✅ Every pair checked meets WCAG AA for normal text (${AA_NORMAL_TEXT}:1).`;
  const list = failing.map((p) => `${cell(p.text.role)} on ${cell(p.background.role)} (${formatRatio(p.ratio)})`).join(', ');
  const count = failing.length === 1 ? `1 of ${checks.length} pairs is` : `${failing.length} of ${checks.length} pairs are`;
  return `⚠️ ${count} below WCAG AA for normal text (${AA_NORMAL_TEXT}:1): ${list}.`;
}

/** Model text made safe for a table cell: one line, no column breaks. */
function cell(text: string): string {
  return text.replace(/\s+/g, ' ').replace(/\|/g, '\\|');
}
