import type { Profile } from './client';

/** The endpoint a profile talks to, as messages and records name it. */
export function endpointLabel(profile: Pick<Profile, 'endpoint' | 'region'>): string {
  return profile.endpoint ?? `https://s3.${profile.region}.amazonaws.com`;
}
