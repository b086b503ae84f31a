import { describe, expect, it } from 'vitest';
import { parseAggregatorYaml } from './aggregator-config.ts';

const yaml = (app: string): string => `
cluster: { id: us-east-1, region: us-east, provider: coreweave, proxyUrl: "https://p.example.com", proxyId: proxy-us-east }
gpus: { H100: 4.25 }
apps:
  acme/chat:
${app}
`;

describe('aggregator config: the kubernetes block of an app', () => {
  it('fills the defaults and needs no static replicas', () => {
    const r = parseAggregatorYaml(yaml('    slotsPerReplica: 4\n    kubernetes: { namespace: inference, selector: app=vllm-chat, port: 8000 }'), 'agg.yaml');
    expect(r.ok ? r.config.apps[0] : r.issues).toMatchObject({
      replicas: [],
      kubernetes: { namespace: 'inference', selector: 'app=vllm-chat', port: 8000, scheme: 'http', nodeSelector: null, gpuResource: 'nvidia.com/gpu', gpusPerReplica: 1, coldNodeGroups: null },
    });
  });

  it.each([
    ['neither replicas nor kubernetes', '    slotsPerReplica: 4', 'apps.acme/chat.replicas', /kubernetes block/],
    ['a namespace that is not a name', '    slotsPerReplica: 4\n    kubernetes: { namespace: Inference_1, selector: app=x, port: 8000 }', 'apps.acme/chat.kubernetes.namespace', /namespace/],
    ['a port out of range', '    slotsPerReplica: 4\n    kubernetes: { namespace: inference, selector: app=x, port: 70000 }', 'apps.acme/chat.kubernetes.port', /./],
    ['a selector with spaces', '    slotsPerReplica: 4\n    kubernetes: { namespace: inference, selector: "app = x", port: 8000 }', 'apps.acme/chat.kubernetes.selector', /without spaces/],
    ['a cold node-group pattern that is not a regular expression', '    slotsPerReplica: 4\n    kubernetes: { namespace: inference, selector: app=x, port: 8000, coldNodeGroups: { match: "gpu-(", gpusPerNode: 8 } }', 'apps.acme/chat.kubernetes.coldNodeGroups.match', /regular expression/],
    ['cold node groups without GPUs per node', '    slotsPerReplica: 4\n    kubernetes: { namespace: inference, selector: app=x, port: 8000, coldNodeGroups: { match: "^gpu-" } }', 'apps.acme/chat.kubernetes.coldNodeGroups.gpusPerNode', /./],
    ['an unknown field', '    slotsPerReplica: 4\n    kubernetes: { namespace: inference, selector: app=x, port: 8000, replicas: 3 }', 'apps.acme/chat.kubernetes.replicas', /unknown field/],
  ])('refuses %s', (_name, app, path, message) => {
    const r = parseAggregatorYaml(yaml(app), 'agg.yaml');
    expect(r.ok).toBe(false);
    const issue = r.ok ? undefined : r.issues.find((i) => i.path === path);
    expect(issue?.message, JSON.stringify(r.ok ? null : r.issues)).toMatch(message);
  });
});
