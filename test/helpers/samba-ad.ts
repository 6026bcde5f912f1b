import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Attribute, Change, Client } from 'ldapts';

/**
 * A real Active Directory domain controller (Samba 4 AD DC) for the ldap provider's AD flavour.
 *
 * The domain is provisioned once per machine (`samba-tool domain provision`, ~5-15 s) and seeded
 * with the OUs, accounts, groups, a fine-grained password policy and a delegated bind account; the
 * result is kept under the OS temp dir, keyed by the Samba version and this recipe. Each start
 * copies that directory, rewrites the one file holding absolute paths (smb.conf) and serves it with
 * `samba -i -M single`, which takes about a second. Samba cannot move its LDAP ports, so each
 * instance gets a loopback address of its own (127.0.0.6 upwards, the first whose 389 and 636 are
 * free) with `bind interfaces only`.
 */

const SAMBA = '/usr/sbin/samba';
const SAMBA_TOOL = '/usr/bin/samba-tool';

export const REALM = 'TEST.LAN';
export const BASE_DN = 'DC=test,DC=lan';
const ADMIN_PASSWORD = 'Admin-Secret-1x!';

/** Where the seeded entries live. The bind account's rights are delegated per OU (see seed). */
export const AD = {
  people: `OU=People,${BASE_DN}`,
  groups: `OU=Groups,${BASE_DN}`,
  vendors: `OU=Vendors,${BASE_DN}`,
  shared: `OU=Shared,${BASE_DN}`,
  other: `OU=Other,${BASE_DN}`,
  services: `OU=Service Accounts,${BASE_DN}`,
  vpnAdmins: `CN=VPN Admins,OU=Groups,${BASE_DN}`,
  /** A group outside the OUs delegated to credgate. */
  finance: `CN=Finance,OU=Other,${BASE_DN}`,
  alice: `CN=Alice Example,OU=People,${BASE_DN}`,
  vendor: `CN=Acme Vendor,OU=Vendors,${BASE_DN}`,
  /** A vendor account outside the delegated OUs. */
  otherVendor: `CN=Other Vendor,OU=Other,${BASE_DN}`,
  backup: `CN=Backup Service,OU=Shared,${BASE_DN}`,
  /** A shared account under a fine-grained password policy no generated password can meet. */
  strict: `CN=Strict Service,OU=Shared,${BASE_DN}`,
  bind: `CN=svc-credgate,OU=Service Accounts,${BASE_DN}`,
} as const;

/** Passwords of the seeded accounts, for tests that bind as them. Test-only values. */
export const AD_PASSWORDS = {
  admin: ADMIN_PASSWORD,
  bind: 'Credgate-Bind-Secret-7x',
  alice: 'Alice-Secret-2x!',
  vendor: 'Vendor-Secret-3x!',
  otherVendor: 'Other-Secret-3x!',
  backup: 'Backup-Secret-4x!',
  strict: 'Strict-Secret-5x!',
} as const;

/** Minimum length the fine-grained policy on `AD.strict` demands; more than credgate generates. */
export const STRICT_MIN_LENGTH = 100;

export interface SambaAd {
  address: string;
  /** ldaps:// on port 636, certificate signed by `caFile` (SAN: the 127.0.0.x addresses). */
  ldapsUrl: string;
  /** ldap:// on port 389; Samba refuses simple binds on it without StartTLS. */
  url: string;
  caFile: string;
  bindDN: string;
  bindPassword: string;
  /** The domain's Administrator, for tests that check the directory behind the provider's back. */
  adminDN: string;
  adminPassword: string;
  baseDN: string;
  /** Runs samba-tool against this instance's database. */
  sambaTool(args: string[]): string;
  stop(): Promise<void>;
}

const RECIPE_VERSION = 1;

function sambaVersion(): string {
  return execFileSync(SAMBA, ['--version'], { encoding: 'utf8' }).trim();
}

/** The lines added to the provisioned [global] section, for an instance living in `dir`. */
function instanceGlobals(dir: string, address: string): string[] {
  return [
    `interfaces = ${address}/8`,
    'bind interfaces only = yes',
    `pid directory = ${join(dir, 'run')}`,
    `ncalrpc dir = ${join(dir, 'run', 'ncalrpc')}`,
    `winbindd socket directory = ${join(dir, 'run', 'winbindd')}`,
    `log file = ${join(dir, 'log', 'log.%m')}`,
    // LDAP is all the tests speak; the other services would only add start-up time and ports.
    'server services = ldap',
    'dns forwarder = 127.0.0.1',
  ];
}

/**
 * smb.conf as provision wrote it under `from`, moved to `to` and given this instance's own
 * address and runtime directories (settings the helper owns are dropped before being re-added).
 */
