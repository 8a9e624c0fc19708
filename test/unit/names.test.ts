import { describe, expect, it } from 'vitest';
import {
  serviceNames, toValidProjectName, validateProjectName, validateServiceName,
} from '../../generators/shared/names.js';

describe('project names (the last segment of the target directory)', () => {
  it.each([
    ['', /empty/],
    ['My-App', /capital letters/],
    ['my app', /URL-friendly/],
    ['..', /period/],
    ['.hidden', /period/],
    ['-dash', /hyphen/],
    ['node_modules', /not a valid package name/],
    ['a'.repeat(215), /214/],
    ['a~b', /special characters/],
  ])('rejects %j with the reason and a fix', (name, reason) => {
    const problem = validateProjectName(name);
    expect(problem).toMatch(reason);
    expect(problem).toMatch(/Use a valid npm package name|Pass a target directory/);
  });

  it.each(['my-app', 'app2', 'a.b', 'x'])('accepts %j', (name) => {
    expect(validateProjectName(name)).toBeUndefined();
  });

  it.each([
    ['My App', 'my-app'],
    ['.Hidden Thing', 'hidden-thing'],
    ['node_modules', 'node-modules'],
    ['a~b!', 'a-b'],
  ])('suggests %j -> %j, which is valid', (input, suggestion) => {
    expect(toValidProjectName(input)).toBe(suggestion);
    expect(validateProjectName(suggestion)).toBeUndefined();
  });
});

describe('service names', () => {
  it.each(['', 'Pay', 'pay_ments', '1pay', 'pay--x', 'pay-', 'service', 'a'.repeat(31)])('rejects %j', (name) => {
    expect(validateServiceName(name)).toBeTypeOf('string');
  });

  it('derives every spelling the templates use', () => {
    expect(serviceNames('order-book')).toEqual({
      name: 'order-book',
      className: 'OrderBook',
      propertyName: 'orderBook',
      snakeName: 'order_book',
      constantName: 'ORDER_BOOK',
    });
  });
});
