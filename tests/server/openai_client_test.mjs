// The server through the official OpenAI Node client (openai@4.95.0): what a user of the
// client sees, typed errors included. Driven by tests/cli/server_openai_client_test.sh, which
// installs the client, makes a tiny model and starts two servers; settings come from the
// environment:
//   OPENAI_NODE_MODULES  folder holding node_modules/openai
//   SOUVERAIN_URL        base URL of the open server (".../v1")
//   SOUVERAIN_AUTH_URL   base URL of a second server started with --api-key
//   SOUVERAIN_API_KEY    that server's key
//   SOUVERAIN_MODEL      the model name both servers serve
//   SOUVERAIN_CTX        the context length per slot (--ctx)
//   SOUVERAIN_MAX_BODY   the server's --max-body-bytes
//
// node --test tests/server/openai_client_test.mjs   (Node 20; no other package)
import assert from 'node:assert/strict';
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
const BASE_URL = env('SOUVERAIN_URL');
const AUTH_URL = env('SOUVERAIN_AUTH_URL');
const API_KEY = env('SOUVERAIN_API_KEY');
const MODEL = env('SOUVERAIN_MODEL');
const CTX = Number(env('SOUVERAIN_CTX'));
const MAX_BODY = Number(env('SOUVERAIN_MAX_BODY'));

// No retries: a 5xx or a dropped connection must show up as such, not be retried away.
const client = new OpenAI({ baseURL: BASE_URL, apiKey: 'unused', maxRetries: 0, timeout: 60_000 });

const CHAT = {
    model: MODEL,
    messages: [
        { role: 'user', content: 'Name a river of Luxembourg.' },
        { role: 'assistant', content: 'The Alzette.' },
        { role: 'user', content: 'Name two more.' },
    ],
    temperature: 0,
};
const PROMPT = 'The capital of Luxembourg is';

// Awaits `promise`, which must reject with an instance of `ErrorClass` and the given status.
async function expectError(promise, ErrorClass, status, code) {
    let error;
    try {
        const value = await promise;
        assert.fail(`expected ${ErrorClass.name} (${status}), got a response: ` +
            JSON.stringify(value).slice(0, 300));
    } catch (caught) {
        error = caught;
    }
    if (!(error instanceof ErrorClass)) {
        throw new assert.AssertionError({
            message: `expected ${ErrorClass.name}, got ${error?.constructor?.name}: ${error}`,
        });
    }
    assert.equal(error.status, status, `status of ${error.message}`);
    if (code !== undefined) assert.equal(error.code, code, `code of ${error.message}`);
    assert.equal(typeof error.error?.message, 'string', 'error body has error.message');
    return error;
}

function checkUsage(usage, { maxCompletion, exactCompletion } = {}) {
    assert.ok(usage, 'usage present');
    assert.ok(Number.isInteger(usage.prompt_tokens) && usage.prompt_tokens > 0,
        `prompt_tokens ${usage.prompt_tokens}`);
    assert.ok(Number.isInteger(usage.completion_tokens) && usage.completion_tokens >= 1,
        `completion_tokens ${usage.completion_tokens}`);
    assert.equal(usage.total_tokens, usage.prompt_tokens + usage.completion_tokens, 'total_tokens');
    if (maxCompletion !== undefined) {
        assert.ok(usage.completion_tokens <= maxCompletion,
            `completion_tokens ${usage.completion_tokens} <= ${maxCompletion}`);
    }
    if (exactCompletion !== undefined) assert.equal(usage.completion_tokens, exactCompletion);
}

// Reads a stream; returns the text per choice, the finish reasons, the chunks and the usage.
async function collect(stream, kind) {
    const texts = [];
    const finish = [];
    const chunks = [];
    for await (const chunk of stream) {
        chunks.push(chunk);
        for (const choice of chunk.choices) {
            const piece = kind === 'chat' ? (choice.delta?.content ?? '') : choice.text;
            texts[choice.index] = (texts[choice.index] ?? '') + piece;
            if (choice.finish_reason) {
                assert.equal(finish[choice.index], undefined, 'one finish_reason per choice');
                finish[choice.index] = choice.finish_reason;
            }
        }
    }
    return { texts, finish, chunks, usage: chunks.at(-1)?.usage };
}