function rewriteConf(confText: string, from: string, to: string, address: string): string {
  const owned =
    /^\s*(interfaces|bind interfaces only|pid directory|ncalrpc dir|winbindd socket directory|log file|server services|dns forwarder)\s*=/i;
  const lines = confText
    .split(from)
    .join(to)
    .split('\n')
    .filter((l) => !owned.test(l));
  const global = lines.findIndex((l) => l.trim().toLowerCase() === '[global]');
  if (global < 0) throw new Error('the provisioned smb.conf has no [global] section');
  lines.splice(global + 1, 0, ...instanceGlobals(to, address).map((l) => `\t${l}`));
  return lines.join('\n');
}

/** A throwaway CA and a server certificate for the loopback addresses the instances use. */
function writeTls(tlsDir: string): void {
  mkdirSync(tlsDir, { recursive: true, mode: 0o700 });
  const run = (args: string[]) => execFileSync('openssl', args, { cwd: tlsDir, stdio: 'pipe' });
  const sans = ['DNS:localhost', ...Array.from({ length: 40 }, (_, i) => `IP:127.0.0.${i + 2}`)].join(',');
  writeFileSync(join(tlsDir, 'ext.cnf'), `subjectAltName=${sans}\nextendedKeyUsage=serverAuth\n`);
  run([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '3650',
    '-subj',
    '/CN=credgate test AD CA',
  ]);
  run(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'key.pem', '-out', 'server.csr', '-subj', '/CN=127.0.0.6']);
  run([
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'cert.pem',
    '-days',
    '3650',
    '-extfile',
    'ext.cnf',
  ]);
  // Samba refuses a key file others can read.
  execFileSync('chmod', ['600', join(tlsDir, 'key.pem'), join(tlsDir, 'ca.key')]);
}

/** True when nothing listens on address:port yet. */
function portFree(address: string, port: number): Promise<boolean> {
  return new Promise((done) => {
    const server = createServer();
    server.once('error', () => done(false));
    server.listen(port, address, () => server.close(() => done(true)));
  });
}

async function freeAddress(): Promise<string> {
  for (let last = 6; last < 40; last++) {
    const address = `127.0.0.${last}`;
    if ((await portFree(address, 389)) && (await portFree(address, 636))) return address;
  }
  throw new Error('no loopback address 127.0.0.6-127.0.0.39 has ports 389 and 636 free for a Samba DC');
}

interface Running {
  stop(): Promise<void>;
}

function serve(dir: string, ldapsUrl: string, caFile: string): Promise<Running> {
  // Interactive mode exits when its stdin closes: a test process killed hard takes Samba with it.
  const child = spawn(SAMBA, ['-i', '-M', 'single', '-s', join(dir, 'etc', 'smb.conf')], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  let exitedWith: string | null = null;
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise<void>((done) =>
    child.once('exit', (code, signal) => ((exitedWith = `code ${code} signal ${signal}\n${output}`), done())),
  );
  const stop = async () => {
    if (exitedWith === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    }
  };
  const ca = readFileSync(caFile);
  return (async () => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (exitedWith !== null) throw new Error(`samba exited during start-up: ${exitedWith}`);
      const client = new Client({ url: ldapsUrl, connectTimeout: 500, timeout: 2000, tlsOptions: { ca } });
      try {
        await client.bind(`Administrator@${REALM}`, ADMIN_PASSWORD);
        return { stop };
      } catch (err) {
        if (Date.now() > deadline) {
          await stop();
          throw new Error(`samba did not accept an LDAPS bind within 30 s: ${(err as Error).message}\n${output}`);
        }
        await new Promise((r) => setTimeout(r, 100));
      } finally {
        await client.unbind().catch(() => undefined);
      }
    }
  })();
}

/** An AD SID (objectSid, binary) in its S-1-5-21-... form, for SDDL. */
function sidString(raw: Buffer): string {
  const revision = raw[0];
  const count = raw[1];
  const authority = raw.readUIntBE(2, 6);
  const subs = Array.from({ length: count }, (_, i) => raw.readUInt32LE(8 + 4 * i));
  return `S-${revision}-${authority}-${subs.join('-')}`;
}

const unicodePwd = (password: string) => Buffer.from(`"${password}"`, 'utf16le');

// Schema GUIDs (MS-ADA1..3, MS-ADTS 5.1.3.2.1): attributes, classes and the Reset Password right.
const GUID = {
  member: 'bf9679c0-0de6-11d0-a285-00aa003049e2',
  userAccountControl: 'bf967a68-0de6-11d0-a285-00aa003049e2',
  accountExpires: 'bf967915-0de6-11d0-a285-00aa003049e2',
  groupClass: 'bf967a9c-0de6-11d0-a285-00aa003049e2',
  userClass: 'bf967aba-0de6-11d0-a285-00aa003049e2',
  resetPassword: '00299570-246d-11d0-a768-00aa006e0529',
};

