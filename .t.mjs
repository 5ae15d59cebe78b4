import * as br from "batch-router";
const line = JSON.stringify({customId:"a",model:"gpt-4o-mini",messages:[{role:"user",content:"hi"}]});
const req = JSON.parse(line);
const show = async (label, f) => { try { await f(); console.log(label, "OK?"); } catch (e) { console.log(label, "|", e.constructor.name, "|", e.field, "|", e.message); } };
await show("price5", () => br.estimateBatch({provider:"openai", requests:[req]}, {prices:{"gpt-4o-mini": 5}}));
await show("prices-arr", () => br.estimateBatch({provider:"openai", requests:[req]}, {prices:[1]}));
await show("metadata-arr", () => br.dryRun("openai", line, {name:"t", metadata:[1]}));
await show("no-options", () => br.dryRun("openai", line));
