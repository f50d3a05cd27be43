import {
  CreateFunctionCommand,
  DeleteFunctionCommand,
  GetFunctionCommand,
  ListTagsCommand,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeZip } from '../helpers/zip.js';
import { ROLE, deleteQuietly, startTestLambdock, type TestLambdock } from '../helpers/test-lambdock.js';
import { awsError } from '../helpers/lambda-error-of.js';

let t: TestLambdock;
let zip: Buffer;
const ARN = (name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;

beforeAll(async () => {
  t = await startTestLambdock();
  zip = await nodeZip('exports.handler = async () => 1;');
});
afterAll(async () => {
  await t?.close();
});

const create = (name: string, tags?: Record<string, string>) =>
  t.client.send(
    new CreateFunctionCommand({ FunctionName: name, Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Code: { ZipFile: zip }, Tags: tags }),
  );

describe('tags (TagResource, UntagResource, ListTags, CreateFunction Tags)', () => {
  it('keeps the tags given at create, adds, overwrites and removes them, and drops them with the function', async () => {
    await create('tagged', { key_a: 'value_a' });
    expect((await t.client.send(new ListTagsCommand({ Resource: ARN('tagged') }))).Tags).toEqual({ key_a: 'value_a' });
    expect((await t.client.send(new GetFunctionCommand({ FunctionName: 'tagged' }))).Tags).toEqual({ key_a: 'value_a' });

    const tagged = await t.client.send(new TagResourceCommand({ Resource: ARN('tagged'), Tags: { key_b: 'value_b', key_a: 'value_x' } }));
    expect(tagged.$metadata.httpStatusCode).toBe(204);
    expect((await t.client.send(new ListTagsCommand({ Resource: ARN('tagged') }))).Tags).toEqual({ key_a: 'value_x', key_b: 'value_b' });

    const untagged = await t.client.send(new UntagResourceCommand({ Resource: ARN('tagged'), TagKeys: ['key_a', 'nope'] }));
    expect(untagged.$metadata.httpStatusCode).toBe(204);
    expect((await t.client.send(new ListTagsCommand({ Resource: ARN('tagged') }))).Tags).toEqual({ key_b: 'value_b' });
    await t.client.send(new UntagResourceCommand({ Resource: ARN('tagged'), TagKeys: ['key_b'] }));
    expect((await t.client.send(new ListTagsCommand({ Resource: ARN('tagged') }))).Tags).toEqual({});
    // AWS leaves Tags out of GetFunction when there are none.
    expect((await t.client.send(new GetFunctionCommand({ FunctionName: 'tagged' }))).Tags).toBeUndefined();

    await t.client.send(new TagResourceCommand({ Resource: ARN('tagged'), Tags: { left: 'over' } }));
    await t.client.send(new DeleteFunctionCommand({ FunctionName: 'tagged' }));
    const gone = await awsError(t.client.send(new ListTagsCommand({ Resource: ARN('tagged') })));
    expect(gone.name).toBe('ResourceNotFoundException');
    expect(gone.message).toBe(`Function not found: ${ARN('tagged')}`);
    await create('tagged');
    expect((await t.client.send(new ListTagsCommand({ Resource: ARN('tagged') }))).Tags).toEqual({});
    await deleteQuietly(t, 'tagged');
  });

  it('answers unknown, qualified and malformed resources with AWS errors', async () => {
    for (const call of [
      new TagResourceCommand({ Resource: ARN('doesnotexist'), Tags: { A: 'B' } }),
      new UntagResourceCommand({ Resource: ARN('doesnotexist'), TagKeys: ['A'] }),
      new ListTagsCommand({ Resource: ARN('doesnotexist') }),
    ]) {
      const e = await awsError(t.client.send(call as TagResourceCommand));
      expect(e.name).toBe('ResourceNotFoundException');
      expect(e.$metadata.httpStatusCode).toBe(404);
      expect(e.message).toBe(`Function not found: ${ARN('doesnotexist')}`);
    }
    await create('tag-errors');
    const qualified = await awsError(t.client.send(new TagResourceCommand({ Resource: `${ARN('tag-errors')}:v1`, Tags: { A: 'B' } })));
    expect(qualified.name).toBe('InvalidParameterValueException');
    expect(qualified.message).toBe('Tags on function aliases and versions are not supported. Please specify a function ARN.');
    const malformed = await awsError(t.client.send(new ListTagsCommand({ Resource: 'arn:aws:something' })));
    expect(malformed.name).toBe('ValidationException');
    expect(malformed.message).toMatch(/^1 validation error detected: Value 'arn:aws:something' at 'resource' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:/);
    const empty = await awsError(t.client.send(new TagResourceCommand({ Resource: ARN('tag-errors'), Tags: {} })));
    expect(empty.name).toBe('InvalidParameterValueException');
    expect(empty.message).toBe('An error occurred and the request cannot be processed.');
    const noKeys = await awsError(t.client.send(new UntagResourceCommand({ Resource: ARN('tag-errors'), TagKeys: [] })));
    expect(noKeys.name).toBe('ValidationException');
    expect(noKeys.message).toBe("1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: Member must not be null");
    const reserved = await awsError(t.client.send(new TagResourceCommand({ Resource: ARN('tag-errors'), Tags: { 'aws:owner': 'me' } })));
    expect(reserved.name).toBe('InvalidParameterValueException');
    const longKey = await awsError(t.client.send(new TagResourceCommand({ Resource: ARN('tag-errors'), Tags: { ['k'.repeat(129)]: 'v' } })));
    expect(longKey.name).toBe('ValidationException');
    expect(longKey.message).toMatch(/Map keys must satisfy constraint: \[Member must have length less than or equal to 128/);
    const longValue = await awsError(t.client.send(new TagResourceCommand({ Resource: ARN('tag-errors'), Tags: { k: 'v'.repeat(257) } })));
    expect(longValue.name).toBe('ValidationException');
    expect(longValue.message).toMatch(/Map value must satisfy constraint: \[Member must have length less than or equal to 256/);
    await deleteQuietly(t, 'tag-errors');
  });

  it('holds at most 50 tags per function, counting the ones already there', async () => {
    const tags = (n: number, from = 0) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`${i + from}_key`, `${i + from}_value`]));
    const onCreate = await awsError(create('tag-limit', tags(51)));
    expect(onCreate.name).toBe('InvalidParameterValueException');
    expect(onCreate.message).toBe('Number of tags exceeds resource tag limit.');
    await create('tag-limit', tags(40));
    await t.client.send(new TagResourceCommand({ Resource: ARN('tag-limit'), Tags: tags(10, 35) }));
    expect(Object.keys((await t.client.send(new ListTagsCommand({ Resource: ARN('tag-limit') }))).Tags ?? {})).toHaveLength(45);
    const over = await awsError(t.client.send(new TagResourceCommand({ Resource: ARN('tag-limit'), Tags: tags(6, 45) })));
    expect(over.message).toBe('Number of tags exceeds resource tag limit.');
    await t.client.send(new TagResourceCommand({ Resource: ARN('tag-limit'), Tags: tags(5, 45) }));
    expect(Object.keys((await t.client.send(new ListTagsCommand({ Resource: ARN('tag-limit') }))).Tags ?? {})).toHaveLength(50);
    await deleteQuietly(t, 'tag-limit');
  });
});
