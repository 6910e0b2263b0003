import { startTelemetry } from '../common/observability/telemetry';
import { provinceConfig } from './config';

// Imported first by main.ts: tracing must start before http, undici and pg are loaded.
const config = provinceConfig();
startTelemetry({ service: 'province', province: config.PROVINCE }, config);
