import { describe, expect, it } from 'vitest';
import { getDockerfileBaseImages } from './dockerfile.js';

describe('getDockerfileBaseImages', () => {
  it('reads the base of a single-stage Dockerfile', () => {
    expect(getDockerfileBaseImages('# comment\nFROM node:20-bookworm-slim\nCOPY runtime/ /var/runtime/\n')).toEqual([
      'node:20-bookworm-slim',
    ]);
  });

  it('skips scratch, stage references and platform flags', () => {
    const dockerfile = [
      'FROM --platform=linux/amd64 debian:bookworm-slim AS build',
      'RUN make',
      'from build as test',
      'FROM scratch',
      'COPY --from=build /out /',
      'FROM node:20-bookworm-slim',
    ].join('\n');
    expect(getDockerfileBaseImages(dockerfile)).toEqual(['debian:bookworm-slim', 'node:20-bookworm-slim']);
  });

  it('joins continuation lines and ignores FROM inside RUN text', () => {
    expect(getDockerfileBaseImages('FROM \\\n  redis:7-bookworm\nRUN echo \\\n FROM fake\n')).toEqual(['redis:7-bookworm']);
  });

  it('fills FROM variables from build arguments, else from ARG defaults before the first FROM', () => {
    const dockerfile = 'ARG NODE_MAJOR=20\nFROM node:${NODE_MAJOR}-bookworm-slim\nARG NODE_MAJOR\n';
    expect(getDockerfileBaseImages(dockerfile)).toEqual(['node:20-bookworm-slim']);
    expect(getDockerfileBaseImages(dockerfile, { NODE_MAJOR: '24' })).toEqual(['node:24-bookworm-slim']);
    expect(getDockerfileBaseImages('ARG TAG\nFROM redis:$TAG\n', { TAG: '7' })).toEqual(['redis:7']);
  });

  it('returns variable bases nothing defines as written', () => {
    expect(getDockerfileBaseImages('FROM ${BASE}\n')).toEqual(['${BASE}']);
    expect(getDockerfileBaseImages('FROM scratch\nARG LATE=x\nFROM node:$LATE\n')).toEqual(['node:$LATE']);
  });
});
