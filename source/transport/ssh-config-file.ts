import { readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import SSHConfig from 'ssh-config';
import { expandPath } from './ssh-target.js';

/**
 * Reads an ssh_config file with its `Include`s inlined. The ssh-config package parses and
 * computes but leaves Include alone, so we splice the included files in as text first.
 */

export interface ConfigFileSystem {
	readFile(path: string): string | undefined;
	/** Entries of a directory (names only), or [] if it does not exist. */
	list(dir: string): string[];
}

const realFileSystem: ConfigFileSystem = {
	readFile(path) {
		try {
			return readFileSync(path, 'utf8');
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
			throw error;
		}
	},
	list(dir) {
		try {
			return readdirSync(dir);
		} catch {
			return [];
		}
	},
};

/** Loads ~/.ssh/config (or `file`); a missing default file means "no config", like ssh. */
export function loadSshConfig(file: string | undefined, home = homedir(), fs = realFileSystem): SSHConfig | undefined {
	const path = file ?? join(home, '.ssh', 'config');
	const text = fs.readFile(path);
	if (text === undefined) {
		if (file !== undefined) throw new Error(`ssh config file ${file} does not exist`);
		return undefined;
	}
	return SSHConfig.parse(inlineIncludes(text, { home, fs, depth: 0 }));
}

const includeLine = /^\s*include(?:\s*=\s*|\s+)(.+?)\s*$/i;
const sectionLine = /^\s*(host|match)(?:\s*=\s*|\s+)/i;
const maxDepth = 16; // OpenSSH's READCONF_MAX_DEPTH

interface InlineContext {
	readonly home: string;
	readonly fs: ConfigFileSystem;
	readonly depth: number;
}

export function inlineIncludes(text: string, context: InlineContext): string {
	if (context.depth > maxDepth) throw new Error('ssh config: Include nested too deeply');
	let section: string | undefined;
	const out: string[] = [];
	for (const line of text.split(/\r?\n/)) {
		if (sectionLine.test(line)) section = line;
		const include = includeLine.exec(line);
		if (!include?.[1]) {
			out.push(line);
			continue;
		}
		out.push(`# ${line.trim()}`);
		for (const pattern of splitArguments(include[1])) {
			for (const path of expandInclude(pattern, context)) {
				const included = context.fs.readFile(path);
				if (included !== undefined) out.push(inlineIncludes(included, { ...context, depth: context.depth + 1 }));
			}
		}
		// Lines after an Include inside a Host block still belong to that block: reopen it,
		// since the included text may have started sections of its own.
		if (section !== undefined) out.push(section);
	}
	return out.join('\n');
}

/** Include paths: ~ expanded, relative ones under ~/.ssh (as for the user config), globbed. */
function expandInclude(pattern: string, context: InlineContext): string[] {
	const expanded = expandPath(pattern, context.home);
	const absolute = isAbsolute(expanded) ? expanded : join(context.home, '.ssh', expanded);
	return globPath(absolute, context.fs);
}

/** Minimal glob(3): `*` and `?` within a path segment, results sorted like glob's. */
export function globPath(absolute: string, fs: ConfigFileSystem): string[] {
	const segments = absolute.split('/').filter((segment) => segment !== '');
	let paths = [''];
	for (const segment of segments) {
		if (!/[*?]/.test(segment)) {
			paths = paths.map((path) => `${path}/${segment}`);
			continue;
		}
		const matcher = new RegExp(`^${segment.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
		paths = paths.flatMap((path) =>
			fs
				.list(path === '' ? '/' : path)
				.filter((name) => !name.startsWith('.') && matcher.test(name))
				.sort()
				.map((name) => `${path}/${name}`),
		);
	}
	return paths;
}

function splitArguments(text: string): string[] {
	return (text.match(/"[^"]*"|\S+/g) ?? []).map((word) => word.replace(/^"|"$/g, ''));
}
