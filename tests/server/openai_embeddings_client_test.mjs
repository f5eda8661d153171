// POST /v1/embeddings through the official OpenAI Node client (openai@4.95.0). Driven by
// tests/cli/server_embeddings_test.sh; settings from the environment:
//   OPENAI_NODE_MODULES  folder holding node_modules/openai
//   SOUVERAIN_URL        base URL of the server (".../v1")
//   SOUVERAIN_ENCODER    the encoder model's name     SOUVERAIN_GENERATOR  a generator's name
//   SOUVERAIN_DIMENSION  the encoder's dimension
//   SOUVERAIN_ENGINE     `souverain embed --json` output for TEXTS (the expected vectors)
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, it } from 'node:test';

function env(name) {
    const value = process.env[name];
    if (!value) throw new Error(`environment variable ${name} is not set`);
    return value;
}

const require = createRequire(path.join(env('OPENAI_NODE_MODULES'), 'node_modules', 'x.js'));
const OpenAI = require('openai');
const client = new OpenAI({ baseURL: env('SOUVERAIN_URL'), apiKey: 'unused', maxRetries: 0 });
const ENCODER = env('SOUVERAIN_ENCODER');
const DIMENSION = Number(env('SOUVERAIN_DIMENSION'));
// `souverain embed` prints 9 significant digits: they identify a float32, Math.fround finds it.
const ENGINE = JSON.parse(fs.readFileSync(env('SOUVERAIN_ENGINE'), 'utf8')).data
    .map((entry) => ({ ...entry, embedding: entry.embedding.map(Math.fround) }));
const TEXTS = ENGINE.map((entry) => entry.text);

describe('embeddings.create', () => {
    // Without encoding_format the client asks for base64 and decodes it itself.
    it('returns the engine vectors for an array of texts (client default: base64)', async () => {
        const response = await client.embeddings.create({ model: ENCODER, input: TEXTS });
        assert.equal(response.object, 'list');
        assert.equal(response.model, ENCODER);
        assert.equal(response.data.length, TEXTS.length);
        response.data.forEach((item, idx) => {
            assert.equal(item.index, idx);
            assert.equal(item.embedding.length, DIMENSION);
            assert.deepEqual(item.embedding.map(Math.fround), ENGINE[idx].embedding);
        });
        const tokens = ENGINE.reduce((sum, entry) => sum + entry.tokens.length, 0);
        assert.deepEqual(response.usage, { prompt_tokens: tokens, total_tokens: tokens });
    });

    it('returns float arrays when asked for them', async () => {
        const response = await client.embeddings.create({
            model: ENCODER, input: TEXTS[0], encoding_format: 'float', dimensions: DIMENSION,
        });
        assert.deepEqual(response.data[0].embedding.map(Math.fround), ENGINE[0].embedding);
    });

    it('raises BadRequestError for a generator or a wrong dimensions', async () => {
        await assert.rejects(
            client.embeddings.create({ model: env('SOUVERAIN_GENERATOR'), input: 'x' }),
            (error) => error instanceof OpenAI.BadRequestError && error.code === 'model_not_supported');
        await assert.rejects(
            client.embeddings.create({ model: ENCODER, input: 'x', dimensions: DIMENSION + 1 }),
            (error) => error instanceof OpenAI.BadRequestError && error.param === 'dimensions');
    });

    it('raises NotFoundError for an unknown model', async () => {
        await assert.rejects(client.embeddings.create({ model: 'nope', input: 'x' }),
            (error) => error instanceof OpenAI.NotFoundError);
    });
});
