/**
 * The public half of the key that signs Ferry's update feed (docs/updates.md): an Ed25519 key,
 * base64 of its SubjectPublicKeyInfo (DER), as `node --import tsx build/sign-update-feed.mjs keygen`
 * prints it. A copy of Ferry installs only what this key signed.
 *
 * Empty: this build has no update key, so it never looks for updates. The private half never
 * enters the repository.
 */
export const UPDATE_PUBLIC_KEY = '';
