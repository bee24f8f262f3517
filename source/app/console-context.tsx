import { createContext, useContext, type ReactNode } from 'react';
import { useStore } from 'zustand';
import { useShallow } from 'zustand/react/shallow';
import type { ConsoleState, ConsoleStore } from '../store/console-store.js';
import type { ConsoleController } from './controller.js';
import type { KeyQueue } from './input/key-queue.js';

export interface ConsoleServices {
	readonly store: ConsoleStore;
	readonly controller: ConsoleController;
	/** Leaves the console (unmounts Ink); runConsole then restores the terminal. */
	readonly exit: () => void;
	/** Leaves the console to pick another environment and open it on that one; absent without environments. */
	readonly switchEnvironment?: () => void;
	/** Told the console's key queue once it exists (benches count keys read and handled). */
	readonly onKeyQueue?: (queue: KeyQueue) => void;
}

const ConsoleContext = createContext<ConsoleServices | null>(null);

export function ConsoleProvider({ services, children }: { readonly services: ConsoleServices; readonly children: ReactNode }) {
	return <ConsoleContext.Provider value={services}>{children}</ConsoleContext.Provider>;
}

export function useConsoleServices(): ConsoleServices {
	const services = useContext(ConsoleContext);
	if (!services) throw new Error('console components must be rendered inside <ConsoleProvider>');
	return services;
}

/** A slice of the store, compared shallowly: a component re-renders only when its slice changes. */
export function useConsoleState<T>(selector: (state: ConsoleState) => T): T {
	return useStore(useConsoleServices().store, useShallow(selector));
}
