import type { StoreConfig } from '../../config/types.js';
import type { ObjectStore } from './object-store.js';

/** Loads the AWS SDK, on first use: a run without a [store] never does (the bundle requires it from node_modules then). */
export async function openObjectStore(config: StoreConfig): Promise<ObjectStore> {
	const { s3Store } = await import('./s3-store.js');
	return s3Store(config);
}
