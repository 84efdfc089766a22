import { existsSync, readFileSync, statSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { readConfig } from '../src/config/read-config.js';

// No Docker engine runs where the tests run, so docker-compose.yml is checked the way Compose itself would read it:
// YAML with merge keys, then ${VAR:-default} interpolation, then the Compose Specification's JSON schema
// (test/schemas/compose-spec.schema.json), then what the deployment needs of it.

type Service = {
  image?: string;
  command?: string[];
  profiles?: string[];
  ports?: string[];
  expose?: string[];
  volumes?: string[];
  tmpfs?: string[];
  read_only?: boolean;
  environment?: Record<string, string>;
  env_file?: string;
  stop_grace_period?: string;
  healthcheck?: { test?: string[]; disable?: boolean };
  depends_on?: Record<string, { condition: string }>;
};
type Compose = { name: string; services: Record<string, Service>; volumes: Record<string, unknown> };

const raw = parse(readFileSync('docker-compose.yml', 'utf8'), { merge: true }) as Compose;
const scripts = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts;

/** Compose's interpolation: ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, and $$ for a literal $. */
function interpolate<T>(value: T, env: Record<string, string | undefined>): T {
  if (typeof value === 'string') {
    return value.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}/g, (match, name?: string, op?: string, arg?: string) => {
      if (match === '$$') return '$';
      const set = env[name!];
      const usable = op?.startsWith(':') ? set !== undefined && set !== '' : set !== undefined;
      if (usable) return set!;
      if (op?.endsWith('?')) throw new Error(`${name}: ${arg}`);
      return op ? arg! : '';
    }) as T;
  }
  if (Array.isArray(value)) return value.map((v) => interpolate(v, env)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, env)])) as T;
  }
  return value;
}

// What `docker compose up` sees on a fresh server: nothing but defaults.
const compose = interpolate(raw, {});

function validator() {
  // The vendored schema names draft-07 by its https URL, which Ajv registers under http; the schema itself is draft-07.
  const { $schema: _ignored, ...schema } = JSON.parse(readFileSync('test/schemas/compose-spec.schema.json', 'utf8'));
  // strictTypes off: the upstream schema leaves `type: object` implicit in places, which Ajv would only warn about.
  return new Ajv({ allErrors: true, allowUnionTypes: true, strictTypes: false }).compile(schema);
}

function seconds(duration: string): number {
  const units: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001 };
  let total = 0;
  for (const [, amount, unit] of duration.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)) total += Number(amount) * units[unit!]!;
  return total;
}

/** Services in the order `docker compose up` can start them, or an error on a cycle or an unknown dependency. */
function startOrder(services: Record<string, Service>): string[] {
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, path: string[]) => {
    if (!services[name]) throw new Error(`${path.join(' → ')} depends on unknown service "${name}"`);
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') throw new Error(`dependency cycle: ${[...path, name].join(' → ')}`);
    state.set(name, 'visiting');
    for (const dependency of Object.keys(services[name]!.depends_on ?? {})) visit(dependency, [...path, name]);
    state.set(name, 'done');
    order.push(name);
  };
  for (const name of Object.keys(services)) visit(name, []);
  return order;
}

const active = (profiles: string[]) =>
  Object.keys(compose.services)
    .filter((name) => (compose.services[name]!.profiles ?? []).every((p) => profiles.includes(p)))
    .sort();

