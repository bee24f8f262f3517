import { describe, expect, it } from 'vitest';
import { describeWavePlan } from '../../source/engine/outcome/words.js';
import type { StagedHost } from '../../source/engine/events.js';
import { groupStaged, stagedReleases } from '../../source/engine/staged-groups.js';
import { canaryTargets, unknownCanaryTargets, type WaveMember } from '../../source/config/canary.js';
import { parseCanary, planWaves, withOverrides } from '../../source/engine/waves.js';

/** The demo fleet's names and tags: delta is the one tagged canary. */
const demo: WaveMember[] = [
	{ name: 'alpha', tags: ['web', 'eu'] },
	{ name: 'bravo', tags: ['web', 'us'] },
	{ name: 'charlie', tags: ['api', 'eu'] },
	{ name: 'delta', tags: ['api', 'canary'] },
];
const names = (waves: readonly (readonly WaveMember[])[]) => waves.map((wave) => wave.map((host) => host.name));
const plan = (config: Parameters<typeof planWaves>[1], hosts = demo) => planWaves(hosts, config, (host) => host);

describe('waves aimed by tag, name or count', () => {
	it('takes the hosts carrying a @tag as the canary, whatever their place in the config', () => {
		const planned = plan({ canary: ['@canary'] });
		expect(names(planned.waves)).toEqual([['delta'], ['alpha', 'bravo', 'charlie']]);
		expect(planned.canary).toBe(true);
	});

	it('takes named hosts (and tags mixed in), in config order', () => {
		expect(names(plan({ canary: ['delta', 'bravo'] }).waves)).toEqual([['bravo', 'delta'], ['alpha', 'charlie']]);
		expect(names(plan({ canary: ['@us', 'charlie'], batch: 1 }).waves)).toEqual([['bravo', 'charlie'], ['alpha'], ['delta']]);
	});

	it('still takes a count as the first hosts', () => {
		expect(names(plan({ canary: 1 }).waves)).toEqual([['alpha'], ['bravo', 'charlie', 'delta']]);
		expect(plan({ canary: 0 }).canary).toBe(false);
	});

	it('has no canary wave when none of the hosts to switch is one, and says which choice matched none', () => {
		const planned = plan({ canary: ['@canary'] }, demo.slice(0, 2));
		expect(names(planned.waves)).toEqual([['alpha', 'bravo']]);
		expect(planned.canary).toBe(false);
		expect(planned.unmatched).toEqual(['@canary']);
	});

	it('finds names and tags that are no host of the config', () => {
		expect(unknownCanaryTargets(['@canary', 'delta'], demo)).toEqual([]);
		expect(unknownCanaryTargets(['@canari', 'deltaa', 'alpha'], demo)).toEqual(['@canari', 'deltaa']);
		expect(unknownCanaryTargets(3, demo)).toEqual([]);
		expect(canaryTargets(demo)).toEqual(['@web', '@eu', '@us', '@api', '@canary', 'alpha', 'bravo', 'charlie', 'delta']);
	});

	it('reads --canary as a count, a @tag or names', () => {
		expect(parseCanary('2')).toBe(2);
		expect(parseCanary('@canary')).toEqual(['@canary']);
		expect(parseCanary('delta,web-01')).toEqual(['delta', 'web-01']);
		expect(() => parseCanary(',')).toThrow(/--canary takes a number of hosts, @tag or host names/);
		expect(() => parseCanary('a b')).toThrow(/not "a b"/);
	});

	it('keeps hosts.toml values the command line leaves out', () => {
		expect(withOverrides({ canary: ['@canary'], batch: 2, maxFailures: 1 }, { canary: 1, batch: undefined })).toEqual({ canary: 1, batch: 2, maxFailures: 1 });
	});
});

describe('the wave plan in words', () => {
	const wavePlan = (waves: string[][], canary: boolean, unmatched?: string[]) => ({ waves, canary, ...(unmatched ? { unmatched } : {}) });
	it('names the canary and counts the rest', () => {
		expect(describeWavePlan(wavePlan([['delta'], ['alpha', 'bravo', 'charlie']], true))).toBe('wave 1 (canary): delta · wave 2: 3 hosts');
		expect(describeWavePlan(wavePlan([['a', 'b', 'c', 'd']], false))).toBe('all 4 hosts at once');
	});

	it('says batches of one size once', () => {
		const batches = Array.from({ length: 20 }, (_, index) => Array.from({ length: index === 19 ? 6 : 10 }, (__, at) => `web-${index}-${at}`));
		expect(describeWavePlan(wavePlan([['canary-1'], ...batches], true))).toBe('wave 1 (canary): canary-1 · waves 2–20: 10 hosts each · wave 21: 6 hosts');
	});

	it('says when the canary named none of the hosts', () => {
		expect(describeWavePlan(wavePlan([['alpha', 'bravo']], false, ['@canary']))).toBe('all 2 hosts at once (no canary: @canary is none of these hosts)');
	});
});

describe('staged hosts grouped by their change', () => {
	const stage = (host: string, from: number | null, added = 5, release = 'r1'): StagedHost => ({ host, from, to: (from ?? 0) + 1, release, diff: { added, changed: 0, removed: 0, bytes: 3482 } });

	it('puts hosts with the same change on one line, the biggest group first, outliers apart in staged order', () => {
		const staged = [stage('odd-1', 3), ...Array.from({ length: 196 }, (_, index) => stage(`web-${index}`, null)), stage('odd-2', null, 7)];
		const groups = groupStaged(staged);
		expect(groups.map((group) => group.hosts.length)).toEqual([196, 1, 1]);
		expect(groups[0]!.first.host).toBe('web-0');
		expect(groups.slice(1).map((group) => group.hosts)).toEqual([['odd-1'], ['odd-2']]);
	});

	it('counts the releases the staged hosts would switch to', () => {
		expect(stagedReleases([stage('a', 1), stage('b', 1), stage('c', 1, 5, 'r0')])).toEqual([
			{ release: 'r1', hosts: 2 },
			{ release: 'r0', hosts: 1 },
		]);
	});
});
