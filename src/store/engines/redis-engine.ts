import Keyv from 'keyv';
import KeyvRedis from '@keyv/redis';
import { leaseLost, NAMESPACES, type Namespace, type StoreEngine } from '../store-engine';
import { systemClock } from '../../util/clock';

// Compare-and-swap in one round trip: Redis runs a script atomically. The stored value is keyv's
// serialization, {"value": {...document...}}. With a fence (KEYS[2], ARGV[3]) the write also needs
// that lease to be held under that token still: -1 when it is not (expired or taken over).
const CAS = `
if KEYS[2] and redis.call('HGET', KEYS[2], 'fence') ~= ARGV[3] then return -1 end
local current = redis.call('GET', KEYS[1])
local version = 0
if current then version = cjson.decode(current)['value']['version'] or 0 end
if version ~= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
return 1`;

// SET NX PX claims a free lease; the owner may renew its own. Each new claim takes a fencing token
// from a counter, so a stale holder's late writes can be told apart.
const ACQUIRE = `
local holder = redis.call('HGET', KEYS[1], 'owner')
if holder and holder ~= ARGV[1] then return -1 end
local fence = redis.call('HGET', KEYS[1], 'fence')
if not holder then fence = redis.call('INCR', KEYS[2]) end
redis.call('HSET', KEYS[1], 'owner', ARGV[1], 'fence', fence)
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return tonumber(fence)`;

const RELEASE = `
if redis.call('HGET', KEYS[1], 'owner') == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

const leaseKey = (name: string) => `credgate-lease:${name}`;

type RedisClient = {
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  set(key: string, value: string, options: object): Promise<unknown>;
};

/** Several replicas on one Redis, through @keyv/redis; `redis://host:port/db`. */
export async function openRedisEngine(url: string, options: { connectTimeoutMs?: number } = {}): Promise<StoreEngine> {
  const keyvs = new Map<Namespace, Keyv>();
  const adapters: KeyvRedis<unknown>[] = [];
  for (const ns of NAMESPACES) {
    const adapter = new KeyvRedis(url);
    adapters.push(adapter);
    keyvs.set(ns, new Keyv({ store: adapter, namespace: ns, throwOnErrors: true }));
  }
  const client = (await withinConnectTimeout(adapters[0].getClient(), options.connectTimeoutMs ?? 10_000, () =>
    Promise.all(adapters.map((a) => a.disconnect().catch(() => undefined))),
  )) as unknown as RedisClient;
  const kv = (ns: Namespace) => keyvs.get(ns) as Keyv;
  // The key @keyv/redis writes for keyv key `ns:id`: keyv hands the adapter its namespace too.
  const redisKey = (ns: Namespace, id: string) => `${ns}::${ns}:${id}`;
  const serialize = async (ns: Namespace, value: unknown, ttlMs?: number) =>
    String(await kv(ns).serializeData({ value, expires: ttlMs ? systemClock().getTime() + ttlMs : undefined }));

  return {
    name: 'redis',
    shared: true,
    keyv: kv,
    async compareAndSet(ns, id, expected, doc, fence) {
      const done = Number(
        await client.eval(CAS, {
          keys: fence ? [redisKey(ns, id), leaseKey(fence.lease)] : [redisKey(ns, id)],
          arguments: [String(expected), await serialize(ns, doc), ...(fence ? [String(fence.token)] : [])],
        }),
      );
      if (done === -1 && fence) throw leaseLost(fence);
      return done === 1;
    },
    async setIfAbsent(ns, key, value, ttlMs) {
      const options = ttlMs ? { NX: true, PX: ttlMs } : { NX: true };
      return (await client.set(redisKey(ns, key), await serialize(ns, value, ttlMs), options)) === 'OK';
    },
    async acquireLease(name, owner, ttlMs) {
      const fence = Number(
        await client.eval(ACQUIRE, {
          keys: [leaseKey(name), 'credgate-lease-fence'],
          arguments: [owner, String(ttlMs)],
        }),
      );
      return fence < 0 ? null : fence;
    },
    async releaseLease(name, owner) {
      await client.eval(RELEASE, { keys: [leaseKey(name)], arguments: [owner] });
    },
    async close() {
      await Promise.all([...keyvs.values()].map((k) => k.disconnect().catch(() => undefined)));
    },
  };
}

/**
 * The Redis client reconnects forever while the server does not answer, so without a bound the
 * service would sit at start with no error and no listener. The message names no URL: openStore
 * adds the store URL without its password.
 */
async function withinConnectTimeout<T>(connecting: Promise<T>, ms: number, giveUp: () => Promise<unknown>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms (store.connectTimeout)`)), ms);
  });
  try {
    return await Promise.race([connecting, timeout]);
  } catch (err) {
    await giveUp();
    throw err;
  } finally {
    clearTimeout(timer);
  }
}
