import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { readConfig, requireModelAccess } from '../src/config/read-config.js';
import { ConfigError } from '../src/domain/errors.js';
import { createInboundProducer, INBOUND_QUEUE } from '../src/queue/inbound-queue.js';
import { createRedis } from '../src/redis/create-redis.js';
import { allows, type Endpoint, type NetworkPolicy, type Pod } from './support/network-policies.js';
import { inbound, TEST_REDIS_URL } from './support/test-app.js';

// No cluster here, so the manifests are checked offline: every object against the Kubernetes OpenAPI schemas
// (kubernetes-models 5.1: Kubernetes 1.34 or later, it knows 1.34's PodSpec.hostnameOverride; KEDA's from
// @kubernetes-models/keda), strictly (an unknown field fails, as `kubectl apply --validate=strict` would), then for
// what Xiaoliu needs of them. kubectl, where installed, renders the kustomization the way `kubectl apply -k` would.

const K8S = 'docker/k8s';

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: any;
}
interface Manifest {
  file: string;
  object: K8sObject;
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return yamlFiles(path);
    return /\.ya?ml$/.test(entry.name) ? [path] : [];
  });
}

function load(text: string, file: string): K8sObject[] {
  return parseAllDocuments(text).map((document) => {
    if (document.errors.length) throw new Error(`${file}: ${document.errors[0]!.message}`);
    return document.toJS() as K8sObject;
  });
}

const files = yamlFiles(K8S);
const kustomizations = files.filter((f) => /kustomization\.ya?ml$/.test(f));
const manifests: Manifest[] = files
  .filter((f) => !kustomizations.includes(f))
  .flatMap((file) => load(readFileSync(file, 'utf8'), file).map((object) => ({ file, object })));
const kustomization = load(readFileSync(`${K8S}/kustomization.yaml`, 'utf8'), 'kustomization.yaml')[0] as unknown as {
  namespace: string;
  resources: string[];
  images: { name: string; newName: string; newTag: string }[];
};

const find = (kind: string, name: string): K8sObject => {
  const found = manifests.find((m) => m.object.kind === kind && m.object.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in ${K8S}`);
  return found.object;
};
const deployments = () => manifests.filter((m) => m.object.kind === 'Deployment').map((m) => m.object);
const podSpecs = () => [...deployments(), find('Job', 'xiaoliu-migrate')].map((o) => ({ name: o.metadata.name, spec: o.spec.template.spec }));

/** Where the model class and TypeScript interface of an apiVersion/kind live. */
function modelModule({ apiVersion, kind }: K8sObject): string {
  if (apiVersion.startsWith('keda.sh/')) return `@kubernetes-models/keda/${apiVersion}/${kind}`;
  return `kubernetes-models/${apiVersion}/${kind}`;
}

/** JSON-schema validation: types, formats, enums, required fields. Throws with every problem found. */
async function validateSchema(object: K8sObject): Promise<void> {
  const module = (await import(modelModule(object))) as Record<string, new (data: unknown) => { validate(): void }>;
  const Model = module[object.kind];
  if (!Model) throw new Error(`no model for ${object.apiVersion} ${object.kind}`);
  new Model(structuredClone(object)).validate();
}

/**
 * Unknown fields: Kubernetes' OpenAPI schemas allow any extra property, so the JSON schemas cannot catch a misspelt or
 * misplaced field. The models' TypeScript interfaces can: each object becomes an object literal typed with its
 * interface, and the compiler's excess-property check names every field the API does not have.
 */
function unknownFields(list: Manifest[]): string[] {
  const fileName = resolve('test/__k8s-manifests__.ts');
  const lines: string[] = [];
  list.forEach(({ object }, i) => {
    lines.push(`import type { I${object.kind} as T${i} } from '${modelModule(object)}';`);
    lines.push(`export const o${i}: T${i} = ${JSON.stringify(object)};`);
  });
  const source = lines.join('\n');
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, language, ...rest) =>
    name === fileName ? ts.createSourceFile(name, source, language) : getSourceFile(name, language, ...rest);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => name === fileName || fileExists(name);
  const program = ts.createProgram([fileName], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line : -1;
    const index = Math.floor(line / 2);
    const where = list[index] ? `${list[index]!.file} ${list[index]!.object.kind}/${list[index]!.object.metadata.name}` : 'manifests';
    return `${where}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
  });
}

