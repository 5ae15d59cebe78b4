/**
 * A Deno consumer of the installed tarball: `batch-router` resolves from node_modules (Deno's
 * "bring your own node_modules"), its types through the `@ts-self-types` directives the build adds.
 */
import { exercisePackage } from "./exercise.ts";

const summary = await exercisePackage();
console.log(`PACKAGING OK deno: ${summary}`);
