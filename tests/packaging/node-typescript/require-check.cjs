// CommonJS use of the ESM-only package: Node 20.19+ and 22.12+ load it with require() because no
// entry uses top-level await (scripts/lint.sh relies on this when it lets attw's
// "CJS resolves to ESM" pass). Run by tests/packaging/run.sh from the consumer's directory.
const { dryRun, coreVersion } = require("batch-router");

const unified = JSON.stringify({ customId: "from-cjs", model: "model-x", messages: [{ role: "user", content: "hi" }] }) + "\n";
dryRun("openai", unified, { name: "cjs" }).then(
  (result) => {
    if (JSON.parse(result.providerJsonl).custom_id !== "from-cjs") throw new Error(`unexpected line ${result.providerJsonl}`);
    console.log(`PACKAGING OK commonjs: require("batch-router") on Node ${process.versions.node}, core ${coreVersion()}`);
  },
  (error) => {
    console.error(error);
    process.exitCode = 1;
  },
);
