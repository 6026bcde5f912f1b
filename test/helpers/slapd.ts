import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from 'ldapts';

const SLAPD = '/usr/sbin/slapd';
const SLAPADD = '/usr/sbin/slapadd';
const SLAPPASSWD = '/usr/sbin/slappasswd';
const SCHEMA_DIR = '/etc/ldap/schema';
const MODULE_DIR = '/usr/lib/ldap';
const FIXTURES = resolve(__dirname, '../providers/fixtures/ldap');

export const BASE_DN = 'dc=example,dc=test';
const ROOT_DN = `cn=admin,${BASE_DN}`;
const SERVICE_DN = `cn=credgate,ou=services,${BASE_DN}`;

/** Passwords of the seeded entries, for tests that bind as them. Test-only values. */
export const SEED_PASSWORDS = {
  root: 'root-Secret-1',
  service: 'credgate-Bind-Secret-7',
  alice: 'alice-Secret-2',
  vendor: 'vendor-Secret-3',
  backup: 'backup-Secret-4',
  adVendor: 'ad-vendor-Secret-5',
} as const;

export interface Slapd {
  /** ldap:// on 127.0.0.1. */
  url: string;
  /** ldaps:// on 127.0.0.1, certificate signed by `caFile`. */
  ldapsUrl: string;
  caFile: string;
  /** credgate's service account, limited by ACLs to the rights the readme lists. */
  bindDN: string;
  bindPassword: string;
  /** The rootdn, for tests that check the directory behind the provider's back. */
  rootDN: string;
  rootPassword: string;
  baseDN: string;
  /** Optional overlays that were found and loaded. */
  features: { ppolicy: boolean; lastbind: boolean };
  pid: number;
  stop(): Promise<void>;
}

/** A loopback port the OS says is free (listen on 0, then close). */
function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

const hash = (password: string) => execFileSync(SLAPPASSWD, ['-s', password], { encoding: 'utf8' }).trim();

/**
 * Debian's msuser.schema (AD's attributes and classes) declares no matching rules, so a filter on
 * sAMAccountName matches nothing; AD matches it case-insensitively, and so does this copy.
 */
function activeDirectorySchema(): string {
  const schema = readFileSync(join(SCHEMA_DIR, 'msuser.schema'), 'utf8');
  const patched = schema.replace(/(NAME 'sAMAccountName'\s+)(SYNTAX)/, '$1EQUALITY caseIgnoreMatch $2');
  if (patched === schema) throw new Error(`${SCHEMA_DIR}/msuser.schema no longer declares sAMAccountName as expected`);
  return patched;
}

function slapdConf(dir: string, features: Slapd['features']): string {
  const modules = [
    'back_mdb',
    ...(features.ppolicy ? ['ppolicy'] : []),
    ...(features.lastbind ? ['lastbind'] : []),
  ].filter((m) => existsSync(join(MODULE_DIR, `${m}.la`)));
  const service = `dn.exact="${SERVICE_DN}"`;
  return [
    ...['core', 'cosine', 'inetorgperson', 'nis'].map((s) => `include ${SCHEMA_DIR}/${s}.schema`),
    `include ${join(dir, 'msuser.schema')}`,
    `modulepath ${MODULE_DIR}`,
    ...modules.map((m) => `moduleload ${m}`),
    `pidfile ${join(dir, 'slapd.pid')}`,
    `TLSCACertificateFile ${join(FIXTURES, 'ca.pem')}`,
    `TLSCertificateFile ${join(FIXTURES, 'server.pem')}`,
    `TLSCertificateKeyFile ${join(FIXTURES, 'server.key')}`,
    'database mdb',
    'maxsize 33554432',
    `suffix "${BASE_DN}"`,
    `rootdn "${ROOT_DN}"`,
    `rootpw ${hash(SEED_PASSWORDS.root)}`,
    `directory ${join(dir, 'db')}`,
    ...(features.ppolicy ? ['overlay ppolicy', `ppolicy_default "cn=default,ou=policies,${BASE_DN}"`] : []),
    ...(features.lastbind ? ['overlay lastbind', 'lastbind-precision 0'] : []),
    // The rights credgate's readme asks for, and no more: the tests prove they are enough.
    `access to attrs=userPassword,unicodePwd by ${service} =wx by self =wx by anonymous auth by * none`,
    `access to attrs=member,uniqueMember by ${service} write by users read`,
    `access to attrs=shadowExpire,pwdAccountLockedTime,pwdEndTime,userAccountControl,accountExpires by ${service} write by users read`,
    'access to * by users read by anonymous auth',
    '',
  ].join('\n');
}

