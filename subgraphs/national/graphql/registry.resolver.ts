import { Arg, Ctx, FieldResolver, ID, Query, Resolver, Root } from 'type-graphql';
import { PageInput, pageOf } from '../../common/platform/graphql/connection';
import type { NationalContext } from '../context';
import { Wallet } from './member.types';
import { Institution } from './settlement.types';
import { findProvinceRow, listProvinces, type ProvinceRow, regionsOfProvince } from '../registry/registry';
import { PoolingRegion, PoolingRegionConnection, Province, ProvinceConnection } from './registry.types';

/** A registry row as the national subgraph shows it. */
export const toProvince = (row: ProvinceRow, ctx: NationalContext): Province =>
  Object.assign(new Province(), { ...row, connected: ctx.provinces.isConnected(row.code) });

/** A province of the registry by code, as the national subgraph shows it. */
export async function loadProvince(ctx: NationalContext, code: string): Promise<Province | null> {
  const row = await findProvinceRow(ctx.reads, code);
  return row ? toProvince(row, ctx) : null;
}

@Resolver(() => Province)
export class ProvinceResolver {
  @Query(() => ProvinceConnection, { description: 'The provincial-level divisions, by code.' })
  async provinces(
    @Ctx() ctx: NationalContext,
    @Arg('page', () => PageInput, { nullable: true }) page?: PageInput,
    @Arg('connectedOnly', { defaultValue: false, description: 'Only provinces that run a deployment.' })
    connectedOnly?: boolean,
  ): Promise<ProvinceConnection> {
    const only = connectedOnly ? ctx.provinces.connected : undefined;
    return pageOf(
      page,
      (limit, after) => listProvinces(ctx.reads, limit, after, only),
      (r) => toProvince(r, ctx),
      (p) => p.code,
    );
  }

  @Query(() => Province, { nullable: true })
  async province(@Arg('code', () => ID) code: string, @Ctx() ctx: NationalContext): Promise<Province | null> {
    return loadProvince(ctx, code);
  }

  @FieldResolver(() => PoolingRegionConnection)
  async poolingRegions(
    @Root() province: Province,
    @Ctx() ctx: NationalContext,
    @Arg('page', () => PageInput, { nullable: true }) page?: PageInput,
  ): Promise<PoolingRegionConnection> {
    return pageOf(
      page,
      (limit, after) => regionsOfProvince(ctx.reads, province.code, limit, after),
      PoolingRegion.from,
      (r) => r.code,
    );
  }
}

@Resolver(() => PoolingRegion)
export class PoolingRegionResolver {
  @FieldResolver(() => Province)
  async province(@Root() region: PoolingRegion, @Ctx() ctx: NationalContext): Promise<Province> {
    return (await loadProvince(ctx, region.provinceCode)) as Province;
  }
}

async function regionByCode(ctx: NationalContext, code: string | null): Promise<PoolingRegion | null> {
  const record = code ? await ctx.regions.load(code) : null;
  return record ? PoolingRegion.from(record) : null;
}

@Resolver(() => Wallet)
export class WalletRegionResolver {
  @FieldResolver(() => PoolingRegion, { nullable: true, description: 'R29: where the member mostly uses it (使用地).' })
  placeOfUse(@Root() wallet: Wallet, @Ctx() ctx: NationalContext): Promise<PoolingRegion | null> {
    return regionByCode(ctx, wallet.placeOfUseCode);
  }
}

@Resolver(() => Institution)
export class InstitutionRegionResolver {
  @FieldResolver(() => PoolingRegion)
  async poolingRegion(@Root() institution: Institution, @Ctx() ctx: NationalContext): Promise<PoolingRegion> {
    return (await regionByCode(ctx, institution.poolingRegionCode)) as PoolingRegion;
  }
}

export const registryReferences = {
  Province: {
    __resolveReference(reference: { code: string }, ctx: NationalContext): Promise<Province | null> {
      return loadProvince(ctx, reference.code);
    },
  },
  PoolingRegion: {
    __resolveReference(reference: { code: string }, ctx: NationalContext): Promise<PoolingRegion | null> {
      return regionByCode(ctx, reference.code);
    },
  },
};
