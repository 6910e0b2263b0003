import { Init1732300000000 } from './1732300000000-Init';
import { MutualAid1732400000000 } from './1732400000000-MutualAid';
import { PilotRules1732500000000 } from './1732500000000-PilotRules';
import { RelationshipDonorIndex1732700000000 } from './1732700000000-RelationshipDonorIndex';
import { AnswersByKey1732800000000 } from './1732800000000-AnswersByKey';
import { AccessRecordOutbox1732900000000 } from './1732900000000-AccessRecordOutbox';
import { AccountMoves1733000000000 } from './1733000000000-AccountMoves';
import { AidStatistics1733100000000 } from './1733100000000-AidStatistics';
import { PortalLists1733200000000 } from './1733200000000-PortalLists';
import { ObservableOutbox1733217000000 } from './1733217000000-ObservableOutbox';
import { WalletEvents1733300000000 } from './1733300000000-WalletEvents';
import { PlatformClock1733400000000 } from './1733400000000-PlatformClock';
import { MoveSaga1733429000000 } from './1733429000000-MoveSaga';
import { AidDayFigures1733500000000 } from './1733500000000-AidDayFigures';
import { AidBreakdowns1733600000000 } from './1733600000000-AidBreakdowns';
import { ReconciliationResults1733626000000 } from './1733626000000-ReconciliationResults';
import { PersonalDataAtRest1733700000000 } from './1733700000000-PersonalDataAtRest';
import { ParticipantChanges1733800000000 } from './1733800000000-ParticipantChanges';
import { OneFigureTriggerPerChange1733900000001 } from './1733900000001-OneFigureTriggerPerChange';
import { UnsealedValuesByIndex1733900000002 } from './1733900000002-UnsealedValuesByIndex';

/** The national database's schema, oldest first: run at start and by the `migrate` entry point. */
export const NATIONAL_MIGRATIONS = [
  Init1732300000000,
  MutualAid1732400000000,
  PilotRules1732500000000,
  RelationshipDonorIndex1732700000000,
  AnswersByKey1732800000000,
  AccessRecordOutbox1732900000000,
  AccountMoves1733000000000,
  AidStatistics1733100000000,
  PortalLists1733200000000,
  ObservableOutbox1733217000000,
  WalletEvents1733300000000,
  PlatformClock1733400000000,
  MoveSaga1733429000000,
  AidDayFigures1733500000000,
  AidBreakdowns1733600000000,
  ReconciliationResults1733626000000,
  PersonalDataAtRest1733700000000,
  ParticipantChanges1733800000000,
  OneFigureTriggerPerChange1733900000001,
  UnsealedValuesByIndex1733900000002,
];
