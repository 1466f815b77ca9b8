/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ota_limits.h — every input limit in one place, each with its reason.
 *
 * Untrusted input is checked against these before any length from it is
 * used.  Raising one is a deliberate decision: say why in the commit.
 */
#ifndef OTA_LIMITS_H
#define OTA_LIMITS_H

/* Largest JSON metadata document we parse (any role).  Real root/timestamp/
 * snapshot files are a few KiB; targets with thousands of entries stay far
 * below this.  Also the default download ceiling for metadata of unknown
 * length (TUF "endless data"). */
#define OTA_MAX_METADATA_SIZE (16u * 1024u * 1024u)

/* Default download ceilings when signed metadata gives no length (TUF spec
 * suggests small defaults for root and timestamp). */
#define OTA_MAX_ROOT_SIZE (512u * 1024u)
#define OTA_MAX_TIMESTAMP_SIZE (16u * 1024u)

/* JSON nesting depth.  TUF metadata nests at most ~7 levels (targets ->
 * custom -> ...); 32 leaves room for custom fields while keeping the
 * (recursive) encoder's stack bounded.  Checked by a non-recursive scan
 * before jansson sees the text. */
#define OTA_MAX_JSON_DEPTH 32

/* Keys one metadata object may list (root keys, delegation keys).  Root
 * files with more than a few dozen keys do not exist in practice. */
#define OTA_MAX_KEYS 256

/* Key ids per role and signatures per document: bounded by the number of
 * keys; signatures beyond this are a DoS attempt, not a signing ceremony. */
#define OTA_MAX_ROLE_KEYIDS 256
#define OTA_MAX_SIGNATURES 256

/* Delegated roles listed by one targets file, and roles visited in one
 * delegation search (TUF spec recommends a cap; python-tuf uses 32). */
#define OTA_MAX_DELEGATIONS 1024
#define OTA_MAX_DELEGATION_VISITS 32

/* Path patterns / hash prefixes per delegated role. */
#define OTA_MAX_ROLE_PATHS 1024

/* Longest target path, role name, key id or hex string we accept. */
#define OTA_MAX_PATH_LEN 4096
#define OTA_MAX_ROLE_NAME_LEN 255
#define OTA_MAX_KEYID_LEN 128

/* PEM public keys (ECDSA P-256 SPKI is ~180 bytes, RSA 4096 ~800). */
#define OTA_MAX_PEM_LEN 8192
#define OTA_MAX_SPKI_DER_LEN 1024

/* Signatures: Ed25519 64 bytes, ECDSA P-256 DER <= 72, RSA 4096 512. */
#define OTA_MAX_SIG_LEN 512

/* Root rotations followed in one update (TUF spec 5.3: a cap, e.g. 32). */
#define OTA_MAX_ROOT_ROTATIONS 32

/* Ids (ota_id.h): bundle, component and channel names, hardware and device
 * ids are 1..128 bytes of [A-Za-z0-9._:-] — a serial number, MAC address,
 * UUID or model name fits; path, shell and SQL metacharacters do not.  One
 * limit for every format (BUNDLE.md "Ids and semantic versions"). */
#define OTA_MAX_ID_LEN 128u

/* Semantic versions (ota_semver_check), in bundles, reports and the release
 * policy: real ones are ~20 bytes, 64 bounds pre-release and build
 * metadata and keeps comparisons cheap. */
#define OTA_MAX_VERSION_LEN 64u

/* Largest integer we accept in metadata: versions and lengths must fit in
 * int64 (jansson's json_int_t) and be non-negative; 2^53 keeps them exact in
 * JavaScript clients as well. */
#define OTA_MAX_JSON_INT 9007199254740991LL

/* ---- update bundles (formats/BUNDLE.md) ------------------------------------
 * A bundle's header+manifest+chunk table ("head") is read whole into memory
 * and hashed before anything in it is parsed, and a device holds one
 * compressed and one uncompressed chunk at a time, so these bound a reader's
 * memory: head + 2 x chunk size + zlib/libarchive state. */

