import 'reflect-metadata';
import { runMigrations } from '../common/migrate';
import { nationalMigrateConfig } from './config';
import { NATIONAL_MIGRATIONS } from './migrations';

runMigrations('national migrations', nationalMigrateConfig().DATABASE_URL, NATIONAL_MIGRATIONS);
