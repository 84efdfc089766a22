import Anthropic from '@anthropic-ai/sdk';
import type { Config } from '../../config/read-config.js';
import { priceOf } from '../../claude/price-table.js';
import { shapeRequest } from '../../claude/shape-request.js';
import { describeCapabilities, modelTableDifferences } from './model-capabilities.js';
import { fail, hostOf, ok, reasonOf, skip, warn, withDeadline, type DoctorLine } from './doctor-line.js';

const KEYS_PAGE = 'https://platform.claude.com/settings/keys';

/**
 * The Anthropic API with the operator's key: the key is accepted, CLAUDE_MODEL exists (the Models API, with what it
 * says the model can do), has a price, and answers a tiny streamed message shaped as Xiaoliu shapes its requests; the
 * organization's rate limits from the `anthropic-ratelimit-*` headers of that answer.
 */
export async function checkAnthropic(config: Config, timeoutMs: number): Promise<DoctorLine[]> {
  const { apiKey, baseUrl, model, prices, maxTokens } = config.anthropic;
  if (!apiKey) return [skip('Anthropic', 'not configured (ANTHROPIC_API_KEY is not set; workers need it, a gateway does not)')];
  const where = baseUrl ? `ANTHROPIC_BASE_URL (${hostOf(baseUrl)})` : 'api.anthropic.com';
  const sdk = new Anthropic({ apiKey, baseURL: baseUrl ?? null, maxRetries: 0, timeout: timeoutMs });
  const lines: DoctorLine[] = [];

  let info: Anthropic.ModelInfo | undefined;
  let modelsApiMissing = false;
  try {
    info = await withDeadline(timeoutMs, (signal) => sdk.models.retrieve(model, {}, { signal }));
  } catch (error) {
    const refused = keyProblem(error, where);
    if (refused) return [refused];
    if (status(error) !== 404) return [fail('Anthropic key', `${where} did not answer as expected (${describe(error)}): check ANTHROPIC_BASE_URL`)];
    modelsApiMissing = true; // the model is unknown, or the server has no Models API: the answer below tells which
  }
  lines.push(ok('Anthropic key', `accepted by ${where}`));

  const answer = await streamOnce(sdk, config, timeoutMs);
  if (modelsApiMissing) {
    if (answer.status === 404) {
      lines.push(fail('Anthropic model', `CLAUDE_MODEL ${model} does not exist for this key (404 not_found_error): set CLAUDE_MODEL to a current model such as claude-sonnet-5-5`));
      return lines;
    }
    lines.push(warn('Anthropic model', `${where} has no Models API entry for ${model}, so what it can do was not checked`));
  } else if (info) {
    lines.push(...modelLines(info, model, maxTokens));
  }

  const priced = info?.id ?? model;
  const price = priceOf(priced, prices) ?? priceOf(model, prices);
  const own = price !== undefined && price !== priceOf(priced) && price !== priceOf(model);
  lines.push(
    price
      ? ok('Anthropic price', `$${price.input} input / $${price.output} output per million tokens${own ? ' (from CLAUDE_PRICES)' : ''}`)
      : fail('Anthropic price', `${model} has no known price, so budgets cannot count it: give its price in CLAUDE_PRICES`),
  );
  lines.push(answer.line);
  if (answer.headers) lines.push(rateLimitLine(answer.headers));
  return lines;
}

/** The model's lifecycle, what the Models API says it can do, and whether Xiaoliu's own table agrees. */
function modelLines(info: Anthropic.ModelInfo, model: string, maxTokens: number): DoctorLine[] {
  const named = `${info.id}${info.display_name ? ` (${info.display_name})` : ''}`;
  const lines: DoctorLine[] = [];
  if (info.lifecycle === 'retired') {
    lines.push(fail('Anthropic model', `${named} is retired and answers no more requests: set CLAUDE_MODEL to a current model`));
  } else if (info.lifecycle === 'deprecated') {
    const when = info.retires_at ? `, retiring ${info.retires_at.slice(0, 10)}` : '';
    lines.push(warn('Anthropic model', `${named} is deprecated${when}: plan a move of CLAUDE_MODEL to a current model`));
  } else {
    lines.push(ok('Anthropic model', `${named} is ${info.lifecycle}`));
  }
  lines.push(ok('Anthropic capabilities', describeCapabilities(info)));
  if (info.max_tokens !== null && maxTokens > info.max_tokens) {
    lines.push(warn('Anthropic output limit', `CLAUDE_MAX_TOKENS is ${maxTokens}, above the ${info.max_tokens} this model allows: lower CLAUDE_MAX_TOKENS`));
  }
  const differences = modelTableDifferences(model, info);
  if (differences === undefined) {
    lines.push(warn('Anthropic model table', `Xiaoliu's model table (src/claude/model-traits.ts) does not know ${model}: its requests carry no thinking or effort settings`));
  } else if (differences.length > 0) {
    lines.push(warn('Anthropic model table', `Xiaoliu's model table differs from the Models API: ${differences.join('; ')}. Xiaoliu shapes requests by its table: update src/claude/model-traits.ts`));
  } else {
    lines.push(ok('Anthropic model table', `Xiaoliu's model table agrees with the Models API on thinking, effort, structured outputs and output size`));
  }
  return lines;
}

