import { GraphiQL } from 'graphiql';
import type { Fetcher } from '@graphiql/toolkit';
import { createRoot } from 'react-dom/client';
import 'graphiql/style.css';
import '@graphiql/react/font/roboto.css';
import '@graphiql/react/font/fira-code.css';
import './ide.css';

/**
 * The offline GraphQL IDE at GET /graphql (outside production): GraphiQL bundled at build time,
 * talking only to this gateway. The token comes from the box above it or a link (#token=…), is
 * kept for this tab only (sessionStorage) and goes with every request as the bearer token.
 */
const TOKEN_KEY = 'ide-token';

const EXAMPLE = `# Set a token above (npm run -s token -- --role portal --province 32), then run this:
# the portal of 32 searches its members by name prefix (at least two characters).
query Members {
  members(province: "32", filter: { namePrefix: "伍强" }, page: { first: 10 }) {
    edges { node { id name maskedIdNumber status poolingRegion { code name } } }
    pageInfo { hasNextPage endCursor }
  }
}
`;

function tokenFromLink(): void {
  const match = /(?:^|[#&])token=([^&]+)/.exec(location.hash);
  if (!match) return;
  sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(match[1]));
  history.replaceState(null, '', location.pathname + location.search); // the token leaves the address bar
}

const fetcherWith =
  (token: string | null): Fetcher =>
  async (params, options) => {
    const response = await fetch('/graphql', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(options?.headers as Record<string, string> | undefined),
      },
      body: JSON.stringify(params),
      credentials: 'omit',
      cache: 'no-store',
    });
    return response.json();
  };

const root = createRoot(document.getElementById('ide') as HTMLElement);

function show(): void {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const state = document.getElementById('token-state') as HTMLElement;
  state.textContent = token ? '已设置令牌（仅本标签页保存）' : '未设置令牌：每个请求都需要令牌';
  // A new token, a new fetcher: GraphiQL reads the schema again with it.
  root.render(<GraphiQL key={token ?? ''} fetcher={fetcherWith(token)} defaultQuery={EXAMPLE} />);
}

tokenFromLink();
document.getElementById('token-form')?.addEventListener('submit', (event) => {
  event.preventDefault();
  const input = document.getElementById('token-input') as HTMLInputElement;
  const token = input.value.trim().replace(/^bearer\s+/i, '');
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
  input.value = '';
  show();
});
show();
