import { startTelemetry } from '../common/observability/telemetry';
import { nationalConfig } from './config';

// Imported first by main.ts: tracing must start before http, undici and pg are loaded.
startTelemetry({ service: 'national' }, nationalConfig());