describe('models', () => {
    it('lists the served model', async () => {
        const ids = [];
        for await (const model of client.models.list()) {
            assert.equal(model.object, 'model');
            assert.equal(typeof model.created, 'number');
            assert.equal(typeof model.owned_by, 'string');
            ids.push(model.id);
        }
        assert.deepEqual(ids, [MODEL]);
        const one = await client.models.retrieve(MODEL);
        assert.equal(one.id, MODEL);
        await expectError(client.models.retrieve('no-such-model'), OpenAI.NotFoundError, 404);
    });
});

describe('chat.completions', () => {
    it('non-stream: content string, finish_reason, consistent usage', async () => {
        const out = await client.chat.completions.create({ ...CHAT, max_tokens: 16 });
        assert.equal(out.object, 'chat.completion');
        assert.match(out.id, /^chatcmpl-/);
        assert.equal(out.model, MODEL);
        assert.equal(out.choices.length, 1);
        const [choice] = out.choices;
        assert.equal(choice.index, 0);
        assert.equal(choice.message.role, 'assistant');
        assert.equal(typeof choice.message.content, 'string');
        assert.ok(['stop', 'length'].includes(choice.finish_reason), choice.finish_reason);
        checkUsage(out.usage, { maxCompletion: 16 });
        // 'length' means the budget was used up exactly.
        if (choice.finish_reason === 'length') assert.equal(out.usage.completion_tokens, 16);
    });

    it('max_tokens is respected (ignore_eos: exactly max_tokens)', async () => {
        for (const max_tokens of [1, 5, 12]) {
            const out = await client.chat.completions.create({ ...CHAT, max_tokens, ignore_eos: true });
            assert.equal(out.choices[0].finish_reason, 'length', `max_tokens ${max_tokens}`);
            checkUsage(out.usage, { exactCompletion: max_tokens });
        }
        // max_completion_tokens, the newer name, too.
        const out = await client.chat.completions.create({
            ...CHAT, max_completion_tokens: 3, ignore_eos: true,
        });
        checkUsage(out.usage, { exactCompletion: 3 });
    });

    it('stream with include_usage: chunks concatenate to the non-stream greedy text', async () => {
        const request = { ...CHAT, max_tokens: 24, ignore_eos: true };
        const whole = await client.chat.completions.create(request);
        const stream = await client.chat.completions.create({
            ...request, stream: true, stream_options: { include_usage: true },
        });
        const got = await collect(stream, 'chat');
        assert.equal(got.texts[0], whole.choices[0].message.content, 'streamed text = non-stream text');
        assert.ok(whole.choices[0].message.content.length > 0, 'some text was generated');
        assert.equal(got.finish[0], whole.choices[0].finish_reason);
        for (const chunk of got.chunks) {
            assert.equal(chunk.object, 'chat.completion.chunk');
            assert.equal(chunk.id, got.chunks[0].id, 'one id per stream');
        }
        assert.equal(got.chunks[0].choices[0].delta.role, 'assistant', 'first delta has the role');
        // The last chunk: no choices, the usage; every other chunk has usage null.
        const last = got.chunks.at(-1);
        assert.deepEqual(last.choices, []);
        checkUsage(last.usage, { exactCompletion: 24 });
        assert.deepEqual(last.usage, whole.usage);
        for (const chunk of got.chunks.slice(0, -1)) assert.equal(chunk.usage, null);
    });

    it('stream without stream_options has no usage chunk', async () => {
        const stream = await client.chat.completions.create({
            ...CHAT, max_tokens: 4, ignore_eos: true, stream: true,
        });
        const got = await collect(stream, 'chat');
        assert.equal(got.finish[0], 'length');
        for (const chunk of got.chunks) {
            assert.ok(chunk.choices.length > 0, 'every chunk has a choice');
            assert.ok(chunk.usage === undefined || chunk.usage === null);
        }
    });

    it('n=2: two choices, indexed, usage summed', async () => {
        const request = { ...CHAT, max_tokens: 6, ignore_eos: true };
        const one = await client.chat.completions.create(request);
        const two = await client.chat.completions.create({ ...request, n: 2 });
        assert.equal(two.choices.length, 2);
        assert.deepEqual(two.choices.map((c) => c.index), [0, 1]);
        for (const choice of two.choices) {
            // Greedy: both choices are the single-choice text.
            assert.equal(choice.message.content, one.choices[0].message.content);
            assert.equal(choice.finish_reason, 'length');
        }
        assert.equal(two.usage.prompt_tokens, one.usage.prompt_tokens, 'prompt counted once');
        checkUsage(two.usage, { exactCompletion: 12 });

        const stream = await client.chat.completions.create({
            ...request, n: 2, stream: true, stream_options: { include_usage: true },
        });
        const got = await collect(stream, 'chat');
        assert.deepEqual(got.texts, [one.choices[0].message.content, one.choices[0].message.content]);
        assert.deepEqual(got.finish, ['length', 'length']);
        checkUsage(got.usage, { exactCompletion: 12 });
    });

    it('stop strings end the text before the stop string', async () => {
        const request = { ...CHAT, max_tokens: 24, ignore_eos: true };
        const full = (await client.chat.completions.create(request)).choices[0].message.content;
        // A stop string from the middle of the greedy text: the output must be the text before
        // its first occurrence, with finish_reason "stop".
        const start = Math.floor(full.length / 2);
        const stop = full.slice(start, start + 3);
        assert.equal(stop.length, 3, `a 3-character stop string from ${JSON.stringify(full)}`);
        const expected = full.slice(0, full.indexOf(stop));
        assert.ok(expected.length < full.length - 3, 'the stop string cuts the text');
        const out = await client.chat.completions.create({ ...request, stop: [stop, 'never-seen-xyz'] });
        assert.equal(out.choices[0].message.content, expected, `stop ${JSON.stringify(stop)}`);
        assert.equal(out.choices[0].finish_reason, 'stop');
        assert.ok(out.usage.completion_tokens < 24, 'generation ended early');

        const stream = await client.chat.completions.create({ ...request, stop, stream: true });
        const got = await collect(stream, 'chat');
        assert.equal(got.texts[0], expected, 'streamed text with a stop string');
        assert.equal(got.finish[0], 'stop');
    });

    it('logprobs and top_logprobs have the OpenAI shape', async () => {
        const out = await client.chat.completions.create({
            ...CHAT, max_tokens: 5, ignore_eos: true, logprobs: true, top_logprobs: 3,
        });
        const content = out.choices[0].logprobs?.content;
        assert.ok(Array.isArray(content), 'choices[0].logprobs.content is an array');
        assert.equal(content.length, 5, 'one entry per generated token');
        for (const entry of content) {
            assert.equal(typeof entry.token, 'string');
            assert.ok(typeof entry.logprob === 'number' && entry.logprob <= 0, `logprob ${entry.logprob}`);
            assert.ok(Array.isArray(entry.bytes) && entry.bytes.every((b) => Number.isInteger(b) && b >= 0 && b < 256));
            assert.equal(entry.top_logprobs.length, 3);
            for (const alt of entry.top_logprobs) {
                assert.equal(typeof alt.token, 'string');
                assert.ok(alt.logprob <= 0);
                assert.ok(Array.isArray(alt.bytes));
            }
            for (let i = 1; i < 3; ++i) {
                assert.ok(entry.top_logprobs[i - 1].logprob >= entry.top_logprobs[i].logprob, 'sorted');
            }
            // Greedy picks the most likely token.
            assert.ok(Math.abs(entry.logprob - entry.top_logprobs[0].logprob) < 1e-6,
                `greedy token logprob ${entry.logprob} = best ${entry.top_logprobs[0].logprob}`);
        }
        // Without logprobs: null.
        const plain = await client.chat.completions.create({ ...CHAT, max_tokens: 2 });
        assert.equal(plain.choices[0].logprobs, null);
        // Streamed: every content chunk carries its tokens' logprobs.
        const stream = await client.chat.completions.create({
            ...CHAT, max_tokens: 5, ignore_eos: true, logprobs: true, top_logprobs: 2, stream: true,
        });
        let n = 0;
        for await (const chunk of stream) {
            for (const choice of chunk.choices) {
                for (const entry of choice.logprobs?.content ?? []) {
                    assert.equal(entry.top_logprobs.length, 2);
                    ++n;
                }
            }
        }
        assert.equal(n, 5, 'streamed logprobs entries');
    });
});

