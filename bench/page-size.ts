/**
 * What a browser downloads to open the national dashboard the first time (empty cache): the page
 * and every file it names, as the gateway serves them, plain and gzipped.
 */
export interface PageLoad {
  files: { path: string; bytes: number; gzipBytes: number }[];
  bytes: number;
  gzipBytes: number;
}

async function size(url: string, encoding: 'identity' | 'gzip'): Promise<{ bytes: number; text: string }> {
  const response = await fetch(url, { headers: { 'accept-encoding': encoding } });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  const text = await response.text();
  return { bytes: Number(response.headers.get('content-length') ?? Buffer.byteLength(text)), text };
}

export async function dashboardFirstLoad(gatewayBaseUrl: string): Promise<PageLoad> {
  const page = await size(`${gatewayBaseUrl}/dashboard`, 'identity');
  const named = [...page.text.matchAll(/(?:src|href)="(\/dashboard\/[^"]+)"/g)].map((m) => m[1]);
  const files = [];
  for (const path of ['/dashboard', ...named]) {
    const [plain, gzipped] = await Promise.all([
      size(`${gatewayBaseUrl}${path}`, 'identity'),
      size(`${gatewayBaseUrl}${path}`, 'gzip'),
    ]);
    files.push({ path, bytes: plain.bytes, gzipBytes: gzipped.bytes });
  }
  return {
    files,
    bytes: files.reduce((n, f) => n + f.bytes, 0),
    gzipBytes: files.reduce((n, f) => n + f.gzipBytes, 0),
  };
}