/* Chunk size: a power of two in [64 KiB, 4 MiB].  Below 64 KiB the 68-byte
 * table entry and zlib's per-stream restart (32 KiB window lost) start to
 * cost ratio; above 4 MiB a device needs more than 8 MiB of buffers. */
#define OTA_BUNDLE_MIN_CHUNK_SIZE (64u * 1024u)
#define OTA_BUNDLE_MAX_CHUNK_SIZE (4u * 1024u * 1024u)
/* Default: 256 KiB (see BUNDLE.md "Choosing the chunk size"): 512 KiB of
 * chunk buffers on the device, about 1% ratio cost against one zlib stream. */
#define OTA_BUNDLE_DEFAULT_CHUNK_SIZE (256u * 1024u)

/* Chunks per bundle.  At the default chunk size this is 32 GiB of payload,
 * at 64 KiB chunks 8 GiB (the issue asks for >= 4 GiB); the table is then
 * at most 131072 * 68 B = 8.5 MiB, which bounds the head. */
#define OTA_BUNDLE_MAX_CHUNKS 131072u

/* Manifest: names, hardware ids, components and inline hook scripts; a
 * realistic one is under 10 KiB. */
#define OTA_BUNDLE_MAX_MANIFEST (1024u * 1024u)

/* Head = 80-byte header + manifest + table. */
#define OTA_BUNDLE_MAX_HEAD (80u + OTA_BUNDLE_MAX_MANIFEST + OTA_BUNDLE_MAX_CHUNKS * 68u)

/* Components per bundle (rootfs, kernel, bootloader, app data ...). */
#define OTA_BUNDLE_MAX_COMPONENTS 64

/* Compatible hardware ids per bundle. */
#define OTA_BUNDLE_MAX_HARDWARE 256

/* Hook script (pre-install / post-install), stored inline, base64, in the
 * signed manifest: shell scripts, not programs. */
#define OTA_BUNDLE_MAX_HOOK (64u * 1024u)

/* Archive entries in one file-tree component: a full Debian rootfs has
 * ~30 000; the cap stops an entry-count bomb of empty files. */
#define OTA_BUNDLE_MAX_ENTRIES 1000000u

/* Path of one archive entry (and of a symlink target); PATH_MAX on Linux. */
#define OTA_BUNDLE_MAX_ENTRY_PATH 4096

/* Directory depth of a file tree: bounds the writer's walk (recursion and
 * open directory handles). */
#define OTA_BUNDLE_MAX_DEPTH 64

/* Compression threads in the writer. */
#define OTA_BUNDLE_MAX_JOBS 64

/* ---- the release policy in signed targets metadata (formats/RELEASE.md) ---
 * Read by formats/ota_release.c for ota-sign, libotaclient and ota-server. */

/* Channels one release is offered on (custom.ota_release.channels): a
 * release goes to a handful (stable, beta, a customer's pilot); 16 bounds
 * the list a device scans and the line ota-sign prints. */
#define OTA_RELEASE_MAX_CHANNELS 16u

/* Bundle names with a floor (ota_policy.floors of the top-level targets):
 * one per product of the repository; 256 bounds the work of checking the
 * policy, which a client does before every choice. */
#define OTA_POLICY_MAX_FLOORS 256u

/* ---- ota-server and device status reports (formats/ota_report.h) --------
 * Owned by the server/report issue; see formats/REPORT.md and
 * docs/ota-server.md. */

/* Largest report document (request body of POST /v1/reports).  A report is
 * ~700 bytes; 8 KiB leaves room for a small vendor `custom` object.  The
 * server refuses a larger Content-Length before reading the body; a chunked
 * body past this size is read to its end (within the request deadline),
 * never kept, and answered 413. */
#define OTA_MAX_REPORT_SIZE 8192u

/* Free-text error of a failed update: an error name plus a short message. */
#define OTA_MAX_REPORT_ERROR_LEN 512u

