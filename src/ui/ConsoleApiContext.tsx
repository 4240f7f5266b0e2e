/**
 * The console's one door to the rest of studio: the `ConsoleApi`, plus what was decided once at start
 * (read-only, colours, the clock). Components get them through the guard hooks below, which throw when
 * used outside `<ConsoleProvider>` instead of silently working on nothing.
 */
import React, { createContext, useContext, useMemo, type ReactNode } from 'react';
import type { ConsoleApi } from '../core/console-api.js';
import type { Clock } from '../core/clock.js';
import { systemClock } from '../core/clock.js';
import { InternalError } from '../core/errors.js';
import { createTheme, type ColorMode, type Theme } from './theme.js';
import type { LiveCells } from './screen.js';

export interface ConsoleSettings {
  api: ConsoleApi;
  /** Every action is refused with a message; everything still shows. */
  readOnly: boolean;
  theme: Theme;
  clock: Clock;
  /** Shown in the header when the data is made up (the demo api). */
  demo: boolean;
  /**
   * The full-screen writer's live cells (src/ui/screen.ts): the header's clock and data age are filled
   * in there, each second, without a React render. Absent (tests, ink-testing-library): React renders them.
   */
  liveCells?: LiveCells;
}

const ConsoleApiContext = createContext<ConsoleSettings | null>(null);

export interface ConsoleProviderProps {
  api: ConsoleApi;
  readOnly?: boolean;
  colorMode?: ColorMode;
  clock?: Clock;
  demo?: boolean;
  liveCells?: LiveCells;
  children: ReactNode;
}

export function ConsoleProvider({ api, readOnly = false, colorMode = 'none', clock = systemClock, demo = false, liveCells, children }: ConsoleProviderProps) {
  const value = useMemo<ConsoleSettings>(() => ({ api, readOnly, theme: createTheme(colorMode), clock, demo, liveCells }), [api, readOnly, colorMode, clock, demo, liveCells]);
  return <ConsoleApiContext.Provider value={value}>{children}</ConsoleApiContext.Provider>;
}

function useSettings(hook: string): ConsoleSettings {
  const value = useContext(ConsoleApiContext);
  if (!value) throw new InternalError(`console: ${hook}() was called outside <ConsoleProvider>; wrap the console in it`);
  return value;
}

/** The ConsoleApi; throws outside `<ConsoleProvider>`. */
export function useConsoleApi(): ConsoleApi {
  return useSettings('useConsoleApi').api;
}

/** Everything decided at start: api, readOnly, theme, clock, demo. */
export function useConsoleSettings(): ConsoleSettings {
  return useSettings('useConsoleSettings');
}

export function useTheme(): Theme {
  return useSettings('useTheme').theme;
}
