/**
 * Keyboard routing. Ink's `useInput` subscribes in a passive effect, so for a moment after a render the
 * old handler (with the old state) still gets keys: a key typed right after opening a dialog went to the
 * panel behind it. Here ONE `useInput` (in `<KeyRouter>`) hands each key to the newest registered
 * handler; handlers register in layout effects, synchronously with the render that shows them, and are
 * read through a ref, so they always see the current state.
 */
import React, { createContext, useCallback, useContext, useLayoutEffect, useRef, type ReactNode } from 'react';
import { useInput, type Key } from 'ink';

export type KeyHandler = (input: string, key: Key) => void;

interface Router {
  stack: Array<{ current: KeyHandler }>;
}

const KeyRouterContext = createContext<Router | null>(null);

export function KeyRouter({ children }: { children: ReactNode }) {
  const router = useRef<Router>({ stack: [] });
  const onInput = useCallback((input: string, key: Key) => {
    const top = router.current.stack[router.current.stack.length - 1];
    top?.current(input, key);
  }, []);
  useInput(onInput);
  return React.createElement(KeyRouterContext.Provider, { value: router.current }, children);
}

/** Receive keys while mounted and `active`; the most recently registered handler wins. */
export function useKeys(handler: KeyHandler, active = true): void {
  const router = useContext(KeyRouterContext);
  if (!router) throw new Error('console: useKeys() was called outside <KeyRouter>');
  const ref = useRef(handler);
  useLayoutEffect(() => {
    ref.current = handler;
  });
  useLayoutEffect(() => {
    if (!active) return;
    router.stack.push(ref);
    return () => {
      const i = router.stack.lastIndexOf(ref);
      if (i >= 0) router.stack.splice(i, 1);
    };
  }, [router, active]);
}
