import 'reflect-metadata';
import { runMigrations } from '../common/migrate';
import { provinceMigrateConfig } from './config';
import { PROVINCE_MIGRATIONS } from './migrations';

runMigrations('province migrations', provinceMigrateConfig().DATABASE_URL, PROVINCE_MIGRATIONS);