interface Answered {
  line: DoctorLine;
  /** HTTP status of a refusal, when there was one. */
  status?: number;
  headers?: Headers;
}

/** A one-line question, streamed, shaped for the model as every Xiaoliu request is (thinking, effort, max_tokens). */
async function streamOnce(sdk: Anthropic, config: Config, timeoutMs: number): Promise<Answered> {
  const { model } = config.anthropic;
  const started = performance.now();
  const { structuredVia: _via, thinks: _thinks, ...shaped } = shapeRequest({
    model,
    maxTokens: 16,
    system: [{ type: 'text', text: 'This is a connection check. Reply with the single word OK.' }],
    reasoning: 'off',
    effort: 'low',
  });
  try {
    return await withDeadline(timeoutMs, async (signal) => {
      const { data: stream, response } = await sdk.messages
        .create({ model, messages: [{ role: 'user', content: 'Are you there?' }], ...shaped, stream: true }, { signal })
        .withResponse();
      let stop: string | null = null;
      for await (const event of stream) if (event.type === 'message_delta') stop = event.delta.stop_reason;
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      return { line: ok('Anthropic answer', `a streamed reply in ${seconds} s (stop reason ${stop ?? 'none'})`), headers: response.headers };
    });
  } catch (error) {
    const code = status(error);
    return { line: fail('Anthropic answer', answerProblem(error)), ...(code !== undefined ? { status: code } : {}) };
  }
}

/** What to do about a refused or failed answer, by status and error type (never by the message's wording). */
function answerProblem(error: unknown): string {
  const e = error instanceof Anthropic.APIError ? error : undefined;
  const detail = e?.apiMessage ? `: "${e.apiMessage}"` : '';
  switch (status(error)) {
    case 400:
      return e?.errorCode
        ? `refused (400 ${e.errorCode})${detail}: see the organization's limits at https://platform.claude.com/settings/limits`
        : `the model refused Xiaoliu's request (400 ${e?.type ?? 'invalid_request_error'})${detail}: CLAUDE_MODEL may need a newer Xiaoliu`;
    case 402:
      return `no credit left (402 billing_error)${detail}: add credit at https://platform.claude.com/settings/billing`;
    case 404:
      return `CLAUDE_MODEL is not served here (404)${detail}`;
    case 429:
      return `rate limited (429 ${e?.type ?? 'rate_limit_error'})${detail}: try again in a minute; if it persists, the organization's limits are too low for Xiaoliu`;
    case 529:
      return 'Anthropic is overloaded (529): try again in a few minutes';
    default:
      return `failed (${describe(error)}): check ANTHROPIC_BASE_URL and the network`;
  }
}

/** The key was refused (or the API is unreachable): the one line to show, since nothing after it can work. */
function keyProblem(error: unknown, where: string): DoctorLine | undefined {
  const code = status(error);
  if (code === 401) return fail('Anthropic key', `ANTHROPIC_API_KEY was refused by ${where} (401 authentication_error): create a key at ${KEYS_PAGE}`);
  if (code === 403) return fail('Anthropic key', `ANTHROPIC_API_KEY may not use this API (403 permission_error): check the key's workspace at ${KEYS_PAGE}`);
  if (code === undefined) return fail('Anthropic key', `cannot reach ${where} (${describe(error)}): check ANTHROPIC_BASE_URL and the network`);
  return undefined;
}

/** The `anthropic-ratelimit-*` limits (https://platform.claude.com/docs/en/api/rate-limits#response-headers). */
function rateLimitLine(headers: Headers): DoctorLine {
  const kinds: [string, string][] = [
    ['requests', 'requests'],
    ['input-tokens', 'input tokens'],
    ['output-tokens', 'output tokens'],
  ];
  const limits = kinds.flatMap(([kind, name]) => {
    const limit = headers.get(`anthropic-ratelimit-${kind}-limit`);
    return limit ? [`${Number(limit).toLocaleString('en-US')} ${name}`] : [];
  });
  if (limits.length === 0) return warn('Anthropic rate limits', 'not reported (no anthropic-ratelimit-* headers: a proxy at ANTHROPIC_BASE_URL?)');
  return ok('Anthropic rate limits', `${limits.join(', ')} per minute`);
}

const status = (error: unknown): number | undefined => (error instanceof Anthropic.APIError ? error.status : undefined);

function describe(error: unknown): string {
  if (error instanceof Anthropic.APIError && error.status !== undefined) return `${error.status} ${error.type ?? ''}`.trim();
  return reasonOf(error);
}