/* Report history kept per device; older rows are deleted when a report is
 * stored, so one device cannot grow the database without bound. */
#define OTA_SERVER_REPORTS_PER_DEVICE 100

/* Admin bearer token file: at least 32 printable characters, at most 1 KiB.
 * 32 hex digits (`openssl rand -hex 16`) are 128 bits, the least a random
 * token may carry; 32 characters of a larger alphabet carry more.  Shorter
 * is guessable, longer is a mistake. */
#define OTA_SERVER_TOKEN_MIN 32u
#define OTA_SERVER_TOKEN_MAX 1024u

/* Failed admin-token attempts (401s), per client address (IPv6: per /64):
 * a token bucket of this many a minute, burst as many.  An address whose
 * bucket is empty is answered 429 with Retry-After on every admin request,
 * the right token included: at most 10 guesses a minute. */
#define OTA_SERVER_AUTH_FAILS_PER_MINUTE 10u

/* Startup scan of --root for key-like files: at most SCAN_DEPTH directory
 * levels and SCAN_ENTRIES entries; the first SCAN_READ bytes of files up to
 * SCAN_FILE_MAX bytes are read; at most SCAN_REPORT files are named. */
#define OTA_SERVER_SCAN_DEPTH 8u
#define OTA_SERVER_SCAN_ENTRIES 20000u
#define OTA_SERVER_SCAN_READ 4096u
#define OTA_SERVER_SCAN_FILE_MAX (64u * 1024u)
#define OTA_SERVER_SCAN_REPORT 10u

/* Default per-connection memory for MHD (request line + headers, plus the
 * response header buffer).  Requests whose head does not fit get 431.
 * nginx's default large_client_header_buffers is 4 x 8 KiB. */
#define OTA_SERVER_DEFAULT_HEADER_MEMORY (16u * 1024u)

/* Default connection limits: total (each costs at most the header memory
 * above, so 4096 x 16 KiB = 64 MiB worst case) and per client address. */
#define OTA_SERVER_DEFAULT_MAX_CONNECTIONS 4096u
#define OTA_SERVER_DEFAULT_MAX_PER_IP 64u

/* Default timeouts, seconds: a request's head (and body) must arrive within
 * REQUEST of its first byte (slowloris), a connection making no progress
 * for IDLE is closed, and on SIGTERM in-flight responses get SHUTDOWN to
 * finish. */
#define OTA_SERVER_DEFAULT_REQUEST_TIMEOUT 10u
#define OTA_SERVER_DEFAULT_IDLE_TIMEOUT 30u
#define OTA_SERVER_DEFAULT_SHUTDOWN_TIMEOUT 30u

/* In-memory cache of small files (metadata): files up to FILE_MAX bytes are
 * served from memory, revalidated against the file's inode, size and mtime
 * on every request; at most TOTAL bytes are cached (least recently used
 * entries are evicted). */
#define OTA_SERVER_CACHE_FILE_MAX (1024u * 1024u)
#define OTA_SERVER_DEFAULT_CACHE_TOTAL (64u * 1024u * 1024u)

/* URL path depth (segments) and length we resolve. */
#define OTA_SERVER_MAX_PATH_SEGMENTS 32u

/* GET /v1/devices page size: default and ceiling. */
#define OTA_SERVER_LIST_DEFAULT 100u
#define OTA_SERVER_LIST_MAX 1000u

/* --advisories DIR (docs/ota-server.md "Advisories"): at most ADV_FILES
 * *.json files are read, and at most ADV_BYTES bytes of them in all (each
 * one at most OTA_OSV_MAX_SIZE); the rest are skipped with a log line.
 * Debian's tracker is ~40000 advisories a few KiB each; jansson holds ~10x
 * the text, so 64 MiB keeps the server near 700 MiB at worst. */
#define OTA_SERVER_ADV_FILES 20000u
#define OTA_SERVER_ADV_BYTES (64u * 1024u * 1024u)

