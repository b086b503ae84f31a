import { describe, expect, it } from 'vitest';
import type { Deployed, TenantLoad } from './pinned-start-slots.ts';
import { homesOf, pinnedStartSlots } from './pinned-start-slots.ts';

// Start-up slots a cluster's other tenants with fewer homes need (`pinned-start-slots.ts`):
// the EU-only app on a fleet of 3 EU + 2 US clusters, against a global app on all 5.

const EU = (region: string, gpuType: string | null = 'H100'): Deployed => ({ region, continent: 'EU', gpuType, excluded: false });
const US = (region: string): Deployed => ({ region, continent: 'NA', gpuType: 'H100', excluded: false });
const FLEET = [EU('eu-west'), EU('eu-central'), EU('eu-north'), US('us-east'), US('us-west')];

describe('homes an app may serve from', () => {
  it.each([
    { name: 'no constraint: every deployment', residency: { kind: 'any' } as const, gpu: [], fleet: FLEET, at: 'EU' as const, homes: 5 },
    { name: 'EU residency: the EU deployments', residency: { kind: 'continents', continents: ['EU'] } as const, gpu: [], fleet: FLEET, at: 'EU' as const, homes: 3 },
    { name: 'client continent: the deployments on the cluster’s continent', residency: { kind: 'client-continent' } as const, gpu: [], fleet: FLEET, at: 'NA' as const, homes: 2 },
    { name: 'a GPU type the app cannot use, an excluded cluster', residency: { kind: 'any' } as const, gpu: ['H100'], fleet: [...FLEET.slice(1), EU('eu-west', 'L4'), { ...US('us-central'), excluded: true }], at: 'EU' as const, homes: 4 },
  ])('$name', ({ residency, gpu, fleet, at, homes }) => {
    expect(homesOf(residency, gpu, fleet, at)).toBe(homes);
  });
});

const tenant = (over: Partial<TenantLoad>): TenantLoad => ({ homes: 3, hotBusy: 40, hotFree: 8, queued: 0, inflowPerS: null, serviceMs: 10_000, ...over });

describe('start-up slots pinned by tenants with fewer homes', () => {
  it.each([
    { name: 'a queue beyond its free slots: the rest must start', own: 5, tenants: [tenant({ queued: 30 })], pinned: 22 },
    { name: 'arrivals × service time beyond its loaded slots (the queue lags the arrivals)', own: 5, tenants: [tenant({ inflowPerS: 8 })], pinned: 32 },
    { name: 'unreported service time: the fallback', own: 5, tenants: [tenant({ hotBusy: 10, inflowPerS: 8, serviceMs: null })], pinned: 22 },
    { name: 'room to spare: nothing pinned', own: 5, tenants: [tenant({ hotFree: 40 })], pinned: 0 },
    { name: 'a tenant with as many homes is an equal: not counted', own: 3, tenants: [tenant({ queued: 30 })], pinned: 0 },
    { name: 'tenants add up', own: 5, tenants: [tenant({ queued: 30 }), tenant({ homes: 1, queued: 10 })], pinned: 24 },
  ])('$name', ({ own, tenants, pinned }) => {
    expect(pinnedStartSlots(own, tenants, 5_000)).toBeCloseTo(pinned, 9);
  });
});
