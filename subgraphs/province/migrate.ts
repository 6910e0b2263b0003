import 'reflect-metadata';
import { runMigrations } from '../common/migrate';
import { PROVINCE_MIGRATIONS } from './migrations';

runMigrations('province migrations', PROVINCE_MIGRATIONS);
