import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { configReference, schemaLeaves } from '../../src/config';
import { generated, parseReadmeConfigArgs, withReference } from '../../scripts/readme-config';
import { PAUSE_REASONS, PAUSE_REASON_SPECS } from '../../src/flow/pause-reasons';

describe('README configuration reference', () => {
  const readme = readFileSync(path.resolve(__dirname, '..', '..', '..', 'README.md'), 'utf8');

  it('is the one generated from the schema (npm run docs:config)', () => {
    expect(withReference(readme, configReference())).to.equal(readme);
  });

  it('its generated sections are current (npm run docs:config)', () => {
    expect(generated(readme)).to.equal(readme);
  });

  it('lists every pause reason with its metric label (from the registry)', () => {
    for (const r of PAUSE_REASONS) expect(readme).to.include(`| \`${r}\` (\`${PAUSE_REASON_SPECS[r].label}\`) |`);
  });

  it('lists every configuration key', () => {
    for (const leaf of schemaLeaves()) expect(readme).to.include(`\`${leaf.key}\``);
  });

  it('its command line: --check, and an unknown flag gets the nearest one', () => {
    expect(parseReadmeConfigArgs(['--check'])).to.deep.equal({ check: true, help: false });
    expect(() => parseReadmeConfigArgs(['--chek'])).to.throw(/unknown option --chek: did you mean --check\?/);
  });
});
