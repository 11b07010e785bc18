/** Templates and what `packer validate` (1.6.6) printed for them, recorded side by side. */
export const PACKER_166_VALIDATE: [template: string, output: string][] = [
  ['[]', "Failed to parse template: '' expected a map, got 'slice'\n"],
  ['null', 'Error: \n\n1 error occurred:\n\t* at least one builder must be defined\n\n\n\n\n'],
  ['"x"', "Failed to parse template: '' expected a map, got 'string'\n"],
  [
    '{"builders":[{"type":"null","communicator":"none"}],"description":1,"min_packer_version":2,"variables":[],"sensitive-variables":"x","provisioners":{},"post-processors":"x","push":[],"comments":1,"error-cleanup-provisioner":"x"}',
    "Failed to parse template: 8 error(s) decoding:\n\n* 'Comments': source data must be an array or slice, got float64\n* 'Description' expected type 'string', got unconvertible type 'float64', value: '1'\n* 'Provisioners': source data must be an array or slice, got map\n* 'Push' expected a map, got 'slice'\n* 'Variables' expected a map, got 'slice'\n* 'min_packer_version' expected type 'string', got unconvertible type 'float64', value: '2'\n* 'post-processors': source data must be an array or slice, got string\n* 'sensitive-variables': source data must be an array or slice, got string\n",
  ],
  [
    '{"builders":[{"type":"null","communicator":"none"}],"sensitive-variables":[1,"a"],"_c":1,"zz":1,"aa":2}',
    "Failed to parse template: 1 error(s) decoding:\n\n* 'sensitive-variables[0]' expected type 'string', got unconvertible type 'float64', value: '1'\n",
  ],
  [
    '{"builders":["x", 1, {"type":1}, {"type":"null","name":["a"]}, {"type":"null","name":2,"communicator":"none"}]}',
    "Failed to parse template: 3 errors occurred:\n\t* builder 1: '' expected a map, got 'string'\n\t* builder 2: '' expected a map, got 'float64'\n\t* builder 4: 1 error(s) decoding:\n\n* 'Name' expected type 'string', got unconvertible type '[]interface {}', value: '[a]'\n\n\n",
  ],
  [
    '{"builders":[{"type":"null","communicator":"none"}],"provisioners":["x",{"type":"shell-local","only":"null","inline":["a"]},{"type":"shell-local","pause_before":5,"inline":["a"]},{"type":"shell-local","max_retries":"x","inline":["a"]},{"type":"shell-local","timeout":"1x","override":[],"inline":["a"]},{"type":["a"]}]}',
    "Failed to parse template: 3 errors occurred:\n\t* provisioner 1: Error decoding provisioner: '' expected a map, got 'string'\n\t* provisioner 5: Error decoding provisioner: 1 error(s) decoding:\n\n* error decoding 'timeout': time: unknown unit \"x\" in duration \"1x\"\n\t* provisioner 6: Error decoding provisioner: 1 error(s) decoding:\n\n* 'Type' expected type 'string', got unconvertible type '[]interface {}', value: '[a]'\n\n\n",
  ],
  [
    '{"builders":[{"type":"null","communicator":"none"}],"post-processors":[1,[1,"a",{"type":"x","only":"null","keep_input_artifact":"true"}],{"type":"manifest","name":5},{"type":"manifest","except":[1]}]}',
    "Failed to parse template: 4 errors occurred:\n\t* post-processor 1: bad format\n\t* post-processor 2.1: unknown format\n\t* post-processor 3.1: 1 error(s) decoding:\n\n* 'Name' expected type 'string', got unconvertible type 'float64', value: '5'\n\t* post-processor 4.1: 1 error(s) decoding:\n\n* 'Except[0]' expected type 'string', got unconvertible type 'float64', value: '1'\n\n\n",
  ],
  [
    '{"builders":[{"type":"null","communicator":"none"}],"error-cleanup-provisioner":{"inline":["a"]}}',
    "Failed to parse template: 1 error occurred:\n\t* On Error Cleanup Provisioner error: Provisioner missing 'type'\n\n\n",
  ],
  [
    '{"builders":[{"type":"null","communicator":"none"}],"error-cleanup-provisioner":{"type":"shell-local","inline":["a"],"only":["zz"],"pause_before":"x"}}',
    'Failed to parse template: 1 error occurred:\n\t* On Error Cleanup Provisioner error: Error decoding provisioner: 1 error(s) decoding:\n\n* error decoding \'pause_before\': time: invalid duration "x"\n\n\n',
  ],
  [
    '{"builders":[{"type":"null","communicator":"none"}],"min_packer_version":"abc"}',
    'Error: \n\nmin_version is invalid: Malformed version: abc\n\n\n',
  ],
  [
    '{"builders":[{"type":"null","communicator":"none"}],"_c":["a"]}',
    'Failed to parse template: Failed to cast root level comment value in comment "_c" to string.\n',
  ],
  [
    '{"builders":[{"type":"null","name":"a-{{user `x`}}","communicator":"none"}],"variables":{"x":"1"},"provisioners":[{"type":"shell-local","only":["a-1"],"inline":["a"]}]}',
    "Error: \n\n1 error occurred:\n\t* provisioner 1: 'only' specified builder 'a-1' not found\n\n\n\n\n",
  ],
];
