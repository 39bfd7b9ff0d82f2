import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { configReference, schemaLeaves } from '../../src/config';
import { withReference } from '../../scripts/readme-config';

describe('README configuration reference', () => {
  const readme = readFileSync(path.resolve(__dirname, '..', '..', '..', 'README.md'), 'utf8');

  it('is the one generated from the schema (npm run docs:config)', () => {
    expect(withReference(readme, configReference())).to.equal(readme);
  });

  it('lists every configuration key', () => {
    for (const leaf of schemaLeaves()) expect(readme).to.include(`\`${leaf.key}\``);
  });
});
