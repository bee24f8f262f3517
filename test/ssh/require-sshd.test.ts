import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test, vi } from 'vitest';
import { repoRoot } from '../fleet/fleet.js';
import { requireSshd } from '../fleet/require-sshd.js';

describe('requireSshd', () => {
	const missing = '/nonexistent/sbin/sshd';

	test('present: run the tests', () => {
		expect(requireSshd('present', { sshd: process.execPath, env: { CI: 'true' } })).toBe(true);
	});

	test('missing outside CI: skip, and say so in a warning and in test/.tmp/sshd-skips.log', () => {
		const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
		const suite = `gate-check-${process.pid}-${Date.now()}`;
		expect(requireSshd(suite, { sshd: missing, env: {} })).toBe(false);
		expect(warn).toHaveBeenCalledWith(expect.stringContaining(`${suite}: skipped, ${missing} is not installed`));
		const log = join(repoRoot, 'test', '.tmp', 'sshd-skips.log');
		expect(existsSync(log) && readFileSync(log, 'utf8')).toContain(suite);
		warn.mockRestore();
	});

	test('missing in CI: fail loudly instead of skipping', () => {
		expect(() => requireSshd('ci', { sshd: missing, env: { CI: 'true' } })).toThrow('CI must run the SSH tests');
		expect(() => requireSshd('ci', { sshd: missing, env: { CI: '1' } })).toThrow();
		expect(requireSshd('not ci', { sshd: missing, env: { CI: 'false' } })).toBe(false);
	});
});
