import { existsSync, readFileSync } from 'node:fs';
import ssh2, { type AnyAuthMethod } from 'ssh2';
import type { SshEndpoint } from './ssh-target.js';

/**
 * Which credentials to offer, in OpenSSH's order: the agent first, then the IdentityFiles
 * from ssh_config, or (when none are configured) the default key files that exist.
 */

export interface AuthPlan {
	/** Handed to ssh2's `authHandler`, which tries them in order. */
	readonly methods: AnyAuthMethod[];
	/** What was offered, for "authentication failed … (tried: agent, ~/.ssh/id_ed25519)". */
	readonly tried: readonly string[];
	/** Key files we could not use (passphrase-protected, unreadable), explained. */
	readonly unusable: readonly string[];
}

export interface AuthEnvironment {
	readonly home: string;
	/** SSH_AUTH_SOCK, if any. */
	readonly agentSocket?: string;
}

const defaultKeyFiles = ['id_ed25519', 'id_ecdsa', 'id_rsa'];

export function planAuth(endpoint: SshEndpoint, env: AuthEnvironment): AuthPlan {
	const methods: AnyAuthMethod[] = [];
	const tried: string[] = [];
	const unusable: string[] = [];
	const username = endpoint.user;
	if (env.agentSocket && existsSync(env.agentSocket)) {
		methods.push({ type: 'agent', username, agent: env.agentSocket });
		tried.push('agent');
	}
	const files =
		endpoint.identityFiles.length > 0 ? endpoint.identityFiles : defaultKeyFiles.map((name) => `${env.home}/.ssh/${name}`);
	for (const file of files) {
		if (!existsSync(file)) continue;
		const shown = tildePath(file, env.home);
		let data: Buffer;
		try {
			data = readFileSync(file);
		} catch (error) {
			unusable.push(`${shown} is unreadable (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
			continue;
		}
		const parsed = ssh2.utils.parseKey(data);
		if (parsed instanceof Error) {
			// Headless runs cannot ask for a passphrase; the agent is the way to use such a key.
			unusable.push(
				/encrypted|passphrase/i.test(parsed.message)
					? `${shown} is passphrase-protected (add it to ssh-agent)`
					: `${shown} is not a usable private key (${parsed.message})`,
			);
			continue;
		}
		methods.push({ type: 'publickey', username, key: data });
		tried.push(shown);
	}
	return { methods, tried, unusable };
}

export function describeAuthFailure(endpoint: SshEndpoint, plan: AuthPlan): string {
	const tried = plan.tried.length > 0 ? `tried: ${plan.tried.join(', ')}` : 'nothing to offer: no ssh-agent and no key files';
	const unusable = plan.unusable.length > 0 ? `; ${plan.unusable.join('; ')}` : '';
	return `authentication failed for ${endpoint.user}@${endpoint.host} (${tried})${unusable}`;
}

function tildePath(path: string, home: string): string {
	const prefix = `${home.replace(/\/$/, '')}/`;
	return path.startsWith(prefix) ? `~/${path.slice(prefix.length)}` : path;
}
