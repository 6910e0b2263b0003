import { startTelemetry } from '../subgraphs/common/observability/telemetry';

// Imported first by main.ts: tracing must start before http and undici are loaded.
startTelemetry({ service: 'gateway' });
