import type { Readable } from 'node:stream';
import type { StoreConfig } from '../../config/types.js';

/**
 * What the engine asks of an object store: the few S3 operations a pull needs, behind one
 * interface so the AWS SDK stays in one module (`s3-store.ts`) that is loaded only when a
 * `[store]` is configured.
 */
export interface ObjectStore {
	readonly config: StoreConfig;
	/** The bucket answers with these credentials; throws a `StoreError` saying why not. */
	check(): Promise<void>;
	/** Which of these keys the store has (a listing of `under`, or one HEAD each for a few). */
	existing(under: string, keys: readonly string[]): Promise<Set<string>>;
	/** Writes one object (multipart when large); `progress` gets the bytes sent so far. */
	put(key: string, body: Buffer | (() => Readable), size: number, progress?: (sent: number) => void): Promise<void>;
	/** Presigned GET links, all signed at `at` for `ttlSeconds`. */
	sign(keys: readonly string[], ttlSeconds: number, at: Date): Promise<string[]>;
	remove(key: string): Promise<void>;
	close(): void;
}

/** A store that cannot be used, in one line: what the operator must fix. */
export class StoreError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'StoreError';
	}
}

/** `shop/eu` + `sha256/ab…` → `shop/eu/sha256/ab…`. */
export const storeKey = (config: Pick<StoreConfig, 'prefix'>, key: string): string => (config.prefix ? `${config.prefix}/${key}` : key);
