// The official `openai` npm SDK, a client we did not write, against the built sidecar binary
// (started on port 0) with the stand-in vLLM.
//
// Build first:  CARGO_BUILD_JOBS=1 cargo build -p batch-router-sidecar
// Then, here:   npm install --no-save openai  (or `npm ci`)  and  node --test
// SIDECAR_BIN overrides the binary's path.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

import OpenAI, { toFile } from 'openai';

const repository = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const binary = process.env.SIDECAR_BIN ?? path.join(repository, 'target', 'debug', 'batch-router-sidecar');
const standIn = path.join(repository, 'tests', 'stand-ins', 'vllm');
const token = 'sdk-test-token';

let sidecar;
let stateDir;
let baseURL;
let client;
const logs = [];

function line(customId, model, text) {
  return JSON.stringify({
    custom_id: customId,
    method: 'POST',
    url: '/v1/chat/completions',
    body: { model, messages: [{ role: 'user', content: text }], max_completion_tokens: 16 },
  });
}

async function upload(text) {
  return client.files.create({ file: await toFile(Buffer.from(text), 'batch.jsonl'), purpose: 'batch' });
}

async function waitFor(batchId, what, done) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const batch = await client.batches.retrieve(batchId);
    if (done(batch)) return batch;
    if (Date.now() > deadline) {
      assert.fail(`timed out waiting for ${what}: ${JSON.stringify(batch)}\n${logs.join('')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const ended = (batch) => ['completed', 'failed', 'cancelled'].includes(batch.status);

async function jsonLines(fileId) {
  const response = await client.files.content(fileId);
  return (await response.text())
    .split('\n')
    .filter((text) => text.trim() !== '')
    .map((text) => JSON.parse(text));
}

before(async () => {
  assert.ok(existsSync(binary), `build the sidecar first: ${binary} is missing`);
  stateDir = mkdtempSync(path.join(tmpdir(), 'sidecar-sdk-'));
  sidecar = spawn(
    binary,
    ['--address', '127.0.0.1:0', '--state-dir', stateDir, '--vllm-command', standIn, '--kill-grace-ms', '2000'],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, BATCH_ROUTER_SIDECAR_TOKEN: token } },
  );
  sidecar.stderr.on('data', (chunk) => logs.push(chunk.toString()));
  const lines = createInterface({ input: sidecar.stdout });
  let timer;
  const [first] = await Promise.race([
    once(lines, 'line'),
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no address printed\n${logs.join('')}`)), 20_000);
    }),
  ]).finally(() => clearTimeout(timer));
  const match = /^listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(first);
  assert.ok(match, `unexpected first line: ${first}`);
  baseURL = `${match[1]}/v1`;
  client = new OpenAI({ apiKey: token, baseURL, maxRetries: 0 });
});

after(async () => {
  if (sidecar && sidecar.exitCode === null) {
    sidecar.kill('SIGTERM');
    await once(sidecar, 'exit');
  }
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
});

