import { startTelemetry } from '../subgraphs/common/observability/telemetry';
import { gatewayConfig } from './config';

// Imported first by main.ts: tracing must start before http and undici are loaded.
startTelemetry({ service: 'gateway' }, gatewayConfig());
