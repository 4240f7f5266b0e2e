/**
 * Keyboard routing. Ink's `useInput` subscribes in a passive effect, so for a moment after a render the
 * old handler (with the old state) still gets keys: a key typed right after opening a dialog went to the
 * panel behind it. Here ONE `useInput` (in `<KeyRouter>`) hands each key to the newest registered
 * handler; handlers register in layout effects, synchronously with the render that shows them, and are
 * read through a ref, so they always see the current state.
 */
import React, { createContext, useCallback, useContext, useLayoutEffect, useRef, type ReactNode } from 'react';
import { useInput, type Key } from 'ink';
import { InternalError } from '../../core/errors.js';

export type KeyHandler = (input: string, key: Key) => void;

interface Router {
  stack: Array<{ current: KeyHandler }>;
}

const KeyRouterContext = createContext<Router | null>(null);

/**
 * Ink hands over what one read returned; when the process was busy, two key presses arrive in one read
 * ("\t\t") and Ink sees an unknown key, not two tabs. Split such a chunk back into single keys (escape
 * sequences are already split by Ink; a pasted text becomes its characters, which prompts append).
 */
export function splitKeys(input: string, key: Key): Array<[string, Key]> {
  const plain = !key.ctrl && !key.meta && !key.escape && !key.upArrow && !key.downArrow && !key.leftArrow && !key.rightArrow;
  if (input.length <= 1 || !plain) return [[input, key]];
  return [...input].map((ch): [string, Key] => {
    const k: Key = { ...key, tab: false, return: false, backspace: false, delete: false, shift: false };
    if (ch === '\t') return ['', { ...k, tab: true }];
    if (ch === '\r' || ch === '\n') return ['', { ...k, return: true }];
    if (ch === '\x7f' || ch === '\b') return ['', { ...k, backspace: true }];
    return [ch, { ...k, shift: /[A-Z]/.test(ch) }];
  });
}

export function KeyRouter({ children }: { children: ReactNode }) {
  const router = useRef<Router>({ stack: [] });
  const onInput = useCallback((input: string, key: Key) => {
    for (const [one, k] of splitKeys(input, key)) {
      // Keys of one chunk go to the handler on top now (a dialog opened by one of them registers only
      // when it renders, after this loop).
      const top = router.current.stack[router.current.stack.length - 1];
      top?.current(one, k);
    }
  }, []);
  useInput(onInput);
  return React.createElement(KeyRouterContext.Provider, { value: router.current }, children);
}

/** Receive keys while mounted and `active`; the most recently registered handler wins. */
export function useKeys(handler: KeyHandler, active = true): void {
  const router = useContext(KeyRouterContext);
  if (!router) throw new InternalError('console: useKeys() was called outside <KeyRouter>');
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
