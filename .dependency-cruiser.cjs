/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Modules must not depend on each other in a cycle.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'fsm-imports-only-xstate',
      severity: 'error',
      comment: 'fsm/ is a pure machine: xstate and its own files, no I/O, no node built-ins.',
      from: { path: '^fsm/' },
      to: { pathNot: '^fsm/|(^|/)node_modules/xstate/' },
    },
    {
      name: 'schemas-imports-only-ajv-and-errors',
      severity: 'error',
      comment:
        'schemas/ may use ajv, ajv-formats, node built-ins, errors/, the job types (model/job.ts) and its own files.',
      from: { path: '^schemas/' },
      to: {
        pathNot: '^(schemas|errors)/|^model/job\\.ts$|(^|/)node_modules/(ajv|ajv-formats)/',
        dependencyTypesNot: ['core'],
      },
    },
    {
      name: 'core-not-to-app-or-cli',
      severity: 'error',
      comment:
        'actors/ and http/ talk to ports; they do not reach up into the composition (app/) or the command line (cli/).',
      from: { path: '^(actors|http)/' },
      to: { path: '^(app|cli)/' },
    },
    {
      name: 'adapters-wired-only-by-app',
      severity: 'error',
      comment: 'app/ is the only place that wires adapters to ports; everything else knows the ports alone.',
      from: { pathNot: '^(app|adapters)/' },
      to: { path: '^adapters/' },
    },
    {
      name: 'adapters-not-to-core-app-or-cli',
      severity: 'error',
      comment: 'Adapters implement ports; they must not reach up into actors/, http/, app/ or cli/.',
      from: { path: '^adapters/' },
      to: { path: '^(actors|http|app|cli)/' },
    },
    {
      name: 'config-imports-only-schemas-and-errors',
      severity: 'error',
      comment: 'config/ reads and validates settings: schemas/, errors/, node built-ins and its own files.',
      from: { path: '^config/' },
      to: {
        pathNot: '^(config|schemas|errors)/|^model/job\\.ts$|(^|/)node_modules/(ajv|ajv-formats)/',
        dependencyTypesNot: ['core'],
      },
    },
    {
      name: 'registry-imports-only-schemas-and-errors',
      severity: 'error',
      comment:
        'registry/ reads and validates the pipeline registry file: ' +
        'schemas/, errors/, yaml, ajv, node built-ins and its own files.',
      from: { path: '^registry/' },
      to: {
        pathNot: '^(registry|schemas|errors)/|^model/job\\.ts$|(^|/)node_modules/(ajv|ajv-formats|yaml)/',
        dependencyTypesNot: ['core'],
      },
    },
    {
      name: 'protocol-imports-only-schemas-errors-model',
      severity: 'error',
      comment:
        'protocol/ is the wire format both sides of a process boundary share: it sits below the server and the ' +
        'client, so it may use only schemas/, errors/, model/, node built-ins and its own files.',
      from: { path: '^protocol/' },
      to: {
        pathNot: '^(protocol|schemas|errors|model)/',
        dependencyTypesNot: ['core'],
      },
    },
    {
      name: 'client-imports-only-protocol-schemas-and-errors',
      severity: 'error',
      comment:
        'The client library ships alone: protocol/, schemas/, errors/, the job types (model/job.ts), amqplib, ' +
        'node built-ins and its own files.',
      from: { path: '^client/' },
      to: {
        pathNot: '^(client|protocol|schemas|errors)/|^model/job\\.ts$|(^|/)node_modules/amqplib/',
        dependencyTypesNot: ['core'],
      },
    },
    {
      name: 'client-not-to-server',
      severity: 'error',
      comment:
        'The client reaches the server through protocol/ only, never through its code (and so the server can ' +
        'change without breaking shipped clients).',
      from: { path: '^client/' },
      to: { path: '^(http|actors|adapters|cli|app)/' },
    },
    {
      name: 'server-not-to-client',
      severity: 'error',
      comment: 'What the server and the client share lives in protocol/; the server never imports the client library.',
      from: { path: '^(http|actors|adapters|ports|model|schemas|fsm|config|registry|app)/' },
      to: { path: '^client/' },
    },
    {
      name: 'cli-not-to-http',
      severity: 'error',
      comment:
        'Commands reach a server over HTTP with the client library, never through the server code; ' +
        'app/ builds the HTTP server.',
      from: { path: '^cli/' },
      to: { path: '^http/' },
    },
    {
      name: 'no-test-or-bench-imports',
      severity: 'error',
      comment: 'Shipped code must not import tests, fixtures or benchmarks.',
      from: { path: '^(fsm|schemas|errors|config|registry|model|protocol|ports|adapters|actors|http|app|cli|client)/' },
      to: { path: '^(test|bench)/' },
    },
    {
      name: 'slurm-mailprog-stays-light',
      severity: 'error',
      comment:
        'slurmctld starts one MailProg per mail and kills it after 120 s: its entry point must not load the ' +
        'servers, stores or bus drivers (see docs/slurm.md).',
      from: { path: '^cli/slurm-mail-main\\.ts$' },
      to: {
        path:
          '(^|/)node_modules/(fastify|@fastify|mongodb|amqplib|better-sqlite3|pino|prom-client|xstate)/' +
          '|^(adapters|actors|app|fsm)/',
        reachable: true,
      },
    },
    {
      name: 'ui-room-reached-only-by-build-app',
      severity: 'error',
      comment:
        'The dashboard (http/ui/) sits on top of the HTTP app: only buildApp registers it; the API routes, the ' +
        'bridge and the auth never depend on it.',
      from: { path: '^http/', pathNot: '^http/(ui/|build-app\\.ts$)' },
      to: { path: '^http/ui/' },
    },
    {
      name: 'ui-markup-only-through-html-tag',
      severity: 'error',
      comment:
        'Escaped by construction: ghtml is used by http/ui/html.ts alone, whose tag escapes every value that is not ' +
        "markup made by the tag itself (ghtml's raw form is refused there).",
      from: { pathNot: '^http/ui/html\\.ts$' },
      to: { path: '(^|/)node_modules/ghtml/' },
    },
    {
      name: 'ui-reads-through-ports',
      severity: 'error',
      comment: 'The dashboard reads the store and the bus through their ports, like the query API.',
      from: { path: '^http/ui/' },
      to: { path: '^(adapters|actors|app|cli|client)/' },
    },
    {
      name: 'errors-import-nothing-of-ours',
      severity: 'error',
      comment: 'errors/ sits under everything else, so it depends on nothing in this repository.',
      from: { path: '^errors/' },
      to: {
        pathNot: '^errors/|(^|/)node_modules/',
        dependencyTypesNot: ['core'],
      },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