/** The entries the tests act on, added over LDAPS as Administrator; then the delegations. */
async function seed(dir: string, ldapsUrl: string, caFile: string): Promise<void> {
  const client = new Client({ url: ldapsUrl, timeout: 10_000, tlsOptions: { ca: readFileSync(caFile) } });
  await client.bind(`Administrator@${REALM}`, ADMIN_PASSWORD);
  try {
    for (const ou of [AD.people, AD.groups, AD.vendors, AD.shared, AD.other, AD.services])
      await client.add(ou, { objectClass: ['top', 'organizationalUnit'] });
    const user = (dn: string, sam: string, mail: string, password: string, enabled: boolean) =>
      client.add(dn, [
        new Attribute({ type: 'objectClass', values: ['top', 'person', 'organizationalPerson', 'user'] }),
        new Attribute({ type: 'sAMAccountName', values: [sam] }),
        new Attribute({ type: 'userPrincipalName', values: [`${sam}@${REALM.toLowerCase()}`] }),
        new Attribute({ type: 'mail', values: [mail] }),
        new Attribute({ type: 'unicodePwd', values: [unicodePwd(password)] }),
        // NORMAL_ACCOUNT (0x200), with ACCOUNTDISABLE (0x2) for accounts provisioned closed.
        new Attribute({ type: 'userAccountControl', values: [String(enabled ? 0x200 : 0x202)] }),
      ]);
    await user(AD.bind, 'svc-credgate', 'credgate@test.lan', AD_PASSWORDS.bind, true);
    await user(AD.alice, 'alice', 'alice@test.lan', AD_PASSWORDS.alice, true);
    await user(AD.vendor, 'vnd-acme', 'support@acme.test', AD_PASSWORDS.vendor, false);
    await user(AD.otherVendor, 'vnd-other', 'support@other.test', AD_PASSWORDS.otherVendor, false);
    await user(AD.backup, 'svc-backup', 'backup@test.lan', AD_PASSWORDS.backup, true);
    await user(AD.strict, 'svc-strict', 'strict@test.lan', AD_PASSWORDS.strict, true);
    // Global security group (0x80000002).
    for (const [dn, sam] of [
      [AD.vpnAdmins, 'vpn-admins'],
      [AD.finance, 'finance'],
    ])
      await client.add(dn, { objectClass: ['top', 'group'], sAMAccountName: sam, groupType: String(-2147483646) });
    const { searchEntries } = await client.search(AD.bind, {
      scope: 'base',
      attributes: ['objectSid'],
      explicitBufferAttributes: ['objectSid'],
    });
    const sid = sidString(searchEntries[0].objectSid as Buffer);
    // Inherit-only object ACEs: the right applies to the OU's groups / users, not to the OU itself.
    const delegations: [string, string][] = [
      [AD.groups, `(OA;CIIO;WP;${GUID.member};${GUID.groupClass};${sid})`],
      [
        AD.vendors,
        `(OA;CIIO;WP;${GUID.userAccountControl};${GUID.userClass};${sid})(OA;CIIO;WP;${GUID.accountExpires};${GUID.userClass};${sid})`,
      ],
      [AD.shared, `(OA;CIIO;CR;${GUID.resetPassword};${GUID.userClass};${sid})`],
    ];
    const sam = join(dir, 'private', 'sam.ldb');
    const conf = join(dir, 'etc', 'smb.conf');
    for (const [objectdn, sddl] of delegations)
      execFileSync(SAMBA_TOOL, ['dsacl', 'set', '-s', conf, '-H', sam, `--objectdn=${objectdn}`, `--sddl=${sddl}`], {
        stdio: 'pipe',
      });
    execFileSync(
      SAMBA_TOOL,
      [
        'domain',
        'passwordsettings',
        'pso',
        'create',
        'strict',
        '1',
        `--min-pwd-length=${STRICT_MIN_LENGTH}`,
        '-s',
        conf,
        '-H',
        sam,
      ],
      { stdio: 'pipe' },
    );
    execFileSync(
      SAMBA_TOOL,
      ['domain', 'passwordsettings', 'pso', 'apply', 'strict', 'svc-strict', '-s', conf, '-H', sam],
      {
        stdio: 'pipe',
      },
    );
    // Keeps the tests' own password changes (rotations in a row) from tripping the history rule.
    await client.modify(
      BASE_DN,
      new Change({ operation: 'replace', modification: new Attribute({ type: 'pwdHistoryLength', values: ['0'] }) }),
    );
  } finally {
    await client.unbind().catch(() => undefined);
  }
}

