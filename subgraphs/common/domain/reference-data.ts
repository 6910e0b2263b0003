/**
 * GB/T 2260 reference data: the 31 provincial-level divisions of the mainland and the pooling
 * regions (统筹区) the platform knows. `crossProvinceEnabled` marks the pilot regions (R8);
 * `walletEnabled` marks regions where the medical-insurance wallet is switched on (R5).
 */
export interface ProvinceRecord {
  code: string;
  name: string;
}

export interface PoolingRegionRecord {
  code: string;
  name: string;
  crossProvinceEnabled: boolean;
  walletEnabled: boolean;
}

export const PROVINCES: readonly ProvinceRecord[] = [
  { code: '11', name: '北京市' },
  { code: '12', name: '天津市' },
  { code: '13', name: '河北省' },
  { code: '14', name: '山西省' },
  { code: '15', name: '内蒙古自治区' },
  { code: '21', name: '辽宁省' },
  { code: '22', name: '吉林省' },
  { code: '23', name: '黑龙江省' },
  { code: '31', name: '上海市' },
  { code: '32', name: '江苏省' },
  { code: '33', name: '浙江省' },
  { code: '34', name: '安徽省' },
  { code: '35', name: '福建省' },
  { code: '36', name: '江西省' },
  { code: '37', name: '山东省' },
  { code: '41', name: '河南省' },
  { code: '42', name: '湖北省' },
  { code: '43', name: '湖南省' },
  { code: '44', name: '广东省' },
  { code: '45', name: '广西壮族自治区' },
  { code: '46', name: '海南省' },
  { code: '50', name: '重庆市' },
  { code: '51', name: '四川省' },
  { code: '52', name: '贵州省' },
  { code: '53', name: '云南省' },
  { code: '54', name: '西藏自治区' },
  { code: '61', name: '陕西省' },
  { code: '62', name: '甘肃省' },
  { code: '63', name: '青海省' },
  { code: '64', name: '宁夏回族自治区' },
  { code: '65', name: '新疆维吾尔自治区' },
];

/** The provinces a cluster runs: codes, or 'all' (every province above). */
export type ProvinceSelection = readonly string[] | 'all';

export function provincesOf(selection: ProvinceSelection): string[] {
  return selection === 'all' ? PROVINCES.map((p) => p.code) : [...selection];
}

const capital = (code: string, name: string): PoolingRegionRecord => ({
  code,
  name,
  crossProvinceEnabled: false,
  walletEnabled: true,
});

export const POOLING_REGIONS: readonly PoolingRegionRecord[] = [
  // The three provinces started by default, with pilot and non-pilot regions of each.
  { code: '320100', name: '南京市', crossProvinceEnabled: true, walletEnabled: true },
  { code: '320200', name: '无锡市', crossProvinceEnabled: false, walletEnabled: false },
  { code: '320500', name: '苏州市', crossProvinceEnabled: true, walletEnabled: true },
  { code: '130100', name: '石家庄市', crossProvinceEnabled: true, walletEnabled: true },
  { code: '130600', name: '保定市', crossProvinceEnabled: false, walletEnabled: true },
  { code: '510100', name: '成都市', crossProvinceEnabled: true, walletEnabled: true },
  { code: '510700', name: '绵阳市', crossProvinceEnabled: false, walletEnabled: true },
  // One region (the capital) for every other province, so any province can be started.
  capital('110100', '北京市'),
  capital('120100', '天津市'),
  capital('140100', '太原市'),
  capital('150100', '呼和浩特市'),
  capital('210100', '沈阳市'),
  capital('220100', '长春市'),
  capital('230100', '哈尔滨市'),
  capital('310100', '上海市'),
  capital('330100', '杭州市'),
  capital('340100', '合肥市'),
  capital('350100', '福州市'),
  capital('360100', '南昌市'),
  capital('370100', '济南市'),
  capital('410100', '郑州市'),
  capital('420100', '武汉市'),
  capital('430100', '长沙市'),
  capital('440100', '广州市'),
  capital('450100', '南宁市'),
  capital('460100', '海口市'),
  capital('500100', '重庆市'),
  capital('520100', '贵阳市'),
  capital('530100', '昆明市'),
  capital('540100', '拉萨市'),
  capital('610100', '西安市'),
  capital('620100', '兰州市'),
  capital('630100', '西宁市'),
  capital('640100', '银川市'),
  capital('650100', '乌鲁木齐市'),
];

export function provinceOfRegion(regionCode: string): string {
  return regionCode.slice(0, 2);
}

export function findProvince(code: string): ProvinceRecord | undefined {
  return PROVINCES.find((p) => p.code === code);
}

export function findPoolingRegion(code: string): PoolingRegionRecord | undefined {
  return POOLING_REGIONS.find((r) => r.code === code);
}

export function regionsOfProvince(provinceCode: string): PoolingRegionRecord[] {
  return POOLING_REGIONS.filter((r) => provinceOfRegion(r.code) === provinceCode);
}

export function isProvinceCode(code: string): boolean {
  return findProvince(code) !== undefined;
}
