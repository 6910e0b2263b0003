/** How many items a page of any list holds: the default, and the most a caller may ask for. */
export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;
