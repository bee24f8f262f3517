import { describe, expect, it } from 'vitest';
import { lockHolder } from '../../source/engine/lock-holder.js';
import { readLockOwner } from '../../source/engine/remote/lock.js';
import { maskText, secretForms as secretValues } from '../../source/engine/clean-output.js';
import { parseConfig } from '../../source/config/load-config.js';
import { planWaves, stopReason } from '../../source/engine/waves.js';

describe('waves', () => {
	const hosts = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
	const waves = (list: readonly string[], config: Parameters<typeof planWaves>[1]) => planWaves(list, config, (name) => ({ name, tags: [] })).waves;
	it('puts the canary first, then batches', () => {
		expect(waves(hosts, { canary: 1, batch: 2 })).toEqual([['a'], ['b', 'c'], ['d', 'e'], ['f', 'g']]);
		expect(waves(hosts, { canary: 2 })).toEqual([['a', 'b'], ['c', 'd', 'e', 'f', 'g']]);
		expect(waves(hosts, { canary: 0 })).toEqual([hosts]);
		expect(waves(hosts, { canary: 0, batch: '30%' })).toEqual([['a', 'b', 'c'], ['d', 'e', 'f'], ['g']]);
		expect(waves(['a'], { canary: 3 })).toEqual([['a']]);
	});
	it('stops after a failed canary or at max failures', () => {
		expect(stopReason({}, true, ['a'])).toBe('canary a failed');
		expect(stopReason({}, false, ['b'])).toBeUndefined();
		expect(stopReason({ maxFailures: 2 }, false, ['b', 'c'])).toBe('2 failures reached max failures (2)');
		expect(stopReason({}, true, [])).toBeUndefined();
	});
});

describe('lock holders', () => {
	const owner = (machine: string, startedAt: string) => `lock-held ${JSON.stringify({ operator: 'bo@ci', machine, pid: 999999, runId: 'r-9', startedAt })}`;
	const now = new Date('2026-11-21T12:00:00Z');
	it('names the owner of a live lock', () => {
		const held = lockHolder(readLockOwner([owner('other-box', '2026-11-21T11:50:00Z')], 'held').owner, 3_600_000, now, () => true, 'this-box');
		expect(held.stale).toBe(false);
		expect(held.reason).toBe('locked by bo@ci (pid 999999, run r-9) since 2026-11-21T11:50:00Z, 10 min ago');
	});
	it('calls a lock stale when its process on this machine is gone', () => {
		const held = lockHolder(readLockOwner([owner('this-box', '2026-11-21T11:59:00Z')], 'held').owner, 3_600_000, now, () => false, 'this-box');
		expect(held.stale).toBe(true);
		expect(held.reason).toMatch(/— stale: process 999999 on this-box is gone; --break-lock removes it$/);
	});
	it('calls a lock stale when it is older than the limit', () => {
		const held = lockHolder(readLockOwner([owner('other-box', '2026-11-21T09:00:00Z')], 'held').owner, 3_600_000, now, () => true, 'this-box');
		expect(held.reason).toMatch(/180 min ago — stale: older than 60 min; --break-lock removes it$/);
	});
});

describe('secrets', () => {
	it('masks every value marked secret, longest first', () => {
		const config = parseConfig('[env]\nTOKEN = { value = "hunter2-long", secret = true }\nSHORT = { value = "hunter2", secret = true }\nPLAIN = "visible"\n[[host]]\nname = "a"\nlocal = true\n', '/x/hosts.toml');
		const secrets = secretValues(config.hosts);
		expect(secrets).toEqual(['hunter2-long', 'hunter2']);
		expect(maskText('token=hunter2-long short=hunter2 plain=visible', secrets)).toBe('token=•••••• short=•••••• plain=visible');
	});
});
