/**
 * The terminal's size, updated on resize. Ink re-lays out on `resize` itself; this hook lets the layout
 * choose panels and row counts for the new size. Streams without a size (pipes, tests) count as 80x24.
 */
import { useEffect, useState } from 'react';
import { useStdout } from 'ink';

export interface TerminalSize {
  columns: number;
  rows: number;
}

export const DEFAULT_SIZE: TerminalSize = { columns: 80, rows: 24 };

function read(stdout: NodeJS.WriteStream): TerminalSize {
  return {
    columns: stdout.columns > 0 ? stdout.columns : DEFAULT_SIZE.columns,
    rows: stdout.rows > 0 ? stdout.rows : DEFAULT_SIZE.rows,
  };
}

export function useTerminalSize(): TerminalSize {
  const { stdout } = useStdout();
  const [size, setSize] = useState<TerminalSize>(() => read(stdout));
  useEffect(() => {
    const onResize = () => setSize((old) => {
      const next = read(stdout);
      return next.columns === old.columns && next.rows === old.rows ? old : next;
    });
    stdout.on('resize', onResize);
    onResize();
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout]);
  return size;
}
