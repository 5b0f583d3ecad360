/**
 * Dependency rules, checked in CI by `npm run deps` (part of `npm run check`).
 * libs/domain and libs/projections are pure TypeScript (../shared/STYLE.md §1, docs/adr/0002-pure-libs.md).
 */
const frameworks =
  '(@nestjs|rxjs|nats|pg|pg-[a-z-]+|@eventstore|@kurrent|class-validator|class-transformer|pino|prom-client|testcontainers)';

module.exports = {
  forbidden: [
    {
      name: 'pure-libs-no-frameworks',
      comment:
        'libs/domain, libs/projections and libs/carrier-formats import no framework, broker or database client.',
      severity: 'error',
      from: { path: '^libs/(domain|projections|carrier-formats)/' },
      to: { path: `(^|node_modules/)${frameworks}(/|$)` },
    },
    {
      name: 'domain-depends-on-nothing-of-ours',
      comment: 'The domain is the centre: it imports no other Waybill lib or app.',
      severity: 'error',
      from: { path: '^libs/domain/' },
      to: { path: '^(apps|libs/(?!domain/))' },
    },
    {
      name: 'projections-only-on-domain',
      severity: 'error',
      from: { path: '^libs/projections/' },
      to: { path: '^(apps|libs/(?!(domain|projections)/))' },
    },
    {
      name: 'libs-never-import-apps',
      severity: 'error',
      from: { path: '^libs/' },
      to: { path: '^apps/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    exclude: { path: '(^dist/|\\.d\\.ts$)' },
  },
};