/* Package lists of published releases held in memory (read from the
 * bundles' sbom components, cached by head hash): at most this many
 * packages in all (~200 bytes each: ~400 MiB); a release past it is shown
 * as "unknown", never as "not affected". */
#define OTA_SERVER_SBOM_PACKAGES 2000000u

/* ---- SBOMs and advisories (formats/SBOM.md, formats/ADVISORIES.md) -------
 * Read by formats/ota_sbom.c and ota_osv.c for ota-sign and ota-server. */

/* Package versions under any scheme (Debian, semver; ota_pkgver.h): real
 * Debian versions are under 60 bytes (the longest in bookworm is ~70);
 * 256 leaves room for long git snapshots and bounds every comparison. */
#define OTA_MAX_PKGVER_LEN 256u

/* An input SBOM document (SPDX 2.x or CycloneDX 1.x JSON).  syft's SPDX of
 * a full Debian image with file lists is ~5 MB; jansson holds ~10x the
 * text, so 16 MiB (the metadata ceiling) bounds the signer at ~200 MiB. */
#define OTA_SBOM_MAX_DOC_SIZE OTA_MAX_METADATA_SIZE

/* A package database read from a root file system (dpkg or opkg status):
 * Debian's status is ~2.5 KiB per package (descriptions); 32 MiB is ~13000
 * packages, more than a desktop install. */
#define OTA_SBOM_MAX_STATUS_SIZE (32u * 1024u * 1024u)

/* Packages in one list: a Debian desktop has ~3000, an npm application's
 * node_modules a few thousand; 20000 bounds the list and its sort. */
#define OTA_SBOM_MAX_PACKAGES 20000u

/* One name, licence, architecture or ecosystem (npm names are at most 214
 * bytes, Debian's far less), and one purl (names, version, qualifiers). */
#define OTA_SBOM_MAX_FIELD 256u
#define OTA_SBOM_MAX_PURL 1024u

/* The canonical package list (SBOM.md), as stored in a bundle: ~120 bytes
 * a Debian package, so 4 MiB holds the 20000 packages above at ~200. */
#define OTA_SBOM_MAX_LIST_SIZE (4u * 1024u * 1024u)

/* One OSV advisory file.  Debian's and GitHub's are a few KiB; the largest
 * on osv.dev (kernel entries listing every affected tag) are ~1 MiB. */
#define OTA_OSV_MAX_SIZE (4u * 1024u * 1024u)

/* Per advisory: affected packages, ranges per package, events per range
 * and in all (the lowest fix is checked against every range, so the total
 * bounds that quadratic step at 4096^2 comparisons), enumerated versions
 * per package, aliases; the summary and details text. */
#define OTA_OSV_MAX_AFFECTED 1024u
#define OTA_OSV_MAX_RANGES 64u
#define OTA_OSV_MAX_EVENTS 256u
#define OTA_OSV_MAX_EVENTS_TOTAL 4096u
#define OTA_OSV_MAX_VERSIONS 20000u
#define OTA_OSV_MAX_ALIASES 64u
#define OTA_OSV_MAX_SUMMARY 1024u
#define OTA_OSV_MAX_DETAILS (64u * 1024u)

/* ---- libotaclient (client/) ---------------------------------------------- */

/* Download ceilings for snapshot and targets metadata when the signed meta
 * that points at them gives no length (the same defaults as python-tuf's
 * ngclient): far above real files, far below "endless".  Root and timestamp
 * use OTA_MAX_ROOT_SIZE / OTA_MAX_TIMESTAMP_SIZE above. */
#define OTA_CLIENT_MAX_SNAPSHOT_SIZE (2000u * 1000u)
#define OTA_CLIENT_MAX_TARGETS_SIZE (5000u * 1000u)

/* Longest URL or path the client builds (base URL + percent-encoded target
 * path, which can triple OTA_MAX_PATH_LEN). */
#define OTA_CLIENT_MAX_URL (4u * OTA_MAX_PATH_LEN)

#endif
