/** A Bun consumer of the installed tarball, run from TypeScript source as Bun users do. */
import { exercisePackage } from "./exercise.ts";

const summary = await exercisePackage();
console.log(`PACKAGING OK bun: ${summary}`);
