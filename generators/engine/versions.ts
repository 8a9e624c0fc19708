/** Orders release versions (`major.minor.patch`, a pre-release suffix ignored). */
export function compareVersions(a: string, b: string): number {
  const parts = (version: string) => version.split(/[.-]/).slice(0, 3).map(Number);
  const [pa, pb] = [parts(a), parts(b)];
  for (let i = 0; i < 3; i += 1) if (pa[i] !== pb[i]) return pa[i]! - pb[i]!;
  return 0;
}

const RELEASE_VERSION = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/;

/** A version a release can have: `major.minor.patch`, with an optional pre-release suffix. */
export const isReleaseVersion = (version: string): boolean => RELEASE_VERSION.test(version);
