// Types for scripts/build.mjs (plain JavaScript, so that it runs before anything is built).
export declare const DIST: string;
export declare const MANIFEST: string;
/** Each input's [size, modification time in ms], or null when it is gone. */
export declare function fingerprint(files: string[]): Record<string, [number, number] | null>;
/** Builds dist/; resolves with how long it took, in ms. */
export declare function build(opts?: { quiet?: boolean }): Promise<number>;
/** Why dist/ must be rebuilt, or null when it is up to date. */
export declare function staleness(): string | null;
