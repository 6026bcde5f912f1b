import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect } from 'chai';
import { parse } from 'yaml';

const ROOT = resolve(__dirname, '../..');
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

/** A Dockerfile as its stages: each FROM and the instructions under it (continuations joined). */
function dockerStages(text: string): { from: string; name?: string; lines: string[] }[] {
  const logical = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const stages: { from: string; name?: string; lines: string[] }[] = [];
  for (const line of logical) {
    const from = /^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
    if (from) stages.push({ from: from[1] as string, name: from[2], lines: [] });
    else stages.at(-1)?.lines.push(line);
  }
  return stages;
}

/** A systemd unit as section → key → values (a key may repeat). */
function unitFile(text: string): Record<string, Record<string, string[]>> {
  const sections: Record<string, Record<string, string[]>> = {};
  let current: Record<string, string[]> | null = null;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const section = /^\[(.+)\]$/.exec(line);
    if (section) {
      current = sections[section[1] as string] = {};
      continue;
    }
    const kv = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (!kv || !current) throw new Error(`not a unit file line: ${line}`);
    (current[kv[1] as string] ??= []).push(kv[2] as string);
  }
  return sections;
}

describe('deployment kit', () => {
  it('the Dockerfile builds in one stage and runs the build with production dependencies only, as a non-root user', () => {
    const stages = dockerStages(read('Dockerfile'));
    expect(stages.length, 'multi-stage').to.be.at.least(2);
    const runtime = stages.at(-1) as (typeof stages)[number];
    const build = stages.find((s) => s.lines.some((l) => /^RUN npm run build/.test(l)));
    expect(build, 'a stage runs npm run build').to.not.equal(undefined);
    const deps = stages.find((s) => s.lines.some((l) => /^RUN npm ci\b.*--omit=dev/.test(l)));
    expect(deps, 'a stage installs with --omit=dev').to.not.equal(undefined);
    // The runtime takes node_modules from the --omit=dev stage, never from the build stage.
    expect(runtime.lines).to.include(`COPY --from=${deps?.name} /app/node_modules ./node_modules`);
    expect(runtime.lines).to.include(`COPY --from=${build?.name} /app/dist ./dist`);
    expect(runtime.lines.filter((l) => /node_modules/.test(l) && l.includes(`--from=${build?.name}`))).to.deep.equal(
      [],
    );
    expect(
      runtime.lines.some((l) => /^RUN npm/.test(l)),
      'no npm install in the runtime',
    ).to.equal(false);
    const user = runtime.lines.filter((l) => l.startsWith('USER ')).at(-1);
    expect(user).to.match(/^USER (?!root\b|0\b)\S+/);
    const healthcheck = runtime.lines.find((l) => l.startsWith('HEALTHCHECK '));
    expect(healthcheck).to.include('/healthz');
    const volume = runtime.lines.find((l) => l.startsWith('VOLUME ')) as string;
    const volumes = JSON.parse(volume.slice('VOLUME '.length)) as string[];
    const env = runtime.lines.filter((l) => l.startsWith('ENV ')).join(' ');
    // Config and data are volumes, and the service's defaults point into them.
    expect(volumes).to.include.members(['/etc/credgate', '/var/lib/credgate']);
    expect(env).to.include('CREDGATE_CONFIG=/etc/credgate/credgate.yaml');
    expect(env).to.include('CREDGATE_STORE=sqlite:///var/lib/credgate/');
    // Exec form: node gets the signals itself, with no shell in between.
    const entrypoint = runtime.lines.find((l) => l.startsWith('ENTRYPOINT ')) as string;
    expect(JSON.parse(entrypoint.slice('ENTRYPOINT '.length))).to.deep.equal(['node', 'dist/src/main.js']);
  });

  it('compose.yaml runs PostgreSQL, Redis and two credgate replicas on one store, each with a healthcheck', () => {
    const compose = parse(read('compose.yaml'), { merge: true }) as {
      services: Record<
        string,
        {
          image?: string;
          build?: unknown;
          healthcheck?: { test: string[] };
          environment?: Record<string, string>;
          depends_on?: Record<string, { condition: string }>;
          volumes?: string[];
        }
      >;
    };
    const services = compose.services;
    expect(Object.keys(services)).to.include.members(['postgres', 'redis', 'credgate-1', 'credgate-2']);
    for (const [name, s] of Object.entries(services))
      expect(s.healthcheck?.test, `${name} has a healthcheck`).to.be.an('array').that.is.not.empty;
    const replicas = ['credgate-1', 'credgate-2'].map((n) => services[n] as NonNullable<(typeof services)[string]>);
    for (const r of replicas) {
      expect(r.build).to.equal('.');
      expect(r.healthcheck?.test.join(' ')).to.include('/healthz');
      expect(r.depends_on?.postgres?.condition).to.equal('service_healthy');
      expect(r.depends_on?.redis?.condition).to.equal('service_healthy');
      expect(r.environment?.CREDGATE_STORE).to.include('@postgres:5432/');
      expect(r.volumes).to.include('./config:/etc/credgate:ro');
    }
    // Both replicas on the same store, or they would process each delivery twice.
    expect(replicas[0]?.environment?.CREDGATE_STORE).to.equal(replicas[1]?.environment?.CREDGATE_STORE);
  });

  it('the systemd unit runs as its own user with the hardening options and a stop bound above 15 s', () => {
    const unit = unitFile(read('deploy/credgate.service'));
    const service = unit.Service as Record<string, string[]>;
    const one = (key: string) => service[key]?.at(-1);
    expect(one('User')).to.equal('credgate');
    expect(one('ExecStart')).to.equal('/usr/bin/node dist/src/main.js');
    for (const [key, value] of Object.entries({
      NoNewPrivileges: 'yes',
      ProtectSystem: 'strict',
      ProtectHome: 'yes',
      PrivateTmp: 'yes',
      PrivateDevices: 'yes',
      ProtectKernelTunables: 'yes',
      ProtectKernelModules: 'yes',
      ProtectControlGroups: 'yes',
      RestrictSUIDSGID: 'yes',
      RestrictNamespaces: 'yes',
      LockPersonality: 'yes',
      CapabilityBoundingSet: '',
      StateDirectory: 'credgate',
      SystemCallArchitectures: 'native',
    }))
      expect(one(key), key).to.equal(value);
    expect(service.SystemCallFilter).to.include('@system-service');
    expect(one('RestrictAddressFamilies')?.split(' ')).to.have.members(['AF_INET', 'AF_INET6', 'AF_UNIX']);
    // The service exits within 15 s of SIGTERM; systemd must wait longer than that before SIGKILL.
    expect(one('KillSignal')).to.equal('SIGTERM');
    expect(Number.parseInt(one('TimeoutStopSec') ?? '0', 10)).to.be.above(15);
    expect(unit.Install?.WantedBy).to.deep.equal(['multi-user.target']);
  });

  it('npm pack ships the build, templates and examples, and no tests or benchmarks', function () {
    // The build first (incremental), so the packed file list is the one a release has.
    this.timeout(300_000);
    const build = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8' });
    expect(build.status, build.stdout + build.stderr).to.equal(0);
    const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status, r.stderr).to.equal(0);
    const files = (JSON.parse(r.stdout) as { files: { path: string }[] }[])[0]?.files.map((f) => f.path) ?? [];
    expect(files.filter((f) => /^(test|bench|scripts|src)\//.test(f) || /\.test\.[jt]s$/.test(f))).to.deep.equal([]);
    expect(files.filter((f) => /^dist\/test/.test(f) || f.endsWith('.map'))).to.deep.equal([]);
    expect(
      files.some((f) => /^templates\/jira-wiki\/.+\.hbs$/.test(f)),
      'the built-in templates',
    ).to.equal(true);
    expect(files).to.include.members([
      'package.json',
      'bin/credgate.js',
      'dist/src/main.js',
      'dist/src/cli/main.js',
      'config/credgate.yaml',
      'config/policy.yaml',
      'CHANGELOG.md',
      'Dockerfile',
      'deploy/credgate.service',
    ]);
  });

  it('credgate --version prints the version in package.json', function () {
    this.timeout(30_000);
    const { version } = JSON.parse(read('package.json')) as { version: string };
    const r = spawnSync(process.execPath, [join(ROOT, 'bin/credgate.js'), '--version'], {
      cwd: '/',
      encoding: 'utf8',
      env: { PATH: process.env.PATH },
    });
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout.trim()).to.equal(version);
    expect(read('CHANGELOG.md')).to.match(new RegExp(`^## \\[${version.replace(/\./g, '\\.')}\\]`, 'm'));
  });
});
