import { afterEach, describe, expect, it, vi } from 'vitest';
import { createConsoleStore, deployTargets } from '../../source/store/console-store.js';
import { filterHosts } from '../../source/store/host-filter.js';
import { smallFleet } from './host-fixtures.js';

afterEach(() => {
	vi.useRealTimers();
});

describe('console store', () => {
	it('publishes engine events in batches, not per event', () => {
		vi.useFakeTimers();
		const store = createConsoleStore({ hosts: smallFleet(), publishIntervalMs: 100 });
		const published = vi.fn();
		store.subscribe(published);
		store.getState().ingest({ type: 'run-started', runId: 'r1', kind: 'deploy', release: 'rel-1', hosts: ['web-1', 'web-2'], phases: ['preflight', 'upload'], at: '' });
		for (let index = 0; index < 500; index += 1) store.getState().ingest({ type: 'log', host: 'web-1', stream: 'stdout', line: `line ${index}` });
		expect(published).not.toHaveBeenCalled();
		expect(store.getState().hosts['web-1']?.lastLine).toBe('');
		vi.advanceTimersByTime(100);
		expect(published).toHaveBeenCalledTimes(1);
		expect(store.getState().hosts['web-1']?.lastLine).toBe('line 499');
		expect(store.getState().run.release).toBe('rel-1');
		store.getState().ingest({ type: 'log', host: 'web-1', stream: 'stdout', line: 'later' });
		vi.advanceTimersByTime(99);
		expect(published).toHaveBeenCalledTimes(1);
		vi.advanceTimersByTime(1);
		expect(published).toHaveBeenCalledTimes(2);
	});

	it('keeps untouched hosts as the same object so their tiles do not re-render', () => {
		const store = createConsoleStore({ hosts: smallFleet() });
		const before = store.getState().hosts;
		store.getState().ingest({ type: 'log', host: 'web-1', stream: 'stdout', line: 'x' });
		store.getState().flush();
		const after = store.getState().hosts;
		expect(after['web-1']).not.toBe(before['web-1']);
		expect(after['web-2']).toBe(before['web-2']);
		expect(after['db-1']).toBe(before['db-1']);
		store.getState().dispose();
	});

	it('bounds each host log to its ring buffer capacity', () => {
		const store = createConsoleStore({ hosts: smallFleet(), logCapacity: 50 });
		for (let index = 0; index < 1000; index += 1) store.getState().ingest({ type: 'log', host: 'db-1', stream: 'stdout', line: `l${index}` });
		store.getState().flush();
		const log = store.getState().logOf('db-1');
		expect(log.length).toBe(50);
		expect(log.at(49)?.text).toBe('l999');
		expect(store.getState().hosts['db-1']?.logTotal).toBe(1000);
		expect(store.getState().allLogs().length).toBeLessThanOrEqual(200);
	});

	it('applies phases, steps, staging, switching and the outcome to the host', () => {
		const store = createConsoleStore({ hosts: smallFleet() });
		const { ingest } = store.getState();
		ingest({ type: 'run-started', runId: 'r1', kind: 'deploy', release: 'rel', hosts: ['web-1'], phases: ['build', 'preflight', 'upload', 'switch', 'validate'], at: '' });
		ingest({ type: 'phase', host: null, phase: 'build', status: 'ok', ms: 10 });
		ingest({ type: 'phase', host: 'web-1', phase: 'preflight', status: 'running' });
		ingest({ type: 'step', host: 'web-1', name: 'migrate', state: 'running' });
		ingest({ type: 'step', host: 'web-1', name: 'migrate', state: 'success' });
		ingest({ type: 'staged', staged: { host: 'web-1', from: 3, to: 4, release: 'r4', diff: { added: 1, changed: 2, removed: 0, bytes: 10 } } });
		store.getState().flush();
		let web1 = store.getState().hosts['web-1'];
		expect(web1?.phases.map((mark) => `${mark.phase}:${mark.status}`)).toEqual(['build:ok', 'preflight:running', 'upload:pending', 'switch:pending', 'validate:pending']);
		expect(web1?.steps).toEqual([{ name: 'migrate', state: 'success' }]);
		expect([web1?.current, web1?.target]).toEqual([3, 4]);
		ingest({ type: 'phase', host: 'web-1', phase: 'upload', status: 'failed', reason: 'disk full' });
		ingest({ type: 'host-done', host: 'web-1', outcome: 'failed' });
		store.getState().flush();
		web1 = store.getState().hosts['web-1'];
		expect(web1?.reason).toBe('upload: disk full');
		expect(web1?.outcome).toBe('failed');
		expect(web1?.phases.map((mark) => mark.status)).toEqual(['ok', 'failed', 'failed', 'skipped', 'skipped']);
	});

	it('filters by name, glob and tag, and toggles all visible hosts', () => {
		const hosts = smallFleet();
		expect(filterHosts(hosts, '@web').map((host) => host.name)).toEqual(['web-1', 'web-2', 'web-3']);
		expect(filterHosts(hosts, '*-1').map((host) => host.name)).toEqual(['web-1', 'db-1', 'edge-1']);
		expect(filterHosts(hosts, 'DB').map((host) => host.name)).toEqual(['db-1']);
		const store = createConsoleStore({ hosts });
		store.getState().startFilter();
		store.getState().editFilter('@db');
		expect(store.getState().visible).toEqual(['db-1']);
		expect(store.getState().focus).toBe('db-1');
		store.getState().applyFilter();
		store.getState().toggleAll();
		expect([...store.getState().selected]).toEqual(['db-1']);
		store.getState().toggleAll();
		expect(store.getState().selected.size).toBe(0);
		expect(deployTargets(store.getState()).hosts).toEqual(['db-1']);
	});

	it('preselects hosts by name and tag', () => {
		const store = createConsoleStore({ hosts: smallFleet(), preselect: { hosts: ['edge-1'], tags: ['db'] } });
		expect(deployTargets(store.getState()).hosts).toEqual(['db-1', 'edge-1']);
	});
});
