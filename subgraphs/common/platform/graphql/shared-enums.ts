import { registerEnumType } from 'type-graphql';
import { InsuranceType, FundSource } from '../../domain/enums';

/** The shared domain's enums as both subgraph schemas name them. */
registerEnumType(InsuranceType, { name: 'InsuranceType', description: 'The scheme a member is insured in.' });
registerEnumType(FundSource, { name: 'FundSource', description: 'A part of the personal account (资金来源).' });