describe('completions', () => {
    it('non-stream and stream give the same greedy text', async () => {
        const request = { model: MODEL, prompt: PROMPT, max_tokens: 12, temperature: 0, ignore_eos: true };
        const out = await client.completions.create(request);
        assert.equal(out.object, 'text_completion');
        assert.match(out.id, /^cmpl-/);
        assert.equal(out.choices.length, 1);
        assert.equal(typeof out.choices[0].text, 'string');
        assert.equal(out.choices[0].finish_reason, 'length');
        checkUsage(out.usage, { exactCompletion: 12 });

        const stream = await client.completions.create({
            ...request, stream: true, stream_options: { include_usage: true },
        });
        const got = await collect(stream, 'text');
        assert.equal(got.texts[0], out.choices[0].text);
        assert.equal(got.finish[0], 'length');
        assert.deepEqual(got.usage, out.usage);
    });

    it('defaults to 16 tokens; echo; token-id prompts', async () => {
        const out = await client.completions.create({
            model: MODEL, prompt: PROMPT, temperature: 0, ignore_eos: true,
        });
        checkUsage(out.usage, { exactCompletion: 16 });
        const echoed = await client.completions.create({
            model: MODEL, prompt: PROMPT, temperature: 0, ignore_eos: true, max_tokens: 4, echo: true,
        });
        assert.ok(echoed.choices[0].text.startsWith(PROMPT), 'echo puts the prompt first');
        const ids = await client.completions.create({
            model: MODEL, prompt: [1, 450, 7483], temperature: 0, max_tokens: 2, ignore_eos: true,
        });
        checkUsage(ids.usage, { exactCompletion: 2 });
        assert.equal(ids.usage.prompt_tokens, 3);
    });

    it('n=2, stop and logprobs', async () => {
        const request = { model: MODEL, prompt: PROMPT, max_tokens: 20, temperature: 0, ignore_eos: true };
        const full = (await client.completions.create(request)).choices[0].text;
        const two = await client.completions.create({ ...request, n: 2 });
        assert.deepEqual(two.choices.map((c) => c.text), [full, full]);
        assert.deepEqual(two.choices.map((c) => c.index), [0, 1]);
        checkUsage(two.usage, { exactCompletion: 40 });

        const start = Math.floor(full.length / 2);
        const stop = full.slice(start, start + 2);
        const stopped = await client.completions.create({ ...request, stop });
        assert.equal(stopped.choices[0].text, full.slice(0, full.indexOf(stop)), `stop ${JSON.stringify(stop)}`);
        assert.equal(stopped.choices[0].finish_reason, 'stop');

        const lp = await client.completions.create({ ...request, max_tokens: 4, logprobs: 2 });
        const { logprobs } = lp.choices[0];
        assert.equal(logprobs.tokens.length, 4);
        assert.equal(logprobs.token_logprobs.length, 4);
        assert.equal(logprobs.top_logprobs.length, 4);
        assert.equal(logprobs.text_offset.length, 4);
        for (let i = 0; i < 4; ++i) {
            assert.equal(typeof logprobs.tokens[i], 'string');
            assert.ok(logprobs.token_logprobs[i] <= 0);
            const alts = Object.values(logprobs.top_logprobs[i]);
            assert.ok(alts.length >= 1 && alts.length <= 2, `top_logprobs[${i}] has 1..2 entries`);
            assert.ok(Math.abs(Math.max(...alts) - logprobs.token_logprobs[i]) < 1e-6, 'greedy = best');
            if (i > 0) assert.ok(logprobs.text_offset[i] >= logprobs.text_offset[i - 1]);
        }
    });
});