function seedLdif(features: Slapd['features']): string {
  const person = (uid: string, mail: string, password: string, extra: string[] = []) => [
    `dn: uid=${uid},ou=people,${BASE_DN}`,
    'objectClass: inetOrgPerson',
    'objectClass: posixAccount',
    'objectClass: shadowAccount',
    `uid: ${uid}`,
    `cn: ${uid}`,
    `sn: ${uid}`,
    `mail: ${mail}`,
    `uidNumber: ${1000 + uid.length}`,
    'gidNumber: 1000',
    `homeDirectory: /home/${uid}`,
    `userPassword: ${hash(password)}`,
    ...extra,
  ];
  const entries: string[][] = [
    [`dn: ${BASE_DN}`, 'objectClass: dcObject', 'objectClass: organization', 'dc: example', 'o: Example'],
    ...['people', 'groups', 'services', 'policies', 'ad'].map((ou) => [
      `dn: ou=${ou},${BASE_DN}`,
      'objectClass: organizationalUnit',
      `ou: ${ou}`,
    ]),
    [
      `dn: ${SERVICE_DN}`,
      'objectClass: applicationProcess',
      'objectClass: simpleSecurityObject',
      'cn: credgate',
      `userPassword: ${hash(SEED_PASSWORDS.service)}`,
    ],
    // Alice's line manager is Bob (inetOrgPerson's manager attribute: a DN), for `source: manager`.
    person('alice', 'alice@example.test', SEED_PASSWORDS.alice, [`manager: uid=bob,ou=people,${BASE_DN}`]),
    person('bob', 'bob@example.test', 'bob-Secret-6'),
    person('dup1', 'shared-inbox@example.test', 'dup-Secret-8'),
    person('dup2', 'shared-inbox@example.test', 'dup-Secret-9'),
    // A vendor account provisioned closed: mode enable opens it for a grant.
    person('svc-vendor', 'vendor@vendor.test', SEED_PASSWORDS.vendor, [
      'shadowExpire: 1',
      ...(features.ppolicy ? ['pwdAccountLockedTime: 000001010000Z'] : []),
    ]),
    person('svc-backup', 'backup@example.test', SEED_PASSWORDS.backup),
    [
      `dn: cn=vpn,ou=groups,${BASE_DN}`,
      'objectClass: groupOfNames',
      'cn: vpn',
      `member: cn=placeholder,ou=groups,${BASE_DN}`,
    ],
    [
      `dn: cn=db-admins,ou=groups,${BASE_DN}`,
      'objectClass: groupOfUniqueNames',
      'cn: db-admins',
      `uniqueMember: cn=placeholder,ou=groups,${BASE_DN}`,
    ],
    [`dn: cn=printers,ou=groups,${BASE_DN}`, 'objectClass: organizationalRole', 'cn: printers'],
    // Active Directory shaped entries (msuser.schema): attribute encodings on a real wire.
    [
      `dn: cn=AD Vendor,ou=ad,${BASE_DN}`,
      'objectClass: user',
      // msuser.schema leaves out securityPrincipal (sAMAccountName): extensibleObject stands in.
      'objectClass: extensibleObject',
      'cn: AD Vendor',
      'sn: Vendor',
      'sAMAccountName: ad-vendor',
      'mail: ad-vendor@vendor.test',
      'userAccountControl: 514',
      'accountExpires: 0',
      'lastLogonTimestamp: 133801632000000000',
      'instanceType: 4',
      'nTSecurityDescriptor: AA==',
      `objectCategory: cn=Person,ou=ad,${BASE_DN}`,
      `userPassword: ${hash(SEED_PASSWORDS.adVendor)}`,
    ],
    [
      `dn: cn=AD Staff,ou=ad,${BASE_DN}`,
      'objectClass: group',
      'cn: AD Staff',
      'groupType: -2147483646',
      'instanceType: 4',
      'nTSecurityDescriptor: AA==',
      `objectCategory: cn=Group,ou=ad,${BASE_DN}`,
    ],
  ];
  if (features.ppolicy) {
    // pwdLockout TRUE: ppolicy enforces pwdAccountLockedTime only when the policy locks out.
    entries.push([
      `dn: cn=default,ou=policies,${BASE_DN}`,
      'objectClass: organizationalRole',
      'objectClass: pwdPolicy',
      'cn: default',
      'pwdAttribute: userPassword',
      'pwdLockout: TRUE',
    ]);
  }
  return entries.map((e) => e.join('\n')).join('\n\n') + '\n';
}

