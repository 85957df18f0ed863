import { ConfigError } from '@genswap/config';
import { CoreError } from '@genswap/core';
import { expect, it } from 'vitest';
import { problemsOf } from './problems.js';

it('keeps located config problems, and turns other failures into one problem with their code', () => {
  const located = { file: '/c.yaml', line: 2, column: 3, path: 'a', message: 'bad', code: 'GENSWAP_CONFIG_TYPE' };
  expect(problemsOf(new ConfigError('/c.yaml', [located]), '/c.yaml')).toEqual([located]);
  // The originating package's code and fix, not the supervisor's.
  const tooBig = new CoreError('GENSWAP_VALUE_TOO_LARGE', 'too big');
  expect(problemsOf(tooBig, '/c.yaml')).toEqual([{ file: '/c.yaml', line: 0, column: 0, path: '', message: 'too big', code: 'GENSWAP_VALUE_TOO_LARGE', fix: tooBig.fix }]);
  expect(problemsOf(new TypeError('oops'), '/c.yaml')).toEqual([{ file: '/c.yaml', line: 0, column: 0, path: '', message: 'oops', code: 'GENSWAP_RELOAD_FAILED' }]);
});
