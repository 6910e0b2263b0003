import { registerEnumType } from 'type-graphql';
import { Relation, Channel } from '../relationships/relationship-rules';
import { InstitutionKind, ExpenseCategory, AuthMethod, PremiumKind } from '../settlement/expense-rules';

/** The national domain's enums as the schema names them (the domain modules know nothing of GraphQL). */
registerEnumType(Relation, { name: 'Relation', description: 'How the beneficiary is related to the donor.' });
registerEnumType(Channel, { name: 'Channel', description: 'R6: the channel a request came through (办理渠道).' });
registerEnumType(InstitutionKind, { name: 'InstitutionKind' });
registerEnumType(ExpenseCategory, { name: 'ExpenseCategory' });
registerEnumType(AuthMethod, { name: 'AuthMethod', description: 'R15: how the beneficiary authenticated.' });
registerEnumType(PremiumKind, { name: 'PremiumKind' });