/** The provisioned and seeded domain, built once per machine and recipe; returns its directory. */
async function template(): Promise<string> {
  const key = createHash('sha256')
    .update(`${RECIPE_VERSION}\n${sambaVersion()}\n${JSON.stringify(AD)}\n${JSON.stringify(AD_PASSWORDS)}`)
    .digest('hex')
    .slice(0, 12);
  const cached = join(tmpdir(), `credgate-samba-ad-${key}`);
  if (existsSync(join(cached, 'ready'))) return cached;
  const building = mkdtempSync(join(tmpdir(), 'credgate-samba-ad-build-'));
  try {
    execFileSync(
      SAMBA_TOOL,
      [
        'domain',
        'provision',
        '--use-rfc2307',
        `--realm=${REALM}`,
        '--domain=TEST',
        '--server-role=dc',
        '--dns-backend=SAMBA_INTERNAL',
        `--adminpass=${ADMIN_PASSWORD}`,
        `--targetdir=${building}`,
        '--option=interfaces=127.0.0.6/8',
        '--option=bind interfaces only=yes',
      ],
      { stdio: 'pipe' },
    );
    writeTls(join(building, 'private', 'tls'));
    const address = await freeAddress();
    const conf = join(building, 'etc', 'smb.conf');
    for (const sub of ['run', 'log']) mkdirSync(join(building, sub), { recursive: true });
    writeFileSync(conf, rewriteConf(readFileSync(conf, 'utf8'), building, building, address));
    const caFile = join(building, 'private', 'tls', 'ca.pem');
    const ldapsUrl = `ldaps://${address}`;
    const running = await serve(building, ldapsUrl, caFile);
    try {
      await seed(building, ldapsUrl, caFile);
    } finally {
      await running.stop();
    }
    // Provision records where it built; each start rewrites this to the copy's own directory.
    writeFileSync(join(building, 'provisioned-at'), building);
    rmSync(join(building, 'run'), { recursive: true, force: true });
    rmSync(join(building, 'log'), { recursive: true, force: true });
    writeFileSync(join(building, 'ready'), '');
    try {
      renameSync(building, cached);
    } catch {
      // Another test process finished first: its copy is as good as this one.
      if (!existsSync(join(cached, 'ready'))) throw new Error(`could not store the provisioned domain at ${cached}`);
      rmSync(building, { recursive: true, force: true });
    }
    return cached;
  } catch (err) {
    rmSync(building, { recursive: true, force: true });
    const e = err as Error & { stderr?: Buffer };
    throw new Error(`provisioning the Samba AD domain failed: ${e.message}${e.stderr ? `\n${e.stderr}` : ''}`);
  }
}

/**
 * Starts a Samba AD DC for one test file, from the cached domain (provisioned on first use).
 * Needs Samba's AD DC packages (scripts/install-system-packages.sh) and root, as samba does.
 */
export async function startSambaAd(): Promise<SambaAd> {
  for (const tool of [SAMBA, SAMBA_TOOL]) {
    if (!existsSync(tool))
      throw new Error(
        `${tool} is missing: the Active Directory tests need a Samba AD DC; run scripts/install-system-packages.sh (as root)`,
      );
  }
  const source = await template();
  const dir = mkdtempSync(join(tmpdir(), 'credgate-samba-ad-run-'));
  try {
    // Sockets a stopped Samba left behind (ldapi, messaging) are made anew by the next one.
    cpSync(source, dir, { recursive: true, filter: (path) => !lstatSync(path).isSocket() });
    for (const sub of ['run', 'log']) mkdirSync(join(dir, sub), { recursive: true });
    const conf = join(dir, 'etc', 'smb.conf');
    const provisionedAt = readFileSync(join(source, 'provisioned-at'), 'utf8');
    const address = await freeAddress();
    writeFileSync(conf, rewriteConf(readFileSync(conf, 'utf8'), provisionedAt, dir, address));
    const caFile = join(dir, 'private', 'tls', 'ca.pem');
    const ldapsUrl = `ldaps://${address}`;
    const running = await serve(dir, ldapsUrl, caFile);
    return {
      address,
      ldapsUrl,
      url: `ldap://${address}`,
      caFile,
      bindDN: AD.bind,
      bindPassword: AD_PASSWORDS.bind,
      adminDN: `CN=Administrator,CN=Users,${BASE_DN}`,
      adminPassword: ADMIN_PASSWORD,
      baseDN: BASE_DN,
      sambaTool: (args) =>
        execFileSync(SAMBA_TOOL, [...args, '-s', conf, '-H', join(dir, 'private', 'sam.ldb')], { encoding: 'utf8' }),
      async stop() {
        await running.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
