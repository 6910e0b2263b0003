import { startTelemetry } from '../subgraphs/common/platform/observability/telemetry';
import { gatewayConfig } from './config';

// Imported first by main.ts: tracing must start before http and undici are loaded.
// Its data sources put each request's trace on the calls they make (subgraph-source.ts).
startTelemetry({ service: 'gateway' }, gatewayConfig(), true);