test('files.create, batches.create and retrieve, then files.content of the split results', async () => {
  const input = [
    line('greeting', 'tiny', 'hello there'),
    line('refused', 'tiny', 'ENGINE_ERROR'),
    '{"custom_id": "half a line',
    line('farewell', 'tiny', 'goodbye'),
  ].join('\n');
  const file = await upload(input);
  assert.match(file.id, /^file-/);
  assert.equal(file.object, 'file');
  assert.equal(file.purpose, 'batch');
  assert.equal(file.bytes, Buffer.byteLength(input));
  assert.equal((await client.files.retrieve(file.id)).filename, 'batch.jsonl');

  const created = await client.batches.create({
    input_file_id: file.id,
    endpoint: '/v1/chat/completions',
    completion_window: '24h',
    metadata: { suite: 'openai-sdk' },
  });
  assert.match(created.id, /^batch_/);
  assert.equal(created.status, 'validating');
  assert.deepEqual(created.metadata, { suite: 'openai-sdk' });

  const batch = await waitFor(created.id, 'completion', ended);
  assert.equal(batch.status, 'completed', JSON.stringify(batch));
  assert.equal(batch.model, 'tiny');
  assert.deepEqual(batch.request_counts, { total: 4, completed: 2, failed: 2 });
  assert.equal(typeof batch.completed_at, 'number');

  const output = await jsonLines(batch.output_file_id);
  assert.deepEqual(output.map((result) => result.custom_id), ['greeting', 'farewell']);
  assert.equal(output[0].response.status_code, 200);
  assert.equal(output[0].response.body.choices[0].message.content, 'echo: hello there');
  const outputFile = await client.files.retrieve(batch.output_file_id);
  assert.equal(outputFile.purpose, 'batch_output');

  const errors = await jsonLines(batch.error_file_id);
  assert.equal(errors.length, 2);
  assert.equal(errors.find((result) => result.custom_id === 'refused').error.error.type, 'BadRequestError');
  const malformed = errors.find((result) => result.custom_id === null);
  assert.equal(malformed.response.status_code, 400);
  assert.equal(malformed.response.body.error.code, 'invalid_json_line');
});

test('batches.cancel stops a running batch and keeps its finished results', async () => {
  const input = Array.from({ length: 20 }, (_, index) => line(`slow-${index}`, 'tiny-slow-100', `n ${index}`)).join('\n');
  const created = await client.batches.create({
    input_file_id: (await upload(input)).id,
    endpoint: '/v1/chat/completions',
    completion_window: '24h',
  });
  await waitFor(created.id, 'progress', (batch) => batch.status === 'in_progress' && batch.request_counts.completed >= 2);
  const cancelling = await client.batches.cancel(created.id);
  assert.equal(cancelling.status, 'cancelling');

  const batch = await waitFor(created.id, 'cancellation', ended);
  assert.equal(batch.status, 'cancelled');
  const output = await jsonLines(batch.output_file_id);
  const errors = await jsonLines(batch.error_file_id);
  assert.ok(output.length >= 2 && output.length < 20, `${output.length} results`);
  assert.equal(output.length + errors.length, 20);
  assert.ok(errors.every((result) => result.error.code === 'batch_cancelled'));
});

test('batches.list pages newest first through the SDK cursor', async () => {
  const file = await upload(line('one', 'tiny', 'x'));
  const ids = [];
  for (let index = 0; index < 3; index += 1) {
    const batch = await client.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
    });
    ids.push(batch.id);
  }
  const firstPage = await client.batches.list({ limit: 2 });
  assert.deepEqual(firstPage.data.map((batch) => batch.id), [ids[2], ids[1]]);
  assert.equal(firstPage.hasNextPage(), true);

  const listed = [];
  for await (const batch of client.batches.list({ limit: 2 })) listed.push(batch.id);
  assert.deepEqual(listed.slice(0, 3), [ids[2], ids[1], ids[0]]);
  assert.deepEqual([...listed].sort().reverse(), listed, 'newest first');
  for (const id of ids) await waitFor(id, 'completion', ended);
});

test('errors arrive as the SDK error classes', async () => {
  await assert.rejects(client.batches.retrieve('batch_doesnotexist'), OpenAI.NotFoundError);
  await assert.rejects(
    client.files.create({ file: await toFile(Buffer.from('{}'), 'x.jsonl'), purpose: 'fine-tune' }),
    (error) => error instanceof OpenAI.BadRequestError && error.param === 'purpose',
  );
  const stranger = new OpenAI({ apiKey: 'wrong-token', baseURL, maxRetries: 0 });
  await assert.rejects(stranger.batches.list(), OpenAI.AuthenticationError);

  const file = await upload(line('gone', 'tiny', 'x'));
  const deleted = await client.files.delete(file.id);
  assert.deepEqual(deleted, { id: file.id, object: 'file', deleted: true });
  await assert.rejects(client.files.retrieve(file.id), OpenAI.NotFoundError);
});
