import { z } from 'zod';

/*
 * What a value in hosts.toml may be. Every name that ends up inside a shell command on a host is
 * held to a pattern here, so a typo or a hostile value is refused before anything runs.
 */

export const name = (what: string) =>
	z
		.string()
		.regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, `${what} must be letters, digits, ".", "_" or "-" (e.g. "web-1")`);

export const hostName = name('a host name');
export const tagName = name('a tag');
export const serviceName = z
	.string()
	.regex(/^[A-Za-z0-9][A-Za-z0-9@._:-]{0,127}$/, 'a service name must be letters, digits, "@", ".", "_", ":" or "-" (e.g. "oqto" or "app@1")');
export const binaryName = z
	.string()
	.regex(/^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/, 'a binary name must be a plain file name (e.g. "oqto-runner")');
export const relativePath = z
	.string()
	.regex(
		/^(?!.*(^|\/)\.\.(\/|$))[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/,
		'must be a relative path of letters, digits, ".", "_", "-" and "/", without ".." (e.g. "logs" or "data/uploads")',
	);
export const pathValue = z
	.string()
	.min(1, 'must not be empty')
	.regex(/^[^\0\n'"`$\\;&|<>*?]+$/, 'must be a plain path without quotes, "$", "`", ";", "&", "|", "<", ">", "*", "?" or newlines');
export const envKey = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an env key must be a shell variable name (e.g. "DATABASE_URL")');
export const sshTarget = z
	.string()
	.regex(/^([A-Za-z0-9._-]+@)?[A-Za-z0-9._:[\]-]+$/, 'ssh must be an alias from ~/.ssh/config or user@host[:port] (e.g. "deploy@10.0.0.5:2222")');

/** Node's timers overflow past 2^31 ms (~24.8 days) and fire at once: deadlines are held to a week. */
export const maxSeconds = 7 * 24 * 3600;
export const seconds = z.number().positive('must be a positive number of seconds').max(maxSeconds, `must be at most ${maxSeconds} seconds (a week)`);

export const command = z.string().min(1, 'must not be empty (leave the key out instead)');
