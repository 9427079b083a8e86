/**
 * The rules of private links the window checks too (preload/shared.ts re-exports them): plain
 * constants, no Node, so the renderer can load them.
 */

/** The shortest passphrase accepted (in characters): anyone with the link can try guesses offline. */
export const MIN_PASSPHRASE = 8;
/** What is said of a passphrase too short, in the window, by main and by the CLI alike. */
export const PASSPHRASE_RULE = `A passphrase needs at least ${MIN_PASSPHRASE} characters: anyone with the link can try guesses offline.`;
