// A step type whose includes is a list where a function is wanted: the author looks at that key.
const catalog = ['child.yaml'];

export default [
  {
    type: 'team.listed',
    description: 'Lists what it includes by mistake.',
    effect: 'read',
    input: { type: 'object', properties: { includes: { type: 'string' } } },
    includes: catalog,
    run: async () => null,
  },
];
