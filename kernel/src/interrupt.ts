/**
 * Interrupt state shared between the kernel's I/O thread and the main
 * thread (no dependencies, so the I/O thread can load it cheaply).
 */

/** Slot of `interruptState()`: how many interrupts were requested so far. */
export const INTERRUPTS = 0;
/** Slot of `interruptState()`: 1 while a SIGINT the I/O thread sent has not been seen. */
export const SIGNALLED = 1;
/** Slot of `interruptState()`: how many interrupts the main thread has handled (written by the main thread only). */
export const HANDLED = 2;

/**
 * How long (ms) the I/O thread waits for the main thread to handle an
 * interrupt before it sends a SIGINT. A main thread that is idle or awaits
 * handles the message within a millisecond or so; only synchronous code
 * needs the signal. Sending it only then keeps stray signals out of the next
 * cell (a SIGINT that lands after the interrupted cell ended would stop the
 * next cell's synchronous part).
 */
export const SIGNAL_GRACE_MS = 100;

/**
 * Fresh interrupt state: Int32 slots of a SharedArrayBuffer. The I/O thread
 * adds one to `[INTERRUPTS]` per `interrupt_request` (at once, even while
 * the main thread is stuck); the main thread counts the interrupts it has
 * handled, and cell code compares the two at every instrumented await and
 * loop iteration (see transform.ts instrumentCell).
 */
export function interruptState(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(3 * Int32Array.BYTES_PER_ELEMENT));
}

/** The error an interrupt raises inside a cell. */
export class KeyboardInterrupt extends Error {
  constructor() {
    super("execution interrupted");
    this.name = "KeyboardInterrupt";
  }
}
