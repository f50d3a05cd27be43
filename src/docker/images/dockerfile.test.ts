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

  it('returns variable bases as written', () => {
    expect(getDockerfileBaseImages('ARG BASE=node:20\nFROM ${BASE}\n')).toEqual(['${BASE}']);
  });
});
