import { readSettings, text, wholeNumber } from '../../subgraphs/common/config/settings';
import { configurationOnce } from '../../subgraphs/common/service-main';

/** What a peer gateway of the benchmark reads from its environment. */
export const peerSettings = {
  SUPERGRAPH_FILE: text('a file path').describe('The supergraph the peer gateway serves.'),
  PORT: wholeNumber({ min: 0, max: 65535 }).default(0).describe('The port (0: any free port).'),
};

export const peerConfig = configurationOnce(() => readSettings('peer gateway', peerSettings, process.env));
