/**
 * The kiosk's idle clock: `onIdle` runs once `seconds` pass with no touch,
 * click, key or scroll anywhere on the page. While `busy()` (an answer is
 * streaming) the clock waits, so a long answer is never wiped mid-read.
 */
const ACTIVITY = ['pointerdown', 'keydown', 'wheel', 'touchstart', 'input'] as const;

export interface IdleClock {
  /** Counts as activity (e.g. an answer just finished). */
  poke(): void;
  stop(): void;
}

export function idleClock(seconds: number, onIdle: () => void, busy: () => boolean): IdleClock {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(fire, seconds * 1000);
  };
  const fire = () => {
    if (busy()) arm();
    else onIdle();
  };
  // Capture: input inside <webseek-chat>'s shadow root reaches the window retargeted; none is ever missed.
  for (const type of ACTIVITY) window.addEventListener(type, arm, { capture: true, passive: true });
  arm();
  return {
    poke: arm,
    stop() {
      clearTimeout(timer);
      for (const type of ACTIVITY) window.removeEventListener(type, arm, { capture: true });
    },
  };
}
