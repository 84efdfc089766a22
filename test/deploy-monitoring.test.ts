import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { startApp, type RunningApp } from '../src/app/start-app.js';
import { startFakeAnthropic, type FakeAnthropic } from './fakes/fake-anthropic.js';
import { startFakeSlack, type FakeSlack } from './fakes/fake-slack.js';
import { appMentionEvent, sendSlackEvent } from './fakes/slack-events.js';
import { silentLogger } from './support/silent-logger.js';
import { testConfig } from './support/test-app.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { waitForAnswer } from './support/wait-for-answer.js';

// The monitoring profile's files: Prometheus' config and alert rules (checked and unit-tested by promtool, from
// Debian's `prometheus` package, when installed), and the Grafana dashboard. Both must speak about metrics that exist:
// a real Xiaoliu (gateway + worker, process metrics on) answers a real Slack mention, and its /metrics is the truth.

interface Target {
  expr: string;
  refId: string;
  datasource: { type: string; uid: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { type: string; uid: string };
  targets?: Target[];
}
interface Dashboard {
  uid: string;
  panels: Panel[];
  templating: { list: { name: string; type: string; query: unknown; current?: { value: unknown }; definition?: string }[] };
}
interface Rule {
  alert: string;
  expr: string;
  for: string;
  labels: { severity: string };
  annotations: { summary: string; description: string };
}

const dashboard = JSON.parse(readFileSync('docker/grafana/dashboards/xiaoliu.json', 'utf8')) as Dashboard;
const alertRules = (parse(readFileSync('docker/prometheus/alerts.yml', 'utf8')) as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules);
const runbook = readFileSync('docs/operations.md', 'utf8');
const panels = dashboard.panels.filter((p) => p.type !== 'row');
const dashboardExprs = panels.flatMap((p) => (p.targets ?? []).map((t) => ({ where: `panel "${p.title}" ${t.refId}`, expr: t.expr })));
const variableQueries = dashboard.templating.list.flatMap((v) => (v.definition ? [{ where: `variable $${v.name}`, expr: v.definition }] : []));

/** Grafana's variables, replaced the way Grafana would before sending the query. */
const grafanaExpand = (expr: string) =>
  expr.replaceAll('$__rate_interval', '1m').replaceAll('$__range', '1h').replaceAll('$__interval', '1m').replaceAll('$platform', '.*');

const METRIC = /\bxiaoliu_[a-z0-9_]+/g;
const metricsIn = (text: string) => [...new Set(text.match(METRIC) ?? [])];

const promtool = !spawnSync('promtool', ['--version']).error;
if (!promtool) console.warn('deploy-monitoring.test.ts: promtool not found (apt-get install -y prometheus); skipping the promtool checks.');

function runPromtool(args: string[], cwd = 'docker/prometheus') {
  const result = spawnSync('promtool', args, { cwd, encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('Prometheus configuration and alert rules', () => {
  it.skipIf(!promtool)('pass `promtool check config` (which also checks alerts.yml)', () => {
    const { status, output } = runPromtool(['check', 'config', 'prometheus.yml']);
    expect(output).toContain('SUCCESS');
    expect(status, output).toBe(0);
  });

  it.skipIf(!promtool)('fire when they should and stay quiet when they should not (`promtool test rules`)', () => {
    const { status, output } = runPromtool(['test', 'rules', 'alerts.test.yml']);
    expect(output).toContain('SUCCESS');
    expect(status, output).toBe(0);
  });

  it('test every alert, and the runbook says what each means and what to do', () => {
    const tests = parse(readFileSync('docker/prometheus/alerts.test.yml', 'utf8')) as {
      tests: { alert_rule_test: { alertname: string; exp_alerts: unknown[] }[] }[];
    };
    const fired = new Set(tests.tests.flatMap((t) => t.alert_rule_test.filter((a) => a.exp_alerts.length > 0).map((a) => a.alertname)));
    const quiet = new Set(tests.tests.flatMap((t) => t.alert_rule_test.filter((a) => a.exp_alerts.length === 0).map((a) => a.alertname)));
    for (const rule of alertRules) {
      expect(fired, `${rule.alert} is tested firing`).toContain(rule.alert);
      expect(quiet, `${rule.alert} is tested quiet`).toContain(rule.alert);
      expect(['warning', 'critical']).toContain(rule.labels.severity);
      const section = runbook.split(/^### /m).find((s) => s.startsWith(`${rule.alert}\n`));
      expect(section, `docs/operations.md has a "### ${rule.alert}" section`).toBeDefined();
      expect(section, rule.alert).toMatch(/\*\*What to do/);
    }
  });

  it('scrape the jobs the alert rules name', () => {
    const config = parse(readFileSync('docker/prometheus/prometheus.yml', 'utf8')) as {
      rule_files: string[];
      scrape_configs: { job_name: string; dns_sd_configs?: { names: string[]; port: number }[] }[];
    };
    expect(config.rule_files).toEqual(['alerts.yml']);
    const jobs = Object.fromEntries(config.scrape_configs.map((c) => [c.job_name, c.dns_sd_configs?.[0]]));
    // Docker's DNS answers a compose service's name with every container of it, so --scale worker=N is followed.
    // On the operator port the compose file gives the app (METRICS_PORT), not the public one nginx proxies.
    const compose = parse(readFileSync('docker-compose.yml', 'utf8'), { merge: true }) as { services: Record<string, { environment: Record<string, string> }> };
    for (const role of ['gateway', 'worker']) {
      expect(jobs[`xiaoliu-${role}`]).toMatchObject({ names: [role], port: Number(compose.services[role]!.environment.METRICS_PORT) });
      expect(jobs[`xiaoliu-${role}`]!.port).not.toBe(Number(compose.services[role]!.environment.PORT));
    }
    for (const rule of alertRules) {
      for (const [, job] of rule.expr.matchAll(/job=~?"([^"]+)"/g)) {
        expect(Object.keys(jobs).some((name) => new RegExp(`^(?:${job})$`).test(name)), `${rule.alert}: job ${job}`).toBe(true);
      }
    }
  });
});

describe('Grafana provisioning and dashboard', () => {
  it('provisions the Prometheus data source and the dashboard folder that compose mounts', () => {
    const datasources = parse(readFileSync('docker/grafana/provisioning/datasources/prometheus.yml', 'utf8')) as {
      datasources: { uid: string; type: string; url: string }[];
    };
    expect(datasources.datasources).toEqual([expect.objectContaining({ uid: 'xiaoliu-prometheus', type: 'prometheus', url: 'http://prometheus:9090' })]);
    const providers = parse(readFileSync('docker/grafana/provisioning/dashboards/xiaoliu.yml', 'utf8')) as { providers: { options: { path: string } }[] };
    const compose = parse(readFileSync('docker-compose.yml', 'utf8'), { merge: true }) as { services: { grafana: { volumes: string[] } } };
    expect(compose.services.grafana.volumes).toContain(`./docker/grafana/dashboards:${providers.providers[0]!.options.path}:ro`);
    // The dashboard's data source is a variable (importable into any Grafana), defaulting to the provisioned one.
    const variable = dashboard.templating.list.find((v) => v.name === 'datasource')!;
    expect(variable).toMatchObject({ type: 'datasource', query: 'prometheus', current: { value: 'xiaoliu-prometheus' } });
  });

  it('lays out panels on the 24-column grid without overlaps, each querying the data source variable', () => {
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const cells = new Map<string, string>();
    for (const panel of dashboard.panels) {
      const { x, y, w, h } = panel.gridPos;
      expect(x + w, panel.title).toBeLessThanOrEqual(24);
      for (let row = y; row < y + h; row++) {
        for (let col = x; col < x + w; col++) {
          expect(cells.get(`${row},${col}`), `${panel.title} overlaps`).toBeUndefined();
          cells.set(`${row},${col}`, panel.title);
        }
      }
    }
    for (const panel of panels) {
      expect(panel.datasource, panel.title).toEqual({ type: 'prometheus', uid: '${datasource}' });
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      for (const target of panel.targets!) expect(target.datasource, panel.title).toEqual(panel.datasource);
      expect(new Set(panel.targets!.map((t) => t.refId)).size, panel.title).toBe(panel.targets!.length);
    }
  });

  it.skipIf(!promtool)('has only PromQL that Prometheus parses', () => {
    const dir = mkdtempSync(join(tmpdir(), 'xiaoliu-promql-'));
    try {
      const rules = dashboardExprs.map(({ expr }, i) => ({ record: `xiaoliu:dashboard_query:${i}`, expr: grafanaExpand(expr) }));
      writeFileSync(join(dir, 'dashboard.rules.yml'), stringify({ groups: [{ name: 'dashboard', rules }] }));
      const { status, output } = runPromtool(['check', 'rules', 'dashboard.rules.yml'], dir);
      expect(status, output).toBe(0);
      expect(output).toContain(`SUCCESS: ${rules.length} rules found`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** Sample names and their label names, as a Prometheus scrape of this text would see them. */
function parseExposition(text: string): Map<string, Set<string>> {
  const samples = new Map<string, Set<string>>();
  const add = (name: string, labels: string[] = []) => {
    const set = samples.get(name) ?? new Set<string>();
    labels.forEach((l) => set.add(l));
    samples.set(name, set);
  };
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) {
      const [, name, kind] = type;
      if (kind === 'histogram') ['_bucket', '_sum', '_count'].forEach((suffix) => add(`${name}${suffix}`));
      else if (kind === 'summary') ['', '_sum', '_count'].forEach((suffix) => add(`${name}${suffix}`));
      else add(name!);
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? /.exec(line);
    if (sample) add(sample[1]!, [...(sample[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="/g)].map((m) => m[1]!));
  }
  return samples;
}

describe('dashboard and alerts against the /metrics of a running Xiaoliu', () => {
  let database: TestDatabase;
  let model: FakeAnthropic;
  let slack: FakeSlack;
  let app: RunningApp;
  let exposed: Map<string, Set<string>>;
  const SECRET = 'monitoring-signing-secret';

  beforeAll(async () => {
    database = await createTestDatabase();
    model = await startFakeAnthropic({ firstTokenDelayMs: 10, tokensPerSecond: 0 });
    slack = await startFakeSlack({ botToken: 'xoxb-monitoring' });
    slack.seedUser({ id: 'U1', name: 'ann', real_name: 'Ann Lee', display_name: 'Ann' });
    const config = testConfig(database, model.url, {
      SLACK_BOT_TOKEN: 'xoxb-monitoring',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: slack.apiUrl,
    });
    // As `npm start` runs it: gateway and worker in one process, process metrics on (startTestApp turns them off).
    app = await startApp(config, silentLogger(), { gateway: true, worker: true }, { processMetrics: true });
    // Real traffic, so every labelled series exists: a mention through Slack's endpoint, answered after one retry.
    model.enqueue({ kind: 'status', status: 529, errorType: 'overloaded_error' }, { kind: 'text', text: 'Hello from the model.' });
    const mention = appMentionEvent({ channel: 'C1', user: 'U1', text: '<@UBOT> are the dashboards right?' });
    expect((await sendSlackEvent(`http://127.0.0.1:${app.port}/slack/events`, SECRET, mention)).status).toBe(200);
    await waitForAnswer(database.sql, `slack-T0FAKE-C1-${mention.event.ts}`);
    const response = await fetch(`http://127.0.0.1:${app.metricsPort}/metrics`);
    expect(response.status).toBe(200);
    exposed = parseExposition(await response.text());
  });
  afterAll(async () => {
    await app?.close();
    await slack?.close();
    await model?.close();
    await database?.drop();
  });

  it('exposes every metric the deployment docs name, with samples', () => {
    const expected = [
      'xiaoliu_jobs_total',
      'xiaoliu_job_duration_seconds_bucket',
      'xiaoliu_ingress_ack_seconds_bucket',
      'xiaoliu_pipeline_overhead_seconds_bucket',
      'xiaoliu_claude_request_duration_seconds_bucket',
      'xiaoliu_claude_time_to_first_token_seconds_bucket',
      'xiaoliu_claude_tokens_total',
      'xiaoliu_claude_cost_usd_total',
      'xiaoliu_claude_retries_total',
      'xiaoliu_queue_depth',
      'xiaoliu_process_resident_memory_bytes',
      'xiaoliu_nodejs_eventloop_lag_p99_seconds',
    ];
    for (const name of expected) expect(exposed.has(name), name).toBe(true);
    expect([...exposed.get('xiaoliu_jobs_total')!].sort()).toEqual(['command', 'outcome', 'platform']);
    expect([...exposed.get('xiaoliu_ingress_ack_seconds_bucket')!].sort()).toEqual(['le', 'platform']);
    expect([...exposed.get('xiaoliu_claude_retries_total')!]).toEqual(['reason']);
  });

  it('the dashboard, the alert rules and the runbook name only metrics that /metrics exposes', () => {
    const unknown: string[] = [];
    const sources = [
      ...dashboardExprs,
      ...variableQueries,
      ...alertRules.map((r) => ({ where: `alert ${r.alert}`, expr: r.expr })),
      { where: 'docs/operations.md', expr: runbook },
      { where: 'docker/k8s/keda/worker-scaledobject.yaml', expr: readFileSync('docker/k8s/keda/worker-scaledobject.yaml', 'utf8') },
    ];
    for (const { where, expr } of sources) {
      for (const name of metricsIn(expr)) if (!exposed.has(name)) unknown.push(`${where}: ${name}`);
    }
    expect(unknown).toEqual([]);
  });

  it('the dashboard and the alert rules select and group only by labels those metrics have', () => {
    // Prometheus adds job and instance to every scraped series; le belongs to histogram buckets.
    const targetLabels = ['job', 'instance'];
    const problems: string[] = [];
    const sources = [...dashboardExprs, ...variableQueries, ...alertRules.map((r) => ({ where: `alert ${r.alert}`, expr: r.expr }))];
    // Series Prometheus makes itself: `up` per target, `ALERTS` per firing alert.
    const synthetic: Record<string, string[]> = { up: [], ALERTS: ['alertname', 'alertstate', 'severity'] };
    for (const { where, expr } of sources) {
      const names = [...metricsIn(expr), ...Object.keys(synthetic).filter((name) => new RegExp(`\\b${name}\\b`).test(expr))];
      const labelsOf = (name: string) => new Set([...(exposed.get(name) ?? synthetic[name] ?? []), ...targetLabels]);
      for (const [, name, matchers] of expr.matchAll(/\b(xiaoliu_[a-z0-9_]+)\{([^}]*)\}/g)) {
        for (const [, label] of matchers!.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)/g)) {
          if (!labelsOf(name!).has(label!)) problems.push(`${where}: ${name} has no label ${label}`);
        }
      }
      for (const [, list] of expr.matchAll(/\b(?:by|without)\s*\(([^)]*)\)/g)) {
        for (const label of list!.split(',').map((l) => l.trim()).filter(Boolean)) {
          if (!names.some((name) => labelsOf(name).has(label))) problems.push(`${where}: no metric in it has label ${label}`);
        }
      }
      for (const [, name, label] of expr.matchAll(/label_values\((xiaoliu_[a-z0-9_]+),\s*(\w+)\)/g)) {
        if (!labelsOf(name!).has(label!)) problems.push(`${where}: ${name} has no label ${label}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('the dashboard covers every Xiaoliu metric (and the key process ones)', () => {
    const onDashboard = new Set(dashboardExprs.flatMap(({ expr }) => metricsIn(expr)));
    const family = (name: string) => name.replace(/_(bucket|sum|count)$/, '');
    const covered = new Set([...onDashboard].map(family));
    const appFamilies = [...exposed.keys()].filter((n) => !/^xiaoliu_(process|nodejs)_/.test(n)).map(family);
    for (const name of new Set(appFamilies)) expect(covered, `${name} is on the dashboard`).toContain(name);
    for (const name of [
      'xiaoliu_process_resident_memory_bytes',
      'xiaoliu_process_cpu_seconds_total',
      'xiaoliu_nodejs_eventloop_lag_p99_seconds',
      'xiaoliu_nodejs_heap_size_used_bytes',
    ]) {
      expect(onDashboard, name).toContain(name);
    }
    // Histograms are read as histograms: quantiles from _bucket, means from _sum / _count.
    for (const name of ['xiaoliu_job_duration_seconds', 'xiaoliu_pipeline_overhead_seconds', 'xiaoliu_claude_time_to_first_token_seconds']) {
      for (const suffix of ['_bucket', '_sum', '_count']) expect(onDashboard, `${name}${suffix}`).toContain(`${name}${suffix}`);
    }
  });
});
