import { join } from 'node:path';
import { gatewaySettings } from '../gateway/config';
import { documentSettings, type SettingDoc, type SettingsShape } from '../subgraphs/common/config/settings';
import { sharedSettings } from '../subgraphs/common/config/shared';
import { nationalSettings } from '../subgraphs/national/config';
import { provinceSettings } from '../subgraphs/province/config';

/** The documented table of variables, generated from the services' configuration schemas. */
export const CONFIGURATION_DOC = join(__dirname, '..', '..', 'docs', 'configuration.md');

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function table(rows: SettingDoc[]): string {
  const lines = ['| Variable | Accepts | Default | What it does |', '| --- | --- | --- | --- |'];
  for (const row of rows) {
    const shownDefault = row.default === '(required)' ? '**required**' : row.default === '' ? '' : `\`${row.default}\``;
    lines.push(`| \`${row.name}\` | ${cell(row.accepts)} | ${cell(shownDefault)} | ${cell(row.description)} |`);
  }
  return lines.join('\n');
}

/** A service's own variables: those its schema adds to the shared ones. */
const ownOf = (shape: SettingsShape) => documentSettings(shape).filter((row) => !(row.name in sharedSettings));

export function configurationDoc(): string {
  return `<!-- Generated from the configuration schemas by \`npm run config:docs\`: edit the schemas, not this file. -->
# Configuration

Each service reads its environment once, when it starts, and checks every variable against its
schema (\`gateway/config.ts\`, \`subgraphs/national/config.ts\`, \`subgraphs/province/config.ts\`, with
the variables all three share in \`subgraphs/common/config/shared.ts\`). A variable that is missing
or malformed stops the service before it does anything, with exit code 2 and one sentence naming
every variable at fault, for example:

    province cannot start: PORT must be a whole number from 0 to 65535 (it is "abc"); DATABASE_URL must be set.

A variable set to the empty string counts as not set. The value of a secret (a key, a database
URL) is never repeated in that sentence.

## Every service

${table(documentSettings(sharedSettings))}

## Gateway

${table(ownOf(gatewaySettings))}

## National

${table(ownOf(nationalSettings))}

## Province (each provincial deployment)

${table(ownOf(provinceSettings))}
`;
}
