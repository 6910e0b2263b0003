import 'reflect-metadata';
import { runMigrations } from '../common/migrate';
import { NATIONAL_MIGRATIONS } from './migrations';

runMigrations('national migrations', NATIONAL_MIGRATIONS);
