import type { ConsoleEngine } from '../../source/app/controller.js';
import type { EngineEvent, GenerationInfo, HostOutcome, LockFacts, RunSummary, StagedHost } from '../../source/engine/events.js';
import type { LockReading } from '../../source/engine/inspect-fleet.js';
import { RunFold, summarize } from '../../source/engine/outcome/run-record.js';
import type { DeployRequest, RollbackRequest, RunContext, StagedLook } from '../../source/engine/requests.js';
import { mapPlan, planWaves, withOverrides, type WavePlan } from '../../source/engine/waves.js';

/**
 * A hand-driven engine: each call records its request and plays a script of events, so tests
 * can hold a run open (`gate`), answer confirms and inspect what the console asked for.
 */
export class FakeEngine implements ConsoleEngine {
	readonly deploys: DeployRequest[] = [];
	readonly rollbacks: RollbackRequest[] = [];
	readonly listed: string[] = [];
	readonly switched: string[] = [];
	/** The wave plans deploys asked the switch question with. */
	readonly plans: WavePlan<string>[] = [];
	generations: Record<string, GenerationInfo[]> = {};
	/** Who holds each host's lock, as a listing reads it (none: unlocked). */
	locks: Record<string, LockFacts> = {};
	/** Hosts whose generation listing fails, with the reason. */
	unreachable: Record<string, string> = {};
	/** When set, deploys wait for it before finishing (to test "work is running"). */
	gate: Promise<void> | null = null;
	/** Hosts whose deploy fails (after staging), with the reason. */
	failing: Record<string, string> = {};
	/** Hosts that end a deploy some other way (manual, rolled back…), with the reason. */
	ending: Record<string, { outcome: HostOutcome; reason: string }> = {};
	/** What the confirm dialog can look at: each host changes version.txt from "old" to "new". */
	look: StagedLook = {
		changes: () => [{ path: 'version.txt', change: 'changed', bytes: 4, sha256: 'f'.repeat(64) }],
		fileDiff: async () => ({ kind: 'text', lines: ['--- a/version.txt\tgeneration 1', '+++ b/version.txt\tgeneration 2', '@@ -1 +1 @@', '-old', '+new'], truncated: false }),
	};
	/** A staged host's diff, where it differs from the others' (+3 ~1 -0, 2 KB). */
	diffs: Record<string, StagedHost['diff']> = {};
	/** Extra events per host during preflight (logs, steps). */
	script: (host: string, emit: (event: EngineEvent) => void) => void = () => {};

	async runDeploy(request: DeployRequest): Promise<RunSummary> {
		this.deploys.push(request);
		// Summarized as the engine does: folded from the events it emitted.
		const fold = new RunFold();
		const emit = (event: EngineEvent) => {
			fold.apply(event);
			request.emit(event);
		};
		const names = request.hosts.map((host) => host.name);
		emit({ type: 'run-started', runId: `run-${this.deploys.length}`, kind: 'deploy', release: request.reuse?.release ?? `rel-${this.deploys.length}`, hosts: names, phases: [...request.phases], at: new Date().toISOString() });
		const staged: StagedHost[] = [];
		for (const name of names) {
			emit({ type: 'phase', host: name, phase: 'preflight', status: 'running' });
			this.script(name, emit);
			emit({ type: 'phase', host: name, phase: 'preflight', status: 'ok', ms: 5 });
			if (request.phases.includes('upload')) {
				emit({ type: 'phase', host: name, phase: 'upload', status: 'ok', ms: 5 });
				const stage = { host: name, from: 1, to: 2, release: 'rel-test', diff: this.diffs[name] ?? { added: 3, changed: 1, removed: 0, bytes: 2048 } };
				emit({ type: 'staged', staged: stage });
				staged.push(stage);
			}
		}
		if (this.gate) await this.gate;
		const outcomes: Record<string, HostOutcome> = {};
		if (request.phases.includes('switch') && staged.length > 0) {
			// The waves as the engine plans them: by canary (count, names or @tags) and batch.
			const stagedHosts = request.hosts.filter((host) => staged.some((stage) => stage.host === host.name));
			const plan = mapPlan(planWaves(stagedHosts, withOverrides(request.config.waves, request.waves ?? {}), (host) => host), (host) => host.name);
			this.plans.push(plan);
			const yes = await request.confirm(staged, this.look, plan);
			emit({ type: 'confirm', hosts: staged, answer: yes, plan });
			for (const stage of staged) {
				if (yes && !request.signal?.aborted) {
					this.switched.push(stage.host);
					emit({ type: 'phase', host: stage.host, phase: 'switch', status: 'ok', ms: 1 });
					emit({ type: 'switched', host: stage.host, from: stage.from, to: stage.to, reason: 'deploy' });
				}
				outcomes[stage.host] = yes ? 'ok' : 'staged';
			}
		}
		for (const name of names) {
			const forced = this.ending[name];
			const outcome = request.signal?.aborted ? 'cancelled' : forced ? forced.outcome : this.failing[name] ? 'failed' : (outcomes[name] ?? 'ok');
			const reason = forced?.reason ?? this.failing[name];
			emit({ type: 'host-done', host: name, outcome, ...(reason ? { reason } : {}) });
			outcomes[name] = outcome;
		}
		const summary = summarize(fold.record, request.signal?.aborted === true);
		emit({ type: 'run-finished', runId: `run-${this.deploys.length}`, summary, at: new Date().toISOString(), cancelled: request.signal?.aborted === true });
		return summary;
	}