describe('errors as typed client errors', () => {
    it('unknown model: NotFoundError', async () => {
        const error = await expectError(
            client.chat.completions.create({ ...CHAT, model: 'no-such-model' }), OpenAI.NotFoundError, 404,
            'model_not_found');
        assert.equal(error.param, 'model');
        await expectError(
            client.completions.create({ model: 'no-such-model', prompt: 'x' }), OpenAI.NotFoundError, 404);
    });

    it('empty messages: BadRequestError', async () => {
        const error = await expectError(
            client.chat.completions.create({ model: MODEL, messages: [] }), OpenAI.BadRequestError, 400);
        assert.equal(error.param, 'messages');
    });

    it('a conversation the chat template refuses: BadRequestError', async () => {
        // mistral_v0.1.jinja raises an exception for a system message.
        const error = await expectError(client.chat.completions.create({
            ...CHAT, messages: [{ role: 'system', content: 'Be brief.' }, ...CHAT.messages],
        }), OpenAI.BadRequestError, 400, 'invalid_conversation');
        assert.match(error.message, /roles/);
    });

    it('values out of range: BadRequestError', async () => {
        await expectError(client.chat.completions.create({ ...CHAT, temperature: 3 }), OpenAI.BadRequestError, 400);
        await expectError(client.chat.completions.create({ ...CHAT, n: 0 }), OpenAI.BadRequestError, 400);
        await expectError(client.chat.completions.create({ ...CHAT, max_tokens: 0 }), OpenAI.BadRequestError, 400);
        await expectError(
            client.chat.completions.create({ ...CHAT, top_logprobs: 2 }), OpenAI.BadRequestError, 400);
    });

    it('a prompt beyond the context: BadRequestError context_length_exceeded', async () => {
        const long = 'the river flows '.repeat(CTX);  // several tokens per repeat: far beyond CTX
        await expectError(
            client.chat.completions.create({ ...CHAT, messages: [{ role: 'user', content: long }] }),
            OpenAI.BadRequestError, 400, 'context_length_exceeded');
        await expectError(client.completions.create({ model: MODEL, prompt: long }),
            OpenAI.BadRequestError, 400, 'context_length_exceeded');
        // A short prompt with max_tokens beyond the context too.
        await expectError(client.chat.completions.create({ ...CHAT, max_tokens: CTX + 1 }),
            OpenAI.BadRequestError, 400, 'context_length_exceeded');
    });

    it('wrong types, unknown and missing fields: UnprocessableEntityError', async () => {
        await expectError(client.chat.completions.create({ ...CHAT, max_tokens: '5' }),
            OpenAI.UnprocessableEntityError, 422);
        await expectError(client.chat.completions.create({ ...CHAT, temperature: 'hot' }),
            OpenAI.UnprocessableEntityError, 422);
        await expectError(client.chat.completions.create({ ...CHAT, messages: 'hello' }),
            OpenAI.UnprocessableEntityError, 422);
        const unknown = await expectError(client.chat.completions.create({ ...CHAT, max_token: 5 }),
            OpenAI.UnprocessableEntityError, 422);
        assert.equal(unknown.param, 'max_token');
        await expectError(client.chat.completions.create({ model: MODEL }),
            OpenAI.UnprocessableEntityError, 422);
        await expectError(client.completions.create({ model: MODEL, prompt: 5 }),
            OpenAI.UnprocessableEntityError, 422);
    });

    it('a body over --max-body-bytes: 413', async () => {
        const big = 'x'.repeat(MAX_BODY + 1024);
        const error = await expectError(
            client.chat.completions.create({ ...CHAT, messages: [{ role: 'user', content: big }] }),
            OpenAI.APIError, 413);
        assert.equal(error.code, 'request_too_large');
        // The server is fine afterwards.
        const out = await client.chat.completions.create({ ...CHAT, max_tokens: 1 });
        assert.equal(out.choices.length, 1);
    });

    it('API keys: AuthenticationError without or with a wrong key, success with the key', async () => {
        const wrong = new OpenAI({ baseURL: AUTH_URL, apiKey: 'wrong-key', maxRetries: 0 });
        await expectError(wrong.models.list(), OpenAI.AuthenticationError, 401, 'invalid_api_key');
        await expectError(wrong.chat.completions.create({ ...CHAT, max_tokens: 1 }),
            OpenAI.AuthenticationError, 401);
        const prefix = new OpenAI({ baseURL: AUTH_URL, apiKey: API_KEY.slice(0, -1), maxRetries: 0 });
        await expectError(prefix.models.list(), OpenAI.AuthenticationError, 401);

        const right = new OpenAI({ baseURL: AUTH_URL, apiKey: API_KEY, maxRetries: 0 });
        const ids = [];
        for await (const model of right.models.list()) ids.push(model.id);
        assert.deepEqual(ids, [MODEL]);
        const out = await right.chat.completions.create({ ...CHAT, max_tokens: 3, ignore_eos: true });
        checkUsage(out.usage, { exactCompletion: 3 });
        const stream = await right.chat.completions.create({ ...CHAT, max_tokens: 3, ignore_eos: true, stream: true });
        const got = await collect(stream, 'chat');
        assert.equal(got.texts[0], out.choices[0].message.content);
    });
});
