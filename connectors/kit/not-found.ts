import { CredgateError } from '../../src/util/errors';

/** Runs a read whose "not found" means "nothing there" (a deleted ticket): null instead of a throw. */
export async function orNullIfNotFound<T>(read: () => Promise<T>): Promise<T | null> {
  try {
    return await read();
  } catch (err) {
    if (err instanceof CredgateError && err.kind === 'not-found') return null;
    throw err;
  }
}
