import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkLicense, debianCopyrightLicense } from './licenses.js';

test('permissive licenses are accepted under their usual spellings', () => {
  for (const [given, canonical] of [['MIT', 'MIT'], ['mit', 'MIT'], ['ISC', 'ISC'], ['BSD-2-Clause', 'BSD-2-Clause'], ['BSD-3-clause', 'BSD-3-Clause'],
    ['Apache-2.0', 'Apache-2.0'], ['0BSD', '0BSD'], ['PSF-2.0', 'PSF-2.0'], ['Expat', 'MIT'], ['(MIT)', 'MIT']]) {
    assert.deepEqual(checkLicense(given), { accepted: true, license: canonical }, given);
  }
});

test('copyleft, unknown and missing licenses are refused with the reason', () => {
  for (const l of ['GPL-3.0', 'LGPL-2.1+', 'MPL-2.0', 'AGPL-3.0-only', 'SEE LICENSE IN LICENSE.md', 'UNLICENSED', 'CC-BY-4.0', 'Apache', 'MIT-style']) {
    const v = checkLicense(l);
    assert.equal(v.accepted, false, l);
    if (!v.accepted) assert.match(v.reason, /not one of the accepted/);
  }
  assert.equal(checkLicense(undefined).accepted, false);
  assert.equal(checkLicense('  ').accepted, false);
});

test('SPDX expressions: OR needs one accepted choice, AND needs all parts accepted', () => {
  assert.deepEqual(checkLicense('(MIT OR GPL-3.0)'), { accepted: true, license: 'MIT' });
  assert.deepEqual(checkLicense('GPL-2.0 OR Apache-2.0'), { accepted: true, license: 'Apache-2.0' });
  assert.equal(checkLicense('MIT AND GPL-3.0').accepted, false);
  assert.deepEqual(checkLicense('MIT AND (BSD-3-Clause OR GPL-2.0)'), { accepted: true, license: 'MIT AND BSD-3-Clause' });
  assert.equal(checkLicense('(GPL-2.0 OR LGPL-3.0) AND MIT').accepted, false);
});

const dep5 = (stanzas: Array<[string, string]>) =>
  'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\nUpstream-Name: x\n\n' +
  stanzas.map(([files, lic]) => `Files: ${files}\nCopyright: someone\nLicense: ${lic}\n`).join('\n') + '\nLicense: MIT\n Permission is hereby granted...\n';

test('Debian copyright files: every Files stanza but debian/* must be permissive', () => {
  assert.deepEqual(debianCopyrightLicense(dep5([['*', 'Expat'], ['debian/*', 'GPL-2+']])), { accepted: true, license: 'MIT' });
  assert.deepEqual(debianCopyrightLicense(dep5([['*', 'BSD-3-clause'], ['src/x.py', 'PSF-2']])), { accepted: true, license: 'BSD-3-Clause AND PSF-2.0' });
  const gpl = debianCopyrightLicense(dep5([['*', 'MIT'], ['tools/*', 'GPL-3+']]));
  assert.equal(gpl.accepted, false);
  if (!gpl.accepted) assert.match(gpl.reason, /GPL-3\+/);
  assert.equal(debianCopyrightLicense('This package was debianized by someone.\nIt is under the MIT license.\n').accepted, false);
});
