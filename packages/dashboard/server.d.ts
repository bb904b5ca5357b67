/** Absolute path of the built dashboard (index.html + assets/); the node serves it at GET /. */
export declare function dashboardDir(): string;

/** Content-Security-Policy the page works under: everything from the node itself, nothing else. */
export declare const DASHBOARD_CSP: string;
