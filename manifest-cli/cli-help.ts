/** Usage text of the `deploynet` command line, global and per command, each with an example. */

export const COMMANDS = ['keygen', 'build', 'verify', 'signal', 'serve'] as const;
export type CommandName = (typeof COMMANDS)[number];

export const COMMAND_HELP: Readonly<Record<CommandName, string>> = {
  keygen: `Usage: deploynet keygen [--out DIR]

Writes a new Ed25519 key pair: DIR/deploynet.key (private, mode 0600, never overwritten) and
DIR/deploynet.pub (public). Keep deploynet.key out of the site directory and out of version control.

Options:
  --out DIR     where to write the two files (default: the current directory)

Example:
  deploynet keygen --out ~/.deploynet`,

  build: `Usage: deploynet build SITE_DIR --key FILE [--signal URL] [--version N] [--expires DURATION] [--inject] [--kill-switch]
                       [--upload-rate BYTES_PER_S] [--ice-servers FILE] [--relay-only] [--signal-token TOKEN]
                       [--region REGION] [--json]

Hashes every file of SITE_DIR, signs the manifest and writes deploynet-manifest.json,
deploynet-sw.js and deploynet.js into SITE_DIR.

Options:
  --key FILE           the private key from \`deploynet keygen\` (required)
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
  --json               print the summary as JSON

Examples:
  deploynet build ./public --key ~/.deploynet/deploynet.key --signal https://signal.example.com --inject
  deploynet build ./public --key ~/.deploynet/deploynet.key --signal https://signal.example.com \\
    --upload-rate 500000 --ice-servers ./turn.json --relay-only     # 500 kB/s per visitor, TURN only
  deploynet build ./public --key ~/.deploynet/deploynet.key --kill-switch     # take DeployNet off the site`,

  verify: `Usage: deploynet verify SITE_DIR --pub FILE [--json]

Checks the manifest signature, expiry and every file of SITE_DIR against it.
Exit 0 when everything matches, 1 with one line per problem otherwise.

Options:
  --pub FILE    the public key (deploynet.pub) (required)
  --json        print the result as JSON

Example:
  deploynet verify ./public --pub ~/.deploynet/deploynet.pub`,

  signal: `Usage: deploynet signal [--port 9000] [--host 127.0.0.1] [--allowed-origins LIST] [--site-tokens LIST]
                        [--trust-proxy N] [--max-peers N] [--max-connections-per-address N] [--message-rate N]
                        [--message-burst N] [--max-message-bytes N] [--max-swarm-answer N] [--drain-timeout MS]
                        [--log-level LEVEL] [--redis URL] [--presence-ttl MS] [--ping-interval MS]

Starts a signaling node, prints its base URL (the value \`build --signal\` takes) and logs JSON lines
on stderr. Runs until SIGTERM or Ctrl-C, then drains: every client is told to reconnect and gets
--drain-timeout to go; exit 0. Every flag can also be set as DEPLOYNET_SIGNAL_<FLAG> (upper case,
- as _, e.g. DEPLOYNET_SIGNAL_MESSAGE_RATE=50); a flag wins over its variable.

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
  --ping-interval MS       WebSocket ping to every client; one that misses a ping is cut and leaves
                           its swarm (default 10000)

Examples:
  deploynet signal --port 9000 --host 0.0.0.0
  DEPLOYNET_SIGNAL_SITE_TOKENS=$(cat site.token) deploynet signal --trust-proxy 1 \\
    --allowed-origins https://example.com,https://www.example.com
  DEPLOYNET_SIGNAL_REDIS=redis://10.0.0.5:6379 deploynet signal --host 0.0.0.0 --trust-proxy 1`,

  serve: `Usage: deploynet serve SITE_DIR [--port 8080] [--host 127.0.0.1] [--latency MS] [--rate BYTES_PER_S]

A plain origin for development and benchmarks, with the headers a DeployNet site needs.
Runs until interrupted (Ctrl-C).

Options:
  --port N            TCP port (default 8080; 0 picks a free one)
  --host HOST         interface to bind (default 127.0.0.1)
  --latency MS        delay every response by MS milliseconds
  --rate BYTES_PER_S  cap the origin's total upload bandwidth

Example:
  deploynet serve ./public --port 8080 --latency 80 --rate 1000000`,
};

export const GLOBAL_HELP = `Usage: deploynet <command> [options]

Peer-to-peer CDN for static sites, with signed manifests.

Commands:
  keygen    write an Ed25519 key pair (deploynet.key, deploynet.pub)
  build     hash and sign a site; write the DeployNet service worker and page script into it
  verify    check a built site against its signed manifest
  signal    start a signaling node
  serve     serve a site for development (correct service worker headers, optional slow network)

Options:
  --help, -h      show help (also \`deploynet <command> --help\`)
  --version, -v   show the deploynet version

Example:
  deploynet keygen && deploynet build ./public --key deploynet.key --inject && deploynet serve ./public`;