describe('docker-compose.yml', () => {
  it('validates against the Compose Specification schema, before and after interpolation', () => {
    const validate = validator();
    for (const document of [raw, compose]) {
      const ok = validate(document);
      expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 2)).toEqual([]);
      expect(ok).toBe(true);
    }
  });

  it('catches a misspelt key (the schema really is strict)', () => {
    const validate = validator();
    const broken = structuredClone(compose) as Compose & { services: Record<string, Record<string, unknown>> };
    broken.services.worker!.stop_grace_periode = '35s';
    expect(validate(broken)).toBe(false);
    expect(validate.errors?.[0]?.params).toEqual({ additionalProperty: 'stop_grace_periode' });
  });

  it('runs the stack by default and Prometheus + Grafana only with the monitoring profile', () => {
    expect(active([])).toEqual(['gateway', 'migrate', 'nginx', 'postgres', 'redis', 'worker']);
    expect(active(['monitoring'])).toEqual(['gateway', 'grafana', 'migrate', 'nginx', 'postgres', 'prometheus', 'redis', 'worker']);
    expect(active(['backup'])).toEqual(['backup', 'gateway', 'migrate', 'nginx', 'postgres', 'redis', 'worker']);
  });

  it('starts in dependency order: databases, then the one-shot migrate, then gateway and workers, then nginx', () => {
    const order = startOrder(compose.services);
    const before = (a: string, b: string) => expect(order.indexOf(a), `${a} before ${b}`).toBeLessThan(order.indexOf(b));
    before('postgres', 'migrate');
    before('migrate', 'gateway');
    before('migrate', 'worker');
    before('redis', 'gateway');
    before('redis', 'worker');
    before('gateway', 'nginx');
    before('prometheus', 'grafana');
    // Waiting on a dependency's health needs a health check to wait on; the one-shot must have finished.
    for (const [name, service] of Object.entries(compose.services)) {
      for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
        if (dependency === 'migrate') expect(condition, `${name} → migrate`).toBe('service_completed_successfully');
        else {
          expect(condition, `${name} → ${dependency}`).toBe('service_healthy');
          expect(compose.services[dependency]!.healthcheck?.test, `${dependency} has a health check`).toBeDefined();
        }
      }
    }
  });

  it('publishes only nginx on 80 and 443; the gateway is internal; monitoring listens on the loopback only', () => {
    const published = Object.fromEntries(Object.entries(compose.services).map(([name, s]) => [name, s.ports ?? []]));
    expect(published).toEqual({
      postgres: [],
      redis: [],
      migrate: [],
      gateway: [],
      worker: [],
      nginx: ['80:80', '443:443'],
      prometheus: ['127.0.0.1:9090:9090'],
      grafana: ['127.0.0.1:3001:3000'],
      backup: [],
    });
    expect(compose.services.gateway!.expose).toEqual(['3000']);
  });

  it('health-checks every long-running service; the one-shot migrate has none', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      if (name === 'migrate') expect(service.healthcheck).toEqual({ disable: true });
      else expect(service.healthcheck?.test?.length, name).toBeGreaterThan(1);
    }
    // The app's check is the image's: GET /health.
    for (const name of ['gateway', 'worker']) expect(compose.services[name]!.healthcheck!.test!.join(' ')).toContain('/health');
  });

  it('keeps data in named volumes and mounts config folders that exist', () => {
    const declared = Object.keys(compose.volumes);
    const mounts = Object.entries(compose.services).flatMap(([name, s]) => (s.volumes ?? []).map((v) => ({ name, source: v.split(':')[0]!, target: v.split(':')[1]! })));
    for (const { name, source } of mounts) {
      // ./certs is the operator's (TLS_CERTS_DIR); every other folder mounted is part of the repository.
      if (source.startsWith('.')) expect(source === './certs' || existsSync(source), `${name} mounts ${source}`).toBe(true);
      else expect(declared, `${name}: volume ${source} is declared`).toContain(source);
    }
    expect(mounts.filter((m) => !m.source.startsWith('.')).map((m) => `${m.name}:${m.target}`).sort()).toEqual([
      'backup:/app/backups',
      'grafana:/var/lib/grafana',
      'postgres:/var/lib/postgresql/data',
      'prometheus:/prometheus',
      'redis:/data',
    ]);
    // Each service finds its config file where its command looks for it.
    const mounted = (service: string, target: string) => mounts.find((m) => m.name === service && m.target === target)!.source;
    const nginxConfig = compose.services.nginx!.command![compose.services.nginx!.command!.indexOf('-c') + 1]!;
    expect(statSync(nginxConfig.replace('/etc/nginx/xiaoliu', mounted('nginx', '/etc/nginx/xiaoliu'))).isFile()).toBe(true);
    const promConfig = compose.services.prometheus!.command!.find((a) => a.startsWith('--config.file='))!.split('=')[1]!;
    expect(statSync(promConfig.replace('/etc/prometheus', mounted('prometheus', '/etc/prometheus'))).isFile()).toBe(true);
    expect(statSync(`${mounted('grafana', '/etc/grafana/provisioning')}/datasources/prometheus.yml`).isFile()).toBe(true);
    expect(statSync(`${mounted('grafana', '/etc/grafana/dashboards')}/xiaoliu.json`).isFile()).toBe(true);
    // The certificate folder is the operator's, named by TLS_CERTS_DIR.
    expect(raw.services.nginx!.volumes).toContain('${TLS_CERTS_DIR:-./certs}:/etc/nginx/certs:ro');
  });

  it('gives workers and the gateway longer than SHUTDOWN_TIMEOUT_MS to drain before Docker kills them', () => {
    const shutdownTimeoutMs = readConfig({}).worker.shutdownTimeoutMs;
    for (const name of ['gateway', 'worker']) {
      const grace = seconds(compose.services[name]!.stop_grace_period!);
      expect(grace * 1000, name).toBeGreaterThanOrEqual(shutdownTimeoutMs + 5000);
    }
  });

  it('runs the app read-only, writable only where the shell role saves attachments (no compile cache, no /tmp)', () => {
    for (const name of ['migrate', 'gateway', 'worker', 'backup']) {
      expect(compose.services[name]!.read_only, name).toBe(true);
      expect(compose.services[name]!.tmpfs, name).toEqual(['/app/xiaoliu-files']);
    }
  });

  it('gives the app a configuration readConfig accepts (.env.example plus the compose environment)', () => {
    const dotenv = parseEnv(readFileSync('.env.example', 'utf8'));
    for (const name of ['migrate', 'gateway', 'worker']) {
      const service = compose.services[name]!;
      expect(service.env_file, name).toBe('.env');
      const config = readConfig({ ...dotenv, ...service.environment });
      expect(config.migrateOnStart, name).toBe(false);
      expect(config.redisUrl).toBe('redis://redis:6379');
      // nginx's upstream and Prometheus' targets say port 3000.
      expect(config.http.port).toBe(3000);
    }
  });

  it('backs up with the npm script, into the volume it mounts, with a pg_dump as new as the Compose Postgres', () => {
    const backup = compose.services.backup! as Service & { entrypoint?: string[] };
    const worker = compose.services.worker!;
    // The image's node runs the same compiled script as `npm run backup`, with the schedule's flag.
    expect([...backup.entrypoint!, ...backup.command!].join(' ')).toBe(`${scripts.backup} --every 24h`);
    expect(existsSync(backup.command![0]!)).toBe(true);
    // The same database as the app, and the backup folder is the mounted volume (the app's filesystem is read-only).
    expect(backup.environment!.DATABASE_URL).toBe(worker.environment!.DATABASE_URL);
    const config = readConfig({ ...parseEnv(readFileSync('.env.example', 'utf8')), ...backup.environment });
    expect(backup.read_only).toBe(true);
    expect(backup.volumes).toEqual([`backups:${config.backup.dir}`]);
    expect(backup.healthcheck!.test!.join(' ')).toContain('BACKUP_DIR');
    expect(backup.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    // pg_dump refuses a server newer than itself: the image's client major version is the Compose Postgres's.
    const dockerfile = readFileSync('docker/Dockerfile', 'utf8');
    const clientMajor = /^ARG PG_CLIENT_MAJOR=(\d+)$/m.exec(dockerfile)?.[1];
    expect(dockerfile).toContain('postgresql-client-${PG_CLIENT_MAJOR}');
    expect(clientMajor).toBe(compose.services.postgres!.image!.split(':')[1]!.split('.')[0]);
  });

  it('pins the monitoring and edge images to a version', () => {
    for (const name of ['nginx', 'prometheus', 'grafana', 'postgres', 'redis']) {
      expect(compose.services[name]!.image, name).toMatch(/:[\w.-]*\d[\w.-]*$/);
    }
    // `server … resolve` in docker/nginx/nginx.conf needs nginx 1.27.3 or later.
    const [major, minor] = compose.services.nginx!.image!.split(':')[1]!.split('.').map(Number);
    expect(major! * 1000 + minor!).toBeGreaterThanOrEqual(1028);
  });
});