	async runRollback(request: RollbackRequest): Promise<RunSummary> {
		this.rollbacks.push(request);
		const fold = new RunFold();
		const emit = (event: EngineEvent) => {
			fold.apply(event);
			request.emit(event);
		};
		const runId = `rollback-${this.rollbacks.length}`;
		emit({ type: 'run-started', runId, kind: 'rollback', release: 'previous generation', hosts: request.hosts.map((host) => host.name), phases: ['preflight', 'switch', 'validate'], at: new Date().toISOString() });
		for (const host of request.hosts) emit({ type: 'host-done', host: host.name, outcome: 'ok' });
		const summary = summarize(fold.record);
		emit({ type: 'run-finished', runId, summary, at: new Date().toISOString(), cancelled: false });
		return summary;
	}

	async breakLocks(context: RunContext): Promise<RunSummary> {
		const fold = new RunFold();
		const emit = (event: EngineEvent) => {
			fold.apply(event);
			context.emit(event);
		};
		emit({ type: 'run-started', runId: 'break-lock', kind: 'break-lock', release: 'break-lock', hosts: context.hosts.map((host) => host.name), phases: [], at: new Date().toISOString() });
		for (const host of context.hosts) {
			const held = host.name in this.locks;
			delete this.locks[host.name];
			emit({ type: 'log', host: host.name, stream: 'info', line: held ? 'lock removed' : 'no lock was held' });
			emit({ type: 'host-done', host: host.name, outcome: held ? 'ok' : 'skipped' });
		}
		const summary = summarize(fold.record);
		emit({ type: 'run-finished', runId: 'break-lock', summary, at: new Date().toISOString(), cancelled: false });
		return summary;
	}

	async readLocks(context: RunContext): Promise<Map<string, LockReading>> {
		return new Map(context.hosts.map((host) => [host.name, { holder: this.locks[host.name] ? { stale: this.locks[host.name]!.stale, reason: this.locks[host.name]!.reason } : null }]));
	}

	/** While set, listings wait for it: a host that is slow to answer. */
	listingGate: Promise<void> | undefined;

	async listGenerations(context: RunContext): Promise<void> {
		await this.listingGate;
		for (const host of context.hosts) {
			this.listed.push(host.name);
			const failure = this.unreachable[host.name];
			if (failure) {
				context.emit({ type: 'host-done', host: host.name, outcome: 'failed', reason: failure });
				continue;
			}
			const list = this.generations[host.name] ?? [];
			context.emit({ type: 'run-started', runId: 'list', kind: 'check', release: 'generations', hosts: [host.name], phases: [], at: '' });
			context.emit({ type: 'generations', host: host.name, current: list.find((generation) => generation.current)?.id ?? null, generations: list });
			context.emit({ type: 'host-facts', host: host.name, lock: this.locks[host.name] ?? null });
			context.emit({ type: 'host-done', host: host.name, outcome: 'ok' });
		}
	}

	async tailLogs(_host: unknown, _openTransport: unknown, onLine: (line: string) => void, signal: AbortSignal): Promise<void> {
		onLine('service says hello');
		await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
	}
}

export function generation(id: number, release: string, current = false): GenerationInfo {
	return { id, release, created: `2026-11-2${id}T10:0${id}:00Z`, by: 'alice@laptop', bytes: 1024 * id, files: 3, current, status: 'live' };
}
