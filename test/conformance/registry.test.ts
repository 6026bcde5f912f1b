import { expect } from 'chai';
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { CONNECTORS, connectorDefinition } from '../../connectors';
import { DRIVERS } from './drivers';

const ROOT = join(__dirname, '../../connectors');

describe('connector registry', () => {
  // kit/ holds what every connector shares; it is not a connector itself.
  const folders = readdirSync(ROOT).filter((f) => f !== 'kit' && statSync(join(ROOT, f)).isDirectory());

  it('registers every connector folder, and each has the same files', () => {
    expect(CONNECTORS.map((c) => c.id).sort()).to.deep.equal(folders.sort());
    for (const f of folders) {
      for (const file of ['index.ts', 'client.ts', 'mappers.ts', 'verify.ts', 'schema.ts', 'types.ts', 'readme.md']) {
        expect(existsSync(join(ROOT, f, file)), `connectors/${f}/${file}`).to.equal(true);
      }
    }
  });

  it('has a conformance driver for every connector', () => {
    expect(DRIVERS.map((d) => d.id).sort()).to.deep.equal(folders.sort());
  });

  it('fails on an unknown id, listing the valid ones', () => {
    expect(() => connectorDefinition('jirra')).to.throw(
      `unknown connector "jirra"; known connectors: ${CONNECTORS.map((c) => c.id).join(', ')}`,
    );
  });
});
