import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import {
	checkHostKey,
	fingerprintSha256,
	keyTypeOf,
	knownHostName,
	knownHostsLine,
	lookupKnownHost,
	parseKnownHosts,
	preferredHostKeyAlgorithms,
	type HostKeyAlgorithm,
	type KnownHostEntry,
} from './known-hosts.js';

/**
 * The file side of host key checking: reads the known_hosts files for one endpoint, judges
 * the key the server presents (known-hosts.ts decides), and records a new key only when the
 * operator asked for accept-new. ssh2 calls `verify` during the handshake.
 */
export interface HostKeyCheck {
	/** Host key algorithms to offer, known types for this host first. */
	readonly algorithms: HostKeyAlgorithm[];
	/** ssh2 `hostVerifier`: true lets the handshake continue. */
	verify(blob: Buffer): boolean;
	/** Why `verify` said no, as one line for the operator. */
	readonly refusal: string | undefined;
}

export interface HostKeyPolicy {
	/** Files to read; new keys go to the first. */
	readonly knownHostsFiles: readonly string[];
	readonly acceptNew: boolean;
	/** Told when a key is recorded ("Permanently added …"). */
	readonly onNotice?: (message: string) => void;
}

export function prepareHostKeyCheck(host: string, port: number, policy: HostKeyPolicy): HostKeyCheck {
	const entries: KnownHostEntry[] = policy.knownHostsFiles.flatMap((file) => parseKnownHosts(readIfExists(file)));
	const lookup = lookupKnownHost(entries, host, port);
	const name = knownHostName(host, port);
	let refusal: string | undefined;
	return {
		algorithms: preferredHostKeyAlgorithms(lookup.keys.map((key) => key.type)),
		get refusal() {
			return refusal;
		},
		verify(blob) {
			const verdict = checkHostKey(lookup, blob);
			const offered = `${keyTypeOf(blob)} ${fingerprintSha256(blob)}`;
			const files = policy.knownHostsFiles.join(', ') || '(no known_hosts file)';
			switch (verdict.kind) {
				case 'trusted':
					return true;
				case 'revoked':
					refusal = `host key for ${name} (${offered}) is marked @revoked in ${files} — refusing`;
					return false;
				case 'changed':
					refusal =
						`host key for ${name} changed! The server offered ${offered}, but ${files} holds a different ` +
						`${verdict.knownTypes.join('/')} key — possible man-in-the-middle; refusing. If the change is expected, ` +
						`remove the old key: ssh-keygen -R "${name}"`;
					return false;
				case 'unknown': {
					const first = policy.knownHostsFiles[0];
					if (!policy.acceptNew || first === undefined) {
						refusal = `unknown host key for ${name}: ${offered} — run with --accept-new-host-keys to trust it`;
						return false;
					}
					try {
						appendKnownHost(first, knownHostsLine(host, port, blob));
					} catch (error) {
						refusal = `cannot record host key for ${name} in ${first}: ${(error as Error).message}`;
						return false;
					}
					policy.onNotice?.(`Permanently added ${name} (${offered}) to ${first}`);
					return true;
				}
			}
		},
	};
}

function appendKnownHost(file: string, line: string): void {
	mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
	const existing = readIfExists(file);
	const separator = existing === '' || existing.endsWith('\n') ? '' : '\n';
	appendFileSync(file, `${separator}${line}\n`, { mode: 0o600 });
}

function readIfExists(file: string): string {
	try {
		return readFileSync(file, 'utf8');
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
		throw error;
	}
}
