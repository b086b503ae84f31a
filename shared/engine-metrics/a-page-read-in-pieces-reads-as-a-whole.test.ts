/**
 * The proxy's scraper reads a replica's page a piece at a time as it arrives
 * (proxy/src/replica-metrics-page.ts): split anywhere, even inside a line or a label, it must read
 * exactly as the whole text does, and a page with more samples of the wanted families than its
 * cap is refused at the line that passes it (the rest need not be read).
 */
import { expect, it } from 'vitest';
import { ALL_ENGINE_FAMILIES } from './engines.ts';
import { LLAMACPP, SGLANG, TGI, VLLM_V0, VLLM_V1 } from './engine-metric-samples.ts';
import { PrometheusTextReader, parsePrometheusText } from './prometheus-text.ts';

const inPieces = (text: string, size: number, maxSamples = Infinity): ReturnType<PrometheusTextReader['end']> => {
  const r = new PrometheusTextReader(ALL_ENGINE_FAMILIES, maxSamples);
  for (let at = 0; at < text.length; at += size) r.push(text.slice(at, at + size));
  return r.end();
};

it.each([
  ['vLLM V1', VLLM_V1],
  ['vLLM V0', VLLM_V0],
  ['SGLang', SGLANG],
  ['TGI', TGI],
  ['llama.cpp', LLAMACPP],
  ['no final newline', 'vllm:num_requests_running{model_name="a"} 1\nvllm:num_requests_waiting 2'],
  ['garbage on line 3', 'vllm:num_requests_running 1\n\n<html>\nvllm:num_requests_waiting 2\n'],
])('%s reads the same in pieces of 1, 7 and 64 characters', (_name, text) => {
  const whole = parsePrometheusText(text, ALL_ENGINE_FAMILIES);
  for (const size of [1, 7, 64]) expect(inPieces(text, size)).toEqual(whole);
});

it('refuses a page past its cap of wanted samples, naming the line', () => {
  const page = ['# HELP unrelated', 'unrelated_total 1', ...Array.from({ length: 5 }, (_, i) => `vllm:num_requests_running{lora="a${i}"} 0`)].join('\n');
  expect(inPieces(page, 10, 4)).toEqual({ ok: false, reason: 'more than 4 samples of the wanted families (line 7)' });
  expect(inPieces(page, 10, 5).ok).toBe(true);
});
