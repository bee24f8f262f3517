import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test, vi } from 'vitest';
import { requireSshd } from '../fleet/require-sshd.js';

describe('requireSshd', () => {
	const missing = '/nonexistent/sbin/sshd';

	test('present: run the tests', () => {
		expect(requireSshd('present', { sshd: process.execPath, env: { CI: 'true' } })).toBe(true);
	});

	test('missing outside CI: skip, and say so in a warning and in the skip log (test/.tmp/sshd-skips.log)', () => {
		const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
		const skipLog = join(mkdtempSync(join(tmpdir(), 'switchyard-skips-')), 'sshd-skips.log');
		expect(requireSshd('gate check', { sshd: missing, env: {}, skipLog })).toBe(false);
		expect(warn).toHaveBeenCalledWith(expect.stringContaining(`gate check: skipped, ${missing} is not installed`));
		expect(readFileSync(skipLog, 'utf8')).toContain('gate check: skipped');
		warn.mockRestore();
	});

	test('missing in CI: fail loudly instead of skipping', () => {
		vi.spyOn(console, 'warn').mockImplementation(() => {});
		expect(() => requireSshd('ci', { sshd: missing, env: { CI: 'true' } })).toThrow('CI must run the SSH tests');
		expect(() => requireSshd('ci', { sshd: missing, env: { CI: '1' } })).toThrow();
		const skipLog = join(mkdtempSync(join(tmpdir(), 'switchyard-skips-')), 'sshd-skips.log');
		expect(requireSshd('not ci', { sshd: missing, env: { CI: 'false' }, skipLog })).toBe(false);
		vi.restoreAllMocks();
	});
});
