import { type ChildProcess, execSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, renameSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect } from 'chai';

const ROOT = resolve(__dirname, '../..');
/** Native addons npm ci would compile (several minutes on this machine): taken from the dev install. */
const NATIVE = ['better-sqlite3/build', 'sqlite3/build'];

/**
 * The image's layout without Docker: the Dockerfile's stages done in directories from a clean copy
 * of HEAD (git archive). build: every dependency, `npm run build`; deps: `npm ci --omit=dev`;
 * runtime: dist/, the production node_modules, package.json, bin/, templates/ and the examples,
 * started as the ENTRYPOINT starts it (`node dist/src/main.js`, no shell, no npm).
 */
function buildLayout(): string {
  const work = mkdtempSync(join(tmpdir(), 'credgate-image-'));
  const [build, deps, app] = ['build', 'deps', 'app'].map((d) => join(work, d)) as [string, string, string];
  for (const d of [build, deps, app]) mkdirSync(d);
  execSync(`git archive HEAD | tar -x -C ${build}`, { cwd: ROOT });
  execSync(`git archive HEAD package.json package-lock.json bin | tar -x -C ${deps}`, { cwd: ROOT });
  // The build stage has every dependency: the checkout's own.
  symlinkSync(join(ROOT, 'node_modules'), join(build, 'node_modules'));
  const tsc = spawnSync(
    process.execPath,
    [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
    {
      cwd: build,
      encoding: 'utf8',
    },
  );
  expect(tsc.status, tsc.stdout + tsc.stderr).to.equal(0);
  const ci = spawnSync('npm', ['ci', '--omit=dev', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund'], {
    cwd: deps,
    encoding: 'utf8',
  });
  expect(ci.status, ci.stdout + ci.stderr).to.equal(0);
  for (const addon of NATIVE)
    cpSync(join(ROOT, 'node_modules', addon), join(deps, 'node_modules', addon), { recursive: true });
  renameSync(join(deps, 'node_modules'), join(app, 'node_modules'));
  renameSync(join(build, 'dist'), join(app, 'dist'));
  for (const entry of ['package.json', 'bin', 'templates', 'config'])
    cpSync(join(build, entry), join(app, entry), { recursive: true });
  mkdirSync(join(app, 'data'));
  return app;
}

function start(app: string): { child: ChildProcess; port: Promise<number>; output: () => string } {
  const child = spawn(process.execPath, ['dist/src/main.js'], {
    cwd: app,
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      PORT: '0',
      CREDGATE_CONFIG: join(app, 'config/credgate.yaml'),
      CREDGATE_POLICY: join(app, 'config/policy.yaml'),
      CREDGATE_STORE: `sqlite://${join(app, 'data/credgate.sqlite')}`,
    },
  });
  let output = '';
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  const port = new Promise<number>((ok, fail) => {
    child.stdout?.on('data', () => {
      const m = /"port":(\d+)[^\n]*credgate listening/.exec(output);
      if (m) ok(Number(m[1]));
    });
    child.on('exit', (code) => fail(new Error(`exited with ${code}:\n${output}`)));
  });
  return { child, port, output: () => output };
}

describe('the image layout, built into a directory from a clean copy', function () {
  this.timeout(600_000);
  let app: string;
  before(() => {
    app = buildLayout();
  });

  it('holds production dependencies only and the build, and no sources or tests', () => {
    expect(existsSync(join(app, 'node_modules/express'))).to.equal(true);
    for (const dev of ['typescript', 'mocha', 'chai', '@biomejs/biome', '@stoplight/prism-cli', 'playwright-core'])
      expect(existsSync(join(app, 'node_modules', dev)), dev).to.equal(false);
    for (const absent of ['src', 'test', 'bench']) expect(existsSync(join(app, absent)), absent).to.equal(false);
    expect(existsSync(join(app, 'dist/src/main.js'))).to.equal(true);
  });

  it('the CLI of the layout runs the build (no sources shipped) and prints its version', () => {
    const r = spawnSync(process.execPath, ['bin/credgate.js', '--version'], {
      cwd: app,
      encoding: 'utf8',
      env: { PATH: process.env.PATH },
    });
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout.trim()).to.match(/^\d+\.\d+\.\d+/);
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const)
    it(`started as the ENTRYPOINT starts it, answers /healthz and stops on ${signal} within 15 s`, async () => {
      const service = start(app);
      try {
        const port = await service.port;
        const health = await fetch(`http://127.0.0.1:${port}/healthz`);
        expect(health.status).to.equal(200);
        const exited = new Promise<number | null>((ok) => service.child.on('exit', (code) => ok(code)));
        const signalled = Date.now();
        service.child.kill(signal);
        const code = await exited;
        expect(Date.now() - signalled, service.output()).to.be.below(15_000);
        expect(code, service.output()).to.equal(0);
        expect(service.output()).to.include(`"signal":"${signal}"`);
      } finally {
        if (service.child.exitCode === null) service.child.kill('SIGKILL');
      }
    });
});
