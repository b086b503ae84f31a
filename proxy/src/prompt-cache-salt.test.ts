import { describe, expect, it } from 'vitest';
import { projectCacheSalt, saltedPromptBody, type SaltKey } from './prompt-cache-salt.ts';

const acme: SaltKey = { secret: '', project: 'acme' };
const salt = (key: SaltKey, client: string | null = null): string => projectCacheSalt(key, client);
const run = (body: string, key: SaltKey = acme): { ok: true; json: unknown; text: string } | { ok: false; message: string } => {
  const r = saltedPromptBody(Buffer.from(body), key);
  if (!r.ok) return r;
  const text = Buffer.from(r.bytes).toString('utf8');
  return { ok: true, json: JSON.parse(text.replace(/^\uFEFF/, '')), text };
};

describe('projectCacheSalt', () => {
  it('differs by project, by secret and by client salt, and is stable', () => {
    const all = [
      salt(acme),
      salt({ secret: '', project: 'other' }),
      salt({ secret: 's3cret', project: 'acme' }),
      salt(acme, ''),
      salt(acme, 'user-1'),
      // A project name and a client salt can never be shuffled into another pair.
      salt({ secret: '', project: 'acme\u00001' }),
      salt({ secret: '', project: 'acm' }, 'e'),
      // An open app's salt is its own, apart from its project's and from another open app's.
      salt({ secret: '', project: 'acme', openApp: 'acme/demo' }),
      salt({ secret: '', project: 'acme', openApp: 'acme/demo2' }),
      salt({ secret: '', project: 'acme', openApp: 'acme/demo' }, 'user-1'),
    ];
    expect(new Set(all).size).toBe(all.length);
    expect(salt(acme, 'user-1')).toBe(salt(acme, 'user-1'));
    expect(salt(acme)).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});

describe("saltedPromptBody: the body an engine gets for a project that keeps its prompt cache apart", () => {
  it.each([
    ['chat', '{"model":"m","messages":[{"role":"user","content":"hi"}]}'],
    ['completion', '{"prompt":"hi","max_tokens":3}'],
    ['responses / embeddings', '{"input":"hi"}'],
    ['leading whitespace', ' \r\n\t{ "prompt" : "hi" }'],
    ['a UTF-8 byte-order mark', '\uFEFF{"prompt":"hi"}'],
  ])('%s: the salt is added in front, every byte the client sent kept', (_name, body) => {
    const r = run(body);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect((r.json as { cache_salt: unknown }).cache_salt).toBe(salt(acme));
    const rest = body.replace(/^\uFEFF/, '').trimStart().slice(1);
    expect(r.text).toBe(`{"cache_salt":"${salt(acme)}",${rest}`);
  });

  it.each([
    ['a string', 'user-7', salt(acme, 'user-7')],
    ['another project\'s salt, copied', salt({ secret: '', project: 'victim' }), salt(acme, salt({ secret: '', project: 'victim' }))],
    ['null (no salt: still ours)', null, salt(acme)],
    ['SGLang\'s list, one per prompt', ['a', null], [salt(acme, 'a'), salt(acme)]],
  ])("the client's own salt (%s) is kept inside the project's", (_name, given, expected) => {
    const r = run(JSON.stringify({ prompt: ['x', 'y'], cache_salt: given, seed: 4 }));
    expect(r.ok && r.json).toEqual({ prompt: ['x', 'y'], cache_salt: expected, seed: 4 });
  });

  it('a salt spelt with escapes or given twice is still found and replaced', () => {
    const r = run('{"cache_salt":"a","prompt":"x","cache\\u005fsalt":"b"}');
    expect(r.ok && r.json).toEqual({ cache_salt: salt(acme, 'b'), prompt: 'x' });
    expect(r.ok && r.text.match(/cache_salt/g)?.length).toBe(1);
  });

  it.each([
    ['alone (vLLM\'s token-in generate, prompt_embeds)', { token_ids: [1, 2], cache_salt: 'victims-salt' }, { token_ids: [1, 2], cache_salt: salt(acme, 'victims-salt') }],
    ['null, alone', { token_ids: [1], cache_salt: null }, { token_ids: [1], cache_salt: salt(acme) }],
    ["SGLang's extra_key, alone (its native /generate's whole key)", { text: 'x', extra_key: 'victims-salt' }, { text: 'x', extra_key: salt(acme, 'victims-salt') }],
    ["SGLang's extra_key beside a prompt (appended to the salt)", { prompt: 'x', extra_key: ['a', null] }, { prompt: 'x', cache_salt: salt(acme), extra_key: [salt(acme, 'a'), salt(acme)] }],
  ])('a cache key the client names in a body with no prompt key (%s) never reaches the engine as sent', (_name, body, expected) => {
    const r = run(JSON.stringify(body));
    expect(r.ok && r.json).toEqual(expected);
  });

  it('a numeric extra_key is refused like a numeric salt', () => {
    const r = run('{"text":"x","extra_key":5}');
    expect(r.ok === false && r.message).toContain('extra_key must be a string');
  });

  it('a body too deeply nested to write out again is refused, not thrown (a 400, not a 500)', () => {
    const deep = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
    const r = saltedPromptBody(Buffer.from(`{"prompt":"x","cache_salt":"a","x":${deep}}`), acme);
    expect(r.ok === false && r.message).toContain('nested too deeply');
  });

  it.each([
    ['an object with no prompt', '{"model":"m"}'],
    ['an array', '[{"prompt":"x"}]'],
    ['a string', '"prompt"'],
    ['an empty object', '{}'],
  ])('%s passes unchanged', (_name, body) => {
    const r = saltedPromptBody(Buffer.from(body), acme);
    expect(r.ok && Buffer.from(r.bytes).toString()).toBe(body);
  });

  it.each([
    ['not JSON', '{"messages": [ not json', 'not valid JSON'],
    ["Python's NaN (the engine would read it, unsalted)", '{"prompt":"x","temperature":NaN}', 'not valid JSON'],
    ['UTF-16 (the engine would read it, unsalted)', Buffer.from('{"prompt":"x"}', 'utf16le'), 'not valid JSON'],
    ['a numeric salt', '{"prompt":"x","cache_salt":5}', 'cache_salt must be a string'],
    ['an object salt', '{"prompt":"x","cache_salt":{"a":1}}', 'cache_salt must be a string'],
  ])('%s is refused with a reason', (_name, body, reason) => {
    const r = saltedPromptBody(typeof body === 'string' ? Buffer.from(body) : body, acme);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toContain(reason);
  });
});