const kubectl = !spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).error;
if (!kubectl) console.warn('deploy-k8s.test.ts: kubectl not found; skipping the `kubectl kustomize` rendering checks.');

function kustomize(dir: string): K8sObject[] {
  const built = spawnSync('kubectl', ['kustomize', dir], { encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`kubectl kustomize ${dir} failed: ${built.stderr}`);
  return load(built.stdout, `kubectl kustomize ${dir}`);
}

const scratch: string[] = [];
afterAll(() => scratch.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

describe('Kubernetes manifests (docker/k8s)', () => {
  it('lists every manifest in a kustomization, except the example Secret', () => {
    const component = load(readFileSync(`${K8S}/keda/kustomization.yaml`, 'utf8'), 'keda')[0] as unknown as { resources: string[] };
    const listed = [...kustomization.resources.map((r) => join(K8S, r)), ...component.resources.map((r) => join(K8S, 'keda', r))];
    for (const file of listed) expect(existsSync(file), file).toBe(true);
    const unlisted = manifests.map((m) => m.file).filter((f) => !listed.includes(f));
    expect([...new Set(unlisted)]).toEqual([join(K8S, 'secret.example.yaml')]);
  });

  it('validates every object against the Kubernetes (and KEDA) schemas', async () => {
    const problems: string[] = [];
    for (const { file, object } of manifests) {
      await validateSchema(object).catch((error: Error) => problems.push(`${file} ${object.kind}/${object.metadata.name}: ${error.message}`));
    }
    expect(problems).toEqual([]);
    expect(manifests.map((m) => `${m.object.apiVersion} ${m.object.kind}`).sort()).toEqual([
      'apps/v1 Deployment',
      'apps/v1 Deployment',
      'autoscaling/v2 HorizontalPodAutoscaler',
      'batch/v1 Job',
      'keda.sh/v1alpha1 ScaledObject',
      'keda.sh/v1alpha1 TriggerAuthentication',
      'networking.k8s.io/v1 Ingress',
      'networking.k8s.io/v1 NetworkPolicy',
      'networking.k8s.io/v1 NetworkPolicy',
      'networking.k8s.io/v1 NetworkPolicy',
      'networking.k8s.io/v1 NetworkPolicy',
      'networking.k8s.io/v1 NetworkPolicy',
      'policy/v1 PodDisruptionBudget',
      'policy/v1 PodDisruptionBudget',
      'v1 ConfigMap',
      'v1 Namespace',
      'v1 Secret',
      'v1 Service',
    ]);
  });

  it('has no field the Kubernetes API does not know (strict validation)', () => {
    expect(unknownFields(manifests)).toEqual([]);
  });

  it('fails strict validation on a misplaced field and schema validation on a wrong type (the checks bite)', async () => {
    const worker = structuredClone(find('Deployment', 'xiaoliu-worker'));
    worker.spec.template.spec.containers[0].terminationGracePeriodSeconds = 40;
    expect(unknownFields([{ file: 'mutated', object: worker }]).join('\n')).toMatch(/terminationGracePeriodSeconds.*does not exist in type 'IContainer'/);
    const gateway = structuredClone(find('Deployment', 'xiaoliu-gateway'));
    gateway.spec.template.spec.containers[0].ports[0].containerPort = '3000';
    await expect(validateSchema(gateway)).rejects.toThrow(/containerPort must be integer/);
  });

  it('runs every container as a role of the one image, as the npm scripts do', () => {
    const scripts = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts;
    const roles = podSpecs().flatMap(({ name, spec }) => spec.containers.map((c: any) => ({ name, image: c.image, command: c.command, args: c.args })));
    expect(roles.map((r) => `${r.name}:${r.args.join(' ')}`).sort()).toEqual(['xiaoliu-gateway:gateway', 'xiaoliu-migrate:migrate', 'xiaoliu-worker:worker']);
    for (const role of roles) {
      // `args` replaces the image's CMD and keeps its ENTRYPOINT (`node --max-semi-space-size=64 dist/src/main.js`).
      expect(role.command, role.name).toBeUndefined();
      expect(role.image, role.name).toBe(kustomization.images[0]!.name);
      expect(scripts[role.args[0]], role.name).toBe(`node --max-semi-space-size=64 dist/src/main.js ${role.args[0]}`);
    }
  });

  it('probes liveness on /health (public port) and readiness on /ready (the metrics port, which nothing routes publicly)', () => {
    const config = find('ConfigMap', 'xiaoliu-config');
    expect(config.data.METRICS_HOST).toBe('0.0.0.0');
    for (const deployment of deployments()) {
      const container = deployment.spec.template.spec.containers[0];
      expect(container.ports).toEqual([
        { name: 'http', containerPort: Number(config.data.PORT) },
        { name: 'metrics', containerPort: Number(config.data.METRICS_PORT) },
      ]);
      expect(container.livenessProbe.httpGet).toEqual({ path: '/health', port: 'http' });
      expect(container.readinessProbe.httpGet).toEqual({ path: '/ready', port: 'metrics' });
      expect(container.startupProbe.httpGet).toEqual({ path: '/health', port: 'http' });
      expect(deployment.spec.template.metadata.annotations['prometheus.io/port']).toBe(config.data.METRICS_PORT);
    }
    expect(readConfig(config.data).metrics).toEqual({ host: '0.0.0.0', port: 9464 });
    // The Service and the Ingress reach the public port only.
    expect(find('Service', 'xiaoliu-gateway').spec.ports.map((p: any) => p.targetPort)).toEqual(['http']);
  });

  it('gives pods longer to stop than SHUTDOWN_TIMEOUT_MS (plus the preStop pause)', () => {
    const shutdownTimeoutMs = Number(find('ConfigMap', 'xiaoliu-config').data.SHUTDOWN_TIMEOUT_MS);
    expect(shutdownTimeoutMs).toBe(readConfig({}).worker.shutdownTimeoutMs);
    for (const deployment of deployments()) {
      const spec = deployment.spec.template.spec;
      const preStop = spec.containers[0].lifecycle?.preStop?.exec?.command;
      const pauseMs = preStop ? Number(preStop[1]) * 1000 : 0;
      expect(spec.terminationGracePeriodSeconds * 1000, deployment.metadata.name).toBeGreaterThanOrEqual(shutdownTimeoutMs + pauseMs + 5000);
    }
  });

  it('runs as non-root with a read-only root filesystem, no privileges, and nothing writable (compiled JavaScript)', () => {
    for (const { name, spec } of podSpecs()) {
      expect(spec.securityContext, name).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } });
      expect(spec.automountServiceAccountToken, name).toBe(false);
      for (const container of spec.containers) {
        expect(container.securityContext, name).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
        expect(container.volumeMounts, name).toBeUndefined();
      }
      expect(spec.volumes, name).toBeUndefined();
    }
    const dockerfile = readFileSync('docker/Dockerfile', 'utf8');
    expect(dockerfile).toMatch(/^USER node$/m); // uid 1000 in the node images
  });

  it('sets resource requests and limits on every container', () => {
    for (const { name, spec } of podSpecs()) {
      for (const container of spec.containers) {
        expect(Object.keys(container.resources.requests).sort(), name).toEqual(['cpu', 'memory']);
        expect(Object.keys(container.resources.limits).sort(), name).toEqual(['cpu', 'memory']);
      }
    }
  });

  it('gives each role only the secrets it uses, by key, and the ConfigMap none', () => {
    const config = find('ConfigMap', 'xiaoliu-config');
    const secret = find('Secret', 'xiaoliu-secrets');
    const expected: Record<string, string[]> = {
      'xiaoliu-gateway': ['DATABASE_URL', 'REDIS_URL', 'SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'SLACK_APP_TOKEN', 'DISCORD_TOKEN'],
      'xiaoliu-worker': ['DATABASE_URL', 'REDIS_URL', 'ANTHROPIC_API_KEY', 'SLACK_BOT_TOKEN', 'DISCORD_TOKEN'],
      'xiaoliu-migrate': ['DATABASE_URL'],
    };
    for (const { name, spec } of podSpecs()) {
      const container = spec.containers[0];
      // The whole Secret is never mounted (no envFrom secretRef, no volume): only keys named one by one.
      expect(container.envFrom, name).toEqual([{ configMapRef: { name: config.metadata.name } }]);
      const refs = container.env.map((e: any) => e.valueFrom?.secretKeyRef);
      for (const [i, ref] of refs.entries()) {
        expect(ref?.name, name).toBe(secret.metadata.name);
        expect(ref.key, name).toBe(container.env[i].name);
      }
      expect(refs.map((r: any) => r.key), name).toEqual(expected[name]);
      // Connections are required (the pod does not start without them); platform keys are there when used.
      for (const ref of refs) expect(Boolean(ref.optional), `${name} ${ref.key}`).toBe(!['DATABASE_URL', 'REDIS_URL'].includes(ref.key));
    }
    for (const key of Object.keys(config.data)) expect(key).not.toMatch(/KEY|TOKEN|SECRET|PASSWORD|_URL$/);
    // Every key a role or KEDA reads is in the example Secret (but SLACK_APP_TOKEN, for Socket Mode only).
    const keda = find('TriggerAuthentication', 'xiaoliu-redis').spec.secretTargetRef.map((r: any) => r.key);
    expect(keda).toEqual(['REDIS_USERNAME', 'REDIS_PASSWORD']);
    const read = [...new Set([...Object.values(expected).flat(), ...keda])].filter((key) => key !== 'SLACK_APP_TOKEN');
    expect(Object.keys(secret.stringData).sort()).toEqual(read.sort());
  });

  it('makes a valid configuration of the ConfigMap and each role\'s keys, once the example\'s placeholders are replaced', () => {
    const config = find('ConfigMap', 'xiaoliu-config');
    const secret = find('Secret', 'xiaoliu-secrets');
    const roleEnv = (name: string, values: Record<string, string>) => {
      const { spec } = podSpecs().find((p) => p.name === name)!;
      return { ...config.data, ...Object.fromEntries(spec.containers[0].env.map((e: any) => [e.name, values[e.valueFrom.secretKeyRef.key]])) };
    };
    // The example as it ships: every role refuses to start, naming a variable that still holds a placeholder.
    for (const name of ['xiaoliu-gateway', 'xiaoliu-worker', 'xiaoliu-migrate']) {
      let error: unknown;
      try {
        readConfig(roleEnv(name, secret.stringData));
      } catch (thrown) {
        error = thrown;
      }
      expect(error, name).toBeInstanceOf(ConfigError);
      const { variable, message } = error as ConfigError;
      expect(message, name).toMatch(new RegExp(`^${variable} (still holds the example's placeholder|has a placeholder password)`));
      expect(podSpecs().find((p) => p.name === name)!.spec.containers[0].env.map((e: any) => e.name), name).toContain(variable);
    }
    const real = Object.fromEntries(
      Object.entries(secret.stringData as Record<string, string>).map(([key, value]) => [key, value.replaceAll('CHANGE-ME', `${key.toLowerCase().replaceAll('_', '-')}-0f3a`)]),
    );
    expect(() => requireModelAccess(readConfig(roleEnv('xiaoliu-worker', real)))).not.toThrow();
    const gateway = readConfig(roleEnv('xiaoliu-gateway', real));
    expect(gateway.platforms.slack?.signingSecret).toBe('slack-signing-secret-0f3a');
    expect(gateway.anthropic.apiKey).toBe('');
    expect(gateway.redisUrl).toBe('redis://xiaoliu:redis-url-0f3a@redis.example.internal:6379');
    // Each placeholder alone is refused, by name.
    for (const key of ['ANTHROPIC_API_KEY', 'SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'DISCORD_TOKEN', 'REDIS_URL']) {
      const env = { ...roleEnv('xiaoliu-worker', real), ...roleEnv('xiaoliu-gateway', real), [key]: secret.stringData[key] };
      expect(() => readConfig(env), key).toThrow(new RegExp(`^${key} `));
    }
  });

  it('selects the right pods with every Service, PodDisruptionBudget and autoscaler', () => {
    const labelsOf = (name: string) => find('Deployment', name).spec.template.metadata.labels;
    for (const deployment of deployments()) expect(deployment.spec.template.metadata.labels).toMatchObject(deployment.spec.selector.matchLabels);
    expect(labelsOf('xiaoliu-gateway')).toMatchObject(find('Service', 'xiaoliu-gateway').spec.selector);
    expect(labelsOf('xiaoliu-gateway')).toMatchObject(find('PodDisruptionBudget', 'xiaoliu-gateway').spec.selector.matchLabels);
    expect(labelsOf('xiaoliu-worker')).toMatchObject(find('PodDisruptionBudget', 'xiaoliu-worker').spec.selector.matchLabels);
    expect(labelsOf('xiaoliu-worker')).not.toMatchObject(find('Service', 'xiaoliu-gateway').spec.selector);
    expect(find('HorizontalPodAutoscaler', 'xiaoliu-worker').spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'xiaoliu-worker' });
    expect(find('ScaledObject', 'xiaoliu-worker').spec.scaleTargetRef).toEqual({ name: 'xiaoliu-worker' });
    // The autoscaler owns the worker count; a `replicas` field would reset it on every apply.
    expect(find('Deployment', 'xiaoliu-worker').spec.replicas).toBeUndefined();
    expect(find('Deployment', 'xiaoliu-gateway').spec.replicas).toBeGreaterThanOrEqual(2);
    expect(find('Service', 'xiaoliu-gateway').spec.ports[0].targetPort).toBe('http');
  });

  it('exposes only /slack/events and /health publicly, over TLS, with a body size limit', () => {
    const ingress = find('Ingress', 'xiaoliu');
    const paths = ingress.spec.rules.flatMap((rule: any) => rule.http.paths);
    expect(paths.map((p: any) => `${p.pathType} ${p.path}`)).toEqual(['Exact /slack/events', 'Exact /health']);
    for (const path of paths) expect(path.backend.service).toEqual({ name: 'xiaoliu-gateway', port: { name: 'http' } });
    expect(ingress.spec.tls[0].hosts).toEqual(ingress.spec.rules.map((rule: any) => rule.host));
    expect(ingress.metadata.annotations?.['nginx.ingress.kubernetes.io/proxy-body-size']).toBe('1m');
  });

  it('denies every flow by default and allows exactly the ones Xiaoliu needs (NetworkPolicies)', () => {
    const policies = manifests.filter((m) => m.object.kind === 'NetworkPolicy').map((m) => m.object as unknown as NetworkPolicy);
    expect(policies.find((p) => p.metadata.name === 'xiaoliu-default-deny')?.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    const namespace = kustomization.namespace;
    const podOf = (kind: string, name: string): Pod => {
      const template = find(kind, name).spec.template;
      const ports = Object.fromEntries((template.spec.containers[0].ports ?? []).map((p: any) => [p.name, p.containerPort]));
      return { namespace, labels: template.metadata.labels, ports };
    };
    const gateway = podOf('Deployment', 'xiaoliu-gateway');
    const worker = podOf('Deployment', 'xiaoliu-worker');
    const migrate = podOf('Job', 'xiaoliu-migrate');
    const ingressController: Pod = { namespace: 'ingress-nginx', labels: { 'app.kubernetes.io/name': 'ingress-nginx' } };
    const prometheus: Pod = { namespace: 'monitoring', labels: { 'app.kubernetes.io/name': 'prometheus' } };
    const dns: Pod = { namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } };
    const stranger: Pod = { namespace: 'default', labels: { app: 'anything' } };
    const neighbour: Pod = { namespace, labels: { app: 'debug-shell' } };
    const postgres = { ip: '10.20.0.5' };
    const redis = { ip: '10.20.0.6' };
    const slack = { ip: '203.0.113.10' }; // a public address (Slack, Discord, Anthropic)
    const internalService = { ip: '10.0.0.80' };
    const cloudMetadata = { ip: '169.254.169.254' };
    const [http, metrics] = [gateway.ports!.http!, gateway.ports!.metrics!];
    const flow = (from: Endpoint, to: Endpoint, port: number, protocol?: string) => allows(policies, namespace, from, to, port, protocol);

    const allowed: [string, Endpoint, Endpoint, number, string?][] = [
      ['ingress controller → gateway http', ingressController, gateway, http],
      ['Prometheus → gateway metrics', prometheus, gateway, metrics],
      ['Prometheus → worker metrics', prometheus, worker, metrics],
      ['gateway → Postgres', gateway, postgres, 5432],
      ['gateway → Redis', gateway, redis, 6379],
      ['worker → Postgres', worker, postgres, 5432],
      ['worker → Redis', worker, redis, 6379],
      ['gateway → platforms on 443', gateway, slack, 443],
      ['worker → platforms and the model on 443', worker, slack, 443],
      ['migrate → Postgres', migrate, postgres, 5432],
      ['gateway → DNS', gateway, dns, 53, 'UDP'],
      ['worker → DNS', worker, dns, 53, 'UDP'],
      ['migrate → DNS', migrate, dns, 53, 'UDP'],
    ];
    const denied: [string, Endpoint, Endpoint, number, string?][] = [
      ['ingress controller → gateway metrics', ingressController, gateway, metrics],
      ['ingress controller → worker', ingressController, worker, http],
      ['Prometheus → gateway http', prometheus, gateway, http],
      ['another namespace → gateway', stranger, gateway, http],
      ['another namespace → worker metrics', stranger, worker, metrics],
      ['another pod of the namespace → gateway', neighbour, gateway, http],
      ['another pod of the namespace → worker metrics', neighbour, worker, metrics],
      ['worker → an internal service on 443', worker, internalService, 443],
      ['worker → the cloud metadata endpoint', worker, cloudMetadata, 80],
      ['gateway → the internet on 80', gateway, slack, 80],
      ['worker → the internet on 22', worker, slack, 22],
      ['migrate → the internet', migrate, slack, 443],
      ['migrate → Redis', migrate, redis, 6379],
      ['gateway → worker', gateway, worker, metrics],
      ['worker → gateway', worker, gateway, http],
    ];
    for (const [what, from, to, port, protocol] of allowed) expect(flow(from, to, port, protocol), what).toBe(true);
    for (const [what, from, to, port, protocol] of denied) expect(flow(from, to, port, protocol), what).toBe(false);
    // The evaluator bites: without the policies, everything flows.
    expect(allows([], namespace, stranger, gateway, metrics)).toBe(true);
  });

  it('runs migrations as a Job that is never restarted in place', () => {
    const job = find('Job', 'xiaoliu-migrate');
    expect(job.spec.template.spec.restartPolicy).toBe('Never');
    expect(job.spec.backoffLimit).toBeGreaterThan(0);
    expect(job.metadata.labels?.['app.kubernetes.io/component']).toBe('migrate');
  });

  it("scales on the BullMQ wait list that really holds the queue's waiting jobs", async () => {
    const scaled = find('ScaledObject', 'xiaoliu-worker');
    const trigger = scaled.spec.triggers[0];
    const prefix = find('ConfigMap', 'xiaoliu-config').data.QUEUE_PREFIX;
    expect(trigger.metadata.listName).toBe(`${prefix}:${INBOUND_QUEUE}:wait`);
    // The same key layout under a test prefix, on a real queue with no worker: the job sits in that list.
    const testPrefix = `xt-${randomBytes(4).toString('hex')}`;
    const redis = createRedis(TEST_REDIS_URL);
    const producer = createInboundProducer({ redis, prefix: testPrefix, jobAttempts: 1 });
    try {
      await producer.enqueue(inbound('how deep is the queue?'));
      const listName = trigger.metadata.listName.replace(`${prefix}:`, `${testPrefix}:`);
      expect(await redis.type(listName)).toBe('list');
      expect(await redis.llen(listName)).toBe(1);
    } finally {
      await producer.queue.obliterate({ force: true });
      await producer.close();
      const leftovers = await redis.keys(`${testPrefix}:*`);
      if (leftovers.length) await redis.del(...leftovers);
      await redis.quit();
    }
  });

  describe.skipIf(!kubectl)('rendered by `kubectl kustomize`', () => {
    it('builds the base: every object valid, in the xiaoliu namespace, with the image set', async () => {
      const objects = kustomize(K8S);
      const problems: string[] = [];
      for (const object of objects) await validateSchema(object).catch((error: Error) => problems.push(`${object.kind}: ${error.message}`));
      expect(problems).toEqual([]);
      expect(objects.map((o) => o.kind).sort()).toEqual([
        'ConfigMap', 'Deployment', 'Deployment', 'HorizontalPodAutoscaler', 'Ingress', 'Job', 'Namespace',
        'NetworkPolicy', 'NetworkPolicy', 'NetworkPolicy', 'NetworkPolicy', 'NetworkPolicy',
        'PodDisruptionBudget', 'PodDisruptionBudget', 'Service',
      ]);
      for (const object of objects.filter((o) => o.kind !== 'Namespace')) {
        expect(object.metadata.namespace, object.kind).toBe(kustomization.namespace);
        expect(object.metadata.labels?.['app.kubernetes.io/part-of'], object.kind).toBe('xiaoliu');
      }
      const image = `${kustomization.images[0]!.newName}:${kustomization.images[0]!.newTag}`;
      for (const object of objects.filter((o) => o.spec?.template)) {
        expect(object.spec.template.spec.containers[0].image, object.metadata.name).toBe(image);
      }
      expect(unknownFields(objects.map((object) => ({ file: 'kubectl kustomize', object })))).toEqual([]);
    });

    it('with the keda component, replaces the CPU autoscaler with a ScaledObject', async () => {
      // An overlay as docs/operations.md shows it (kustomize only loads files below the overlay's root).
      const dir = mkdtempSync(join(tmpdir(), 'xiaoliu-k8s-'));
      scratch.push(dir);
      cpSync(K8S, join(dir, 'base'), { recursive: true });
      writeFileSync(join(dir, 'kustomization.yaml'), 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [base]\ncomponents: [base/keda]\n');
      const objects = kustomize(dir);
      expect(objects.map((o) => o.kind)).not.toContain('HorizontalPodAutoscaler');
      const scaled = objects.find((o) => o.kind === 'ScaledObject')!;
      expect(scaled.metadata.namespace).toBe(kustomization.namespace);
      for (const object of objects) await validateSchema(object);
    });
  });
});