async function waitForBind(url: string, exited: () => string | null, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const gone = exited();
    if (gone !== null) throw new Error(`slapd exited during start-up:\n${gone}`);
    const client = new Client({ url, connectTimeout: 500, timeout: 500 });
    try {
      await client.bind(ROOT_DN, SEED_PASSWORDS.root);
      return;
    } catch (err) {
      if (Date.now() > deadline)
        throw new Error(`slapd did not accept a bind within ${timeoutMs} ms: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      await client.unbind().catch(() => undefined);
    }
  }
}

/**
 * A real OpenLDAP server on loopback ports for one test file: mdb database under a temp dir,
 * seeded (see seedLdif), ppolicy and lastbind loaded when installed. Runs as whatever user the
 * tests run as (root in CI: no -u/-g, so slapd keeps the identity that owns the temp dir).
 */
export async function startSlapd(): Promise<Slapd> {
  for (const tool of [SLAPD, SLAPADD, SLAPPASSWD]) {
    if (!existsSync(tool))
      throw new Error(
        `${tool} is missing: the ldap provider's tests need OpenLDAP; run scripts/install-system-packages.sh (as root)`,
      );
  }
  const features = {
    ppolicy: existsSync(join(MODULE_DIR, 'ppolicy.la')),
    lastbind: existsSync(join(MODULE_DIR, 'lastbind.la')),
  };
  const dir = mkdtempSync(join(tmpdir(), 'credgate-slapd-'));
  try {
    mkdirSync(join(dir, 'db'));
    const conf = join(dir, 'slapd.conf');
    writeFileSync(join(dir, 'msuser.schema'), activeDirectorySchema());
    writeFileSync(conf, slapdConf(dir, features));
    writeFileSync(join(dir, 'seed.ldif'), seedLdif(features));
    execFileSync(SLAPADD, ['-q', '-f', conf, '-l', join(dir, 'seed.ldif')], { stdio: 'pipe' });

    const [port, tlsPort] = [await freePort(), await freePort()];
    const url = `ldap://127.0.0.1:${port}`;
    const child = spawn(SLAPD, ['-h', `${url}/ ldaps://127.0.0.1:${tlsPort}/`, '-f', conf, '-d', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
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
        child.kill('SIGKILL');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    };
    try {
      await waitForBind(url, () => exitedWith, 10_000);
    } catch (err) {
      await stop();
      throw err;
    }
    return {
      url,
      ldapsUrl: `ldaps://127.0.0.1:${tlsPort}`,
      caFile: join(FIXTURES, 'ca.pem'),
      bindDN: SERVICE_DN,
      bindPassword: SEED_PASSWORDS.service,
      rootDN: ROOT_DN,
      rootPassword: SEED_PASSWORDS.root,
      baseDN: BASE_DN,
      features,
      pid: child.pid as number,
      stop,
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
