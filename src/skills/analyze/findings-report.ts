import type { StructuredAnswer } from '../../claude/shape-request.js';
import { UserFacingError } from '../../domain/errors.js';
import { lineCount, type CodeSource } from './code-sources.js';

export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface Finding {
  severity: Severity;
  location: string;
  problem: string;
  fix: string;
}

export interface FindingsReport {
  verdict: string;
  findings: Finding[];
}

/** The structured answer analyze asks Claude for. */
export const REPORT_FINDINGS: StructuredAnswer = {
  name: 'report_findings',
  description: 'Report the result of the code analysis: a one-line verdict and one finding per distinct problem.',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      verdict: { type: 'string', description: 'One line: the overall state of the code.' },
      findings: {
        type: 'array',
        items: {
          type: 'object',
          additionalProperties: false,
          properties: {
            severity: { type: 'string', enum: [...SEVERITIES] },
            location: { type: 'string', description: 'label:line or label:first-last, e.g. app.py:42 or snippet:3-7' },
            problem: { type: 'string', description: 'What is wrong and what it leads to.' },
            fix: { type: 'string', description: 'A concrete fix; a short code block where it helps.' },
          },
          required: ['severity', 'location', 'problem', 'fix'],
        },
      },
    },
    required: ['verdict', 'findings'],
  },
};

const LABELS: Record<Severity, string> = {
  critical: '🔴 Critical',
  high: '🟠 High',
  medium: '🟡 Medium',
  low: '🔵 Low',
  info: '⚪ Info',
};

const GARBLED = "I could not put the report together: Claude's findings came back malformed. Please try again.";

/** The model's report_findings input, checked field by field. */
export function parseFindings(input: unknown): FindingsReport {
  const raw = input as { verdict?: unknown; findings?: unknown } | null;
  if (!raw || typeof raw !== 'object' || typeof raw.verdict !== 'string' || !Array.isArray(raw.findings)) {
    throw new UserFacingError(GARBLED);
  }
  const verdict = raw.verdict.split('\n').map((line) => line.trim()).find(Boolean);
  if (!verdict) throw new UserFacingError(GARBLED);
  const findings = raw.findings.map((item: unknown): Finding => {
    const f = item as Partial<Record<keyof Finding, unknown>> | null;
    const severity = typeof f?.severity === 'string' ? f.severity.toLowerCase() : '';
    if (!(SEVERITIES as readonly string[]).includes(severity) || typeof f?.problem !== 'string' || !f.problem.trim()) {
      throw new UserFacingError(GARBLED);
    }
    return {
      severity: severity as Severity,
      location: typeof f.location === 'string' ? f.location.trim() : '',
      problem: f.problem.trim(),
      fix: typeof f.fix === 'string' ? f.fix.trim() : '',
    };
  });
  return { verdict, findings };
}

/** The report as people read it: the verdict on top, then the findings, most severe first, then what was skipped. */
export function renderReport(report: FindingsReport, sources: readonly CodeSource[], skipped: readonly string[]): string {
  const rank = (f: Finding) => SEVERITIES.indexOf(f.severity);
  // sort is stable: findings of one severity keep the model's order.
  const findings = [...report.findings].sort((a, b) => rank(a) - rank(b));
  const analyzed = sources.map((s) => `\`${s.label}\` (${lineCount(s.code)})`).join(', ');
  const counts = SEVERITIES.map((s) => [s, findings.filter((f) => f.severity === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`)
    .join(', ');
  const lines = [
    `**Verdict:** ${report.verdict}`,
    '',
    `_Analyzed ${analyzed}: ${findings.length === 0 ? 'no findings' : `${findings.length} finding${findings.length === 1 ? '' : 's'} (${counts})`}._`,
  ];
  for (const [index, f] of findings.entries()) {
    lines.push('', `**${index + 1}. ${LABELS[f.severity]}**${f.location ? ` · \`${f.location.replace(/`/g, "'")}\`` : ''}`, f.problem);
    // A fix with a code block starts on a line of its own, or the block would not render.
    if (f.fix) lines.push(f.fix.includes('\n') ? `**Fix:**\n${f.fix}` : `**Fix:** ${f.fix}`);
  }
  if (skipped.length) lines.push('', ...skipped.map((s) => `⚠️ ${s}`));
  return lines.join('\n');
}
