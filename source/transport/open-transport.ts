import type { HostConfig } from '../config/types.js';
import { LocalTransport } from './local.js';
import { LazySshTransport } from './lazy-ssh.js';
import type { Transport } from './transport.js';

/** Options that change how SSH hosts are reached (CLI flags). */
export interface SshOptions {
	/** ssh_config file to resolve aliases from; default ~/.ssh/config. */
	readonly configFile?: string;
	/** known_hosts file; default from ssh_config's UserKnownHostsFile, else ~/.ssh/known_hosts. */
	readonly knownHostsFile?: string;
	/** Record keys of hosts not yet in known_hosts (OpenSSH's accept-new). Never overrides a changed key. */
	readonly acceptNewHostKeys?: boolean;
	/** Handshake + authentication deadline per host; default 10 s. */
	readonly connectTimeoutMs?: number;
	/** Channels open at once per connection; default 8 (sshd's MaxSessions is 10). */
	readonly maxChannels?: number;
	/** One-off messages for the operator, e.g. "Permanently added [10.0.0.5]:2222 (ssh-ed25519 …)". */
	readonly onNotice?: (message: string) => void;
}

export function transportFactory(ssh: SshOptions = {}): (host: HostConfig) => Transport {
	return (host) => {
		if (host.transport.kind === 'local') return new LocalTransport();
		return new LazySshTransport({ ...ssh, target: host.transport.target });
	};
}
