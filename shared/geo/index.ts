export { EARTH_RADIUS_KM, greatCircleKm } from './distance.ts';
export {
  FIBRE_KM_PER_MS,
  FIXED_OVERHEAD_MS,
  ROUTE_INFLATION,
  estimateRttMs,
  estimateRttsMs,
  rttMsForKm,
} from './rtt-model.ts';
