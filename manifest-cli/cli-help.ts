/** Usage text of the `deploynet` command line, global and per command, each with an example. */

/** The options every command takes, at the end of each command's list. */
const COMMON = `  --config FILE        the project file (default: deploynet.config.json in the current directory,
                       if there is one); flags win over it
  --json               print the result as one JSON line
  -h, --help           show this help`;

/** Shown by `deploynet --help`; the README has the same table. */
const EXIT_CODES = `Exit codes:
  0  ok
  1  a user error: bad arguments, a bad config file, bad input, a failed verify (one sentence on stderr)
  2  an internal error, a bug in DeployNet (one line on stderr; DEBUG=deploynet adds the stack trace)`;

export const COMMANDS = ['init', 'keygen', 'build', 'verify', 'signal', 'serve'] as const;
export type CommandName = (typeof COMMANDS)[number];

export const COMMAND_HELP: Readonly<Record<CommandName, string>> = {
  init: `Usage: deploynet init [--site DIR] [--signal URL] [--out DIR] [--config FILE] [--force] [--json]

Sets this project up for DeployNet, in the current directory:
  - deploynet.key and deploynet.pub, a new Ed25519 key pair (the private key mode 0600)
  - a .gitignore line for the private key (.gitignore created if needed, no line added twice)
  - deploynet.config.json with every setting at its default (see the README for each field); every
    deploynet command reads it, and flags win over it
  - an npm script "deploynet": "deploynet build" in package.json, if there is one (an existing
    script of that name is left alone)
Refuses when the config or the key exists; --force writes a new config and a new key, and keeps the
old key, renamed deploynet.key.<time>.old (and git-ignored).

Options:
  --site DIR           the built site the config names (default: dist)
  --signal URL         your signaling node's base URL (default: none, no peers until you set it)
  --out DIR            where the key pair goes (default: the current directory); outside the project,
                       no .gitignore line is needed
  --force              replace an existing config and key (the old key is kept, renamed)
${COMMON}

Examples:
  deploynet init --site public --signal https://signal.example.com
  deploynet init --out ~/.deploynet --json`,

  keygen: `Usage: deploynet keygen [--out DIR] [--json]

Writes a new Ed25519 key pair: DIR/deploynet.key (private, mode 0600, never overwritten) and
DIR/deploynet.pub (public). Keep deploynet.key out of the site directory and out of version control.

Options:
  --out DIR            where to write the two files (default: the folder of the config's "keyFile",
                       else the current directory)
${COMMON}

Example:
  deploynet keygen --out ~/.deploynet`,

  build: `Usage: deploynet build [SITE_DIR] [--key FILE] [--signal URL] [--version N] [--expires DURATION] [--inject] [--kill-switch]
                       [--upload-rate BYTES_PER_S] [--ice-servers FILE] [--relay-only] [--signal-token TOKEN]
                       [--region REGION] [--chunk-size BYTES] [--first-visit reload|none]
                       [--sw-mode standalone|embed] [--config FILE] [--json]

Hashes every file of SITE_DIR, signs the manifest and writes deploynet-manifest.json,
deploynet-sw.js and deploynet.js into SITE_DIR. Every setting can also come from the project file
(deploynet init writes one); a flag wins over it. Hashing progress shows on a terminal's stderr.

Options:
  SITE_DIR             the built site (default: the config's "siteDir"; one of them is required)
  --key FILE           the private key from \`deploynet keygen\` (default: the config's "keyFile";
                       one of them is required)
  --signal URL         signaling node base URL, e.g. http://127.0.0.1:9000 (default: no peers)
  --version N          manifest version (default: the current time in unix seconds)
  --expires DURATION   how long the manifest stays valid: 30d (default), 12h, 90m, 3600s
  --inject             add <script src="/deploynet.js" type="module" async></script> to every HTML file lacking it
  --kill-switch        write a no-op service worker that removes DeployNet from every visitor's browser
                       (unregisters itself, clears DeployNet's caches, reloads pages from the origin)
  --upload-rate BYTES_PER_S
                       most bytes per second each visitor uploads to all its peers together
                       (default 0: unlimited)
  --ice-servers FILE   a JSON file with an array of RTCIceServer objects, e.g.
                       [{"urls": "turn:turn.example.com:3478", "username": "u", "credential": "p"}]
                       (default: none; without STUN or TURN, peers only reach each other on one network)
  --relay-only         relay every peer connection through your TURN server, so visitors never see
                       each other's addresses (needs a turn: or turns: server in --ice-servers)
  --signal-token TOKEN the signal node's site token (deploynet signal --site-tokens), presented by
                       every page; public (it is in deploynet.js), it keeps other sites' pages off your node
  --region REGION      a region hint each page sends when it joins a swarm (e.g. eu-west): the signal
                       node names peers of the same region first; a page's data-region wins
  --chunk-size BYTES   bytes per hashed chunk, a power of two from 16384 to 4194304 (default 262144)
  --first-visit MODE   reload (default): a first visit reloads once so its subresources can come from
                       peers; none: it does not
  --sw-mode MODE       standalone (default): DeployNet's own service worker, deploynet-sw.js;
                       embed: the site's own worker imports DeployNet: writes deploynet-sw-lib.js
                       (for its importScripts) instead, and a page script that registers nothing
${COMMON}

Examples:
  deploynet build                      # everything from deploynet.config.json
  deploynet build ./public --key ~/.deploynet/deploynet.key --signal https://signal.example.com --inject
  deploynet build ./public --key ~/.deploynet/deploynet.key --signal https://signal.example.com \\
    --upload-rate 500000 --ice-servers ./turn.json --relay-only     # 500 kB/s per visitor, TURN only
  deploynet build ./public --key ~/.deploynet/deploynet.key --kill-switch     # take DeployNet off the site`,

  verify: `Usage: deploynet verify [SITE_DIR] [--pub FILE] [--config FILE] [--json]

Checks the manifest signature, expiry and every file of SITE_DIR against it.
Exit 0 when everything matches, 1 with one line per problem otherwise.

Options:
  SITE_DIR             the built site (default: the config's "siteDir"; one of them is required)
  --pub FILE           the public key, deploynet.pub (default: the config's "pubFile"; one of them
                       is required)
${COMMON}

Examples:
  deploynet verify ./public --pub ~/.deploynet/deploynet.pub
  deploynet verify --json          # site and key from deploynet.config.json`,

  signal: `Usage: deploynet signal [--port 9000] [--host 127.0.0.1] [--allowed-origins LIST] [--site-tokens LIST]
                        [--trust-proxy N] [--max-peers N] [--max-connections-per-address N] [--message-rate N]
                        [--message-burst N] [--max-message-bytes N] [--max-swarm-answer N] [--drain-timeout MS]
                        [--log-level LEVEL] [--redis URL] [--presence-ttl MS] [--ping-interval MS]
                        [--config FILE] [--json]

Starts a signaling node, prints its base URL (the value \`build --signal\` takes; with --json, a JSON
line {"ok":true,"url":...}) and logs JSON lines on stderr. Runs until SIGTERM or Ctrl-C, then drains: every client is told to reconnect and gets
--drain-timeout to go; exit 0. Every flag can also be set as DEPLOYNET_SIGNAL_<FLAG> (upper case,
- as _, e.g. DEPLOYNET_SIGNAL_MESSAGE_RATE=50), and all but --site-tokens and --redis in the config's
"signalNode" object (e.g. {"port": 9000}); a flag wins over its variable, which wins over the config.

Options:
  --port N                 TCP port (default 9000; 0 picks a free one)
  --host HOST              interface to bind (default 127.0.0.1)
  --allowed-origins LIST   comma-separated origins whose pages may use the node, e.g.
                           https://example.com,https://www.example.com (default *: every origin)
  --site-tokens LIST       comma-separated secrets (16-128 of A-Z a-z 0-9 - _); when set, PeerJS
                           clients must use one as their key (default: none). Prefer the variable:
                           other users of the machine can read a command line
  --trust-proxy N          proxies in front of the node that append X-Forwarded-For (default 0:
                           the header is ignored)
  --max-peers N            open PeerServer connections on the node (default 5000)
  --max-connections-per-address N
                           open connections per client address (default 64)
  --message-rate N         requests per second per address: upgrades, messages, HTTP (default 100)
  --message-burst N        requests an address may send at once (default 1000)
  --max-message-bytes N    largest WebSocket message, 1024 to 1048576 (default 65536)
  --max-swarm-answer N     most peers one swarm join names (default 32)
  --drain-timeout MS       on shutdown, how long clients get before they are cut (default 10000)
  --log-level LEVEL        debug, info, warn, error or silent (default info)
  --redis URL              redis:// or rediss:// URL of a Redis (6.2+) that several nodes share:
                           peers on different nodes find and reach each other (default: none,
                           one node alone). Prefer the variable if the URL has a password
  --presence-ttl MS        with --redis, how long the peers of a node that died stay listed
                           (default 30000)
  --ping-interval MS       a client silent for half of it is pinged; still silent half an interval
                           later, it is cut and leaves its swarm (default 10000)
${COMMON}

Examples:
  deploynet signal --port 9000 --host 0.0.0.0
  DEPLOYNET_SIGNAL_SITE_TOKENS=$(cat site.token) deploynet signal --trust-proxy 1 \\
    --allowed-origins https://example.com,https://www.example.com
  DEPLOYNET_SIGNAL_REDIS=redis://10.0.0.5:6379 deploynet signal --host 0.0.0.0 --trust-proxy 1`,

  serve: `Usage: deploynet serve [SITE_DIR] [--port 8080] [--host 127.0.0.1] [--latency MS] [--rate BYTES_PER_S]
                       [--config FILE] [--json]

A plain origin for development and benchmarks, with the headers a DeployNet site needs. Prints its
URL (with --json, a JSON line {"ok":true,"url":...}) and runs until interrupted (Ctrl-C).

Options:
  SITE_DIR             the site (default: the config's "siteDir"; one of them is required)
  --port N             TCP port (default 8080; 0 picks a free one)
  --host HOST          interface to bind (default 127.0.0.1)
  --latency MS         delay every response by MS milliseconds
  --rate BYTES_PER_S   cap the origin's total upload bandwidth
${COMMON}

Example:
  deploynet serve ./public --port 8080 --latency 80 --rate 1000000`,
};

export const GLOBAL_HELP = `Usage: deploynet <command> [options]

Peer-to-peer CDN for static sites, with signed manifests.

Commands:
  init      set a project up: key pair, .gitignore line, deploynet.config.json, npm script
  keygen    write an Ed25519 key pair (deploynet.key, deploynet.pub)
  build     hash and sign a site; write the DeployNet service worker and page script into it
  verify    check a built site against its signed manifest
  signal    start a signaling node
  serve     serve a site for development (correct service worker headers, optional slow network)

Options:
  --help, -h      show help (also \`deploynet <command> --help\`)
  --version, -v   show the deploynet version
Every command takes --config FILE (default ./deploynet.config.json) and --json. Output is results
only when stdout is not a terminal.

${EXIT_CODES}

Examples:
  deploynet init --site public && npm run deploynet && deploynet serve
  deploynet keygen && deploynet build ./public --key deploynet.key --inject && deploynet serve ./public`;
