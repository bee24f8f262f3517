import { access } from 'node:fs/promises';
import { execa } from 'execa';
import type { BuildConfig } from '../config/types.js';
import { LineSplitter } from '../transport/line-splitter.js';
import { fingerprint, type Artifact } from './artifact.js';
import type { EmitEvent } from './events.js';
import { HostFailure } from './host-session.js';
import { fillTemplate } from './remote/quote.js';

export interface BuildRequest {
	readonly build: BuildConfig;
	/** Set for per-host builds ({host} in the command or artifact). */
	readonly host?: string;
	readonly release: string;
	readonly emit: EmitEvent;
	readonly signal?: AbortSignal;
	/** False to only fingerprint an artifact built earlier (--skip-build). */
	readonly run: boolean;
}

export const artifactDir = (build: BuildConfig, host?: string): string => (host ? build.artifact.replaceAll('{host}', host) : build.artifact);

/** Runs [build].command on this machine, streaming its output, then fingerprints the artifact. */
export async function buildArtifact(request: BuildRequest): Promise<Artifact> {
	const { build, host, emit } = request;
	const logHost = host ?? null;
	if (request.run && build.command) {
		const command = fillTemplate(build.command, { host, release: request.release });
		emit({ type: 'log', host: logHost, stream: 'info', line: `$ ${command}` });
		const child = execa('sh', ['-c', command], {
			cwd: build.cwd,
			reject: false,
			buffer: false,
			stdin: 'ignore',
			cancelSignal: request.signal,
			env: { SWITCHYARD_RELEASE: request.release, ...(host ? { SWITCHYARD_HOST: host } : {}) },
		});
		let lastError = '';
		for (const stream of ['stdout', 'stderr'] as const) {
			const splitter = new LineSplitter((line) => {
				if (stream === 'stderr' && line.trim()) lastError = line.trim();
				emit({ type: 'log', host: logHost, stream, line });
			});
			child[stream]?.on('data', (chunk: Buffer) => splitter.push(chunk));
			child[stream]?.on('end', () => splitter.flush());
		}
		const result = await child;
		if (result.isCanceled) throw new HostFailure('build cancelled');
		if (result.exitCode !== 0) throw new HostFailure(`build failed (exit ${result.exitCode ?? result.signal})${lastError ? `: ${lastError}` : ''}`);
	}
	const dir = artifactDir(build, host);
	try {
		await access(dir);
	} catch {
		throw new HostFailure(`no artifact at ${dir}${request.run ? ' after the build' : ' (run the build phase first)'}`);
	}
	return fingerprint(dir);
}
