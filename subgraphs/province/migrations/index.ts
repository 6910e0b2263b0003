import { Init1732300000000 } from './1732300000000-Init';
import { Memberships1732500000000 } from './1732500000000-Memberships';
import { KeptFigures1732700000000 } from './1732700000000-KeptFigures';
import { AnswersByKey1732800000000 } from './1732800000000-AnswersByKey';
import { DataAccessRecords1732900000000 } from './1732900000000-DataAccessRecords';
import { AccountMoves1733000000000 } from './1733000000000-AccountMoves';
import { PortalLists1733200000000 } from './1733200000000-PortalLists';
import { FigureRowAge1733217000000 } from './1733217000000-FigureRowAge';
import { PlatformClock1733400000000 } from './1733400000000-PlatformClock';
import { PersonalDataAtRest1733700000000 } from './1733700000000-PersonalDataAtRest';
import { UnsealedValuesByIndex1733900000001 } from './1733900000001-UnsealedValuesByIndex';

/** The province database's schema, oldest first: run at start and by the `migrate` entry point. */
export const PROVINCE_MIGRATIONS = [
  Init1732300000000,
  Memberships1732500000000,
  KeptFigures1732700000000,
  AnswersByKey1732800000000,
  DataAccessRecords1732900000000,
  AccountMoves1733000000000,
  PortalLists1733200000000,
  FigureRowAge1733217000000,
  PlatformClock1733400000000,
  PersonalDataAtRest1733700000000,
  UnsealedValuesByIndex1733900000001,
];
